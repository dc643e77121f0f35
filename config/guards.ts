/**
 * Pure checks on single config values that would otherwise reach a shell script, a mount
 * source, a port binding or a generated file unchecked. Each returns a message (the problem)
 * or undefined; the schema (config/schema.ts) turns them into issues named by key.
 */

/** Characters a host path may contain: it is quoted, but also a mount source and a label. */
export const SAFE_PATH = /^\/[A-Za-z0-9._/-]*$/;

/**
 * Directories that belong to the operating system or the Docker engine. Host preparation
 * creates `<root>/<class>/<app>` with the owner's uid/gid (and `chown`s what exists), so a
 * tier root at or under one of these would hand system paths to the homelab owner or put
 * app data inside Docker's own state.
 */
const SYSTEM_TREES = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/sys",
  "/tmp",
  "/usr",
  "/var/backups",
  "/var/cache",
  "/var/lib/containerd",
  "/var/lib/docker",
  "/var/lock",
  "/var/log",
  "/var/mail",
  "/var/run",
  "/var/spool",
  "/var/tmp",
] as const;
/** Parents of system directories: fine as ancestors, not as a root itself. */
const SYSTEM_PARENTS = ["/", "/var", "/var/lib", "/home", "/usr/local"] as const;

/** Why a tier root is refused as a system path, or undefined. */
export function systemPathReason(path: string): string | undefined {
  const p = path.length > 1 ? path.replace(/\/+$/, "") : path;
  if ((SYSTEM_PARENTS as readonly string[]).includes(p))
    return `${p} is a system directory; use a dedicated directory such as /srv/homelab`;
  const tree = SYSTEM_TREES.find((t) => p === t || p.startsWith(`${t}/`));
  if (tree)
    return `is under ${tree}, which belongs to the system${tree.startsWith("/var/lib/") ? " (Docker's own state)" : ""}; host preparation would chown it to the owner`;
  return undefined;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * A host's `address`: the LAN-only ports of apps on it are bound to exactly this address and
 * Pi-hole's local records point at it, so it must be one unicast IPv4 address.
 */
export function addressProblem(address: string): string | undefined {
  if (/\s/.test(address)) return "must be one IPv4 address (no spaces or newlines)";
  if (address === "::" || address === "[::]" || address === "*" || address === "0.0.0.0")
    return "must not be a wildcard: LAN-only ports would be published on every interface, past SSO";
  if (!IPV4.test(address))
    return "must be the host's LAN IPv4 address (LAN-only ports are bound to it)";
  const [a, b] = address.split(".").map(Number);
  if (a === 0) return "must not be a wildcard: 0.x.x.x is not a host address";
  if (a >= 224) return "must be a unicast address (not multicast or broadcast)";
  if (a === 169 && b === 254) return "must not be a link-local address";
  return undefined;
}

/** An e-mail address safe in YAML, a shell word and a users file (no quotes or spaces). */
export const SAFE_EMAIL = /^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

/** Whether a value holds a control character (newline, carriage return, tab, NUL...). */
export function hasControlChars(value: string): boolean {
  return [...value].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127);
}

/** Private and carrier-grade NAT space (RFC 1918, RFC 6598: Tailscale's 100.64.0.0/10). */
const PRIVATE_RANGES: readonly [number, number][] = [
  [0x0a000000, 8],
  [0xac100000, 12],
  [0xc0a80000, 16],
  [0x64400000, 10],
];

/**
 * A `homelab:lanCidrs` entry: Traefik lets these addresses into LAN-only apps without any
 * other check, and Gluetun routes them around the tunnel, so a public or catch-all range
 * (`0.0.0.0/0`) would publish those apps and switch the kill switch off for that traffic.
 */
export function lanCidrProblem(cidr: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return "must be an IPv4 CIDR such as 192.168.1.0/24";
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32)
    return "must be an IPv4 CIDR such as 192.168.1.0/24";
  const base = octets.reduce((n, o) => n * 256 + o, 0);
  const inside = PRIVATE_RANGES.some(([net, len]) => {
    const size = 2 ** (32 - len);
    return bits >= len && Math.floor(base / size) === Math.floor(net / size);
  });
  if (!inside)
    return "must be a private range (inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10): LAN-only apps trust these addresses without SSO";
  return undefined;
}
