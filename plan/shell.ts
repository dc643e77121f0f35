/** POSIX single-quoting: the value reaches the command as one literal word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Host preparation runs as root, or through passwordless sudo for a deploy user. */
export const SUDO_PRELUDE = [
  "set -eu",
  'SUDO=""',
  '[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"',
] as const;
