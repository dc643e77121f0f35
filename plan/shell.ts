/** POSIX single-quoting: the value reaches the command as one literal word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Host preparation runs as root, through passwordless sudo for a deploy user, or as a user
 * who owns the storage roots (a local dev stack): sudo only where it exists and is allowed.
 */
export const SUDO_PRELUDE = [
  "set -eu",
  'SUDO=""',
  'if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi',
] as const;
