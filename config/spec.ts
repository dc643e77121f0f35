import type { VpnProvider } from "./vpn";

/**
 * The validated, frozen description of one homelab stack. Everything downstream of
 * `config/` reads this and nothing else from Pulumi config (secrets aside).
 */

export const TIERS = ["nvme", "ssd", "hdd"] as const;
export type Tier = (typeof TIERS)[number];

export const STORAGE_CLASSES = [
  "config",
  "database",
  "metrics",
  "logs",
  "cache",
  "transcode",
  "games",
  "data",
  "backups",
] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

export const PROFILES = [
  "core",
  "media",
  "observability",
  "cloud",
  "home",
  "productivity",
  "data",
  "dev",
  "games",
  "security",
  "infra",
] as const;
export type Profile = (typeof PROFILES)[number];

/** The edge proxy `homelab:proxy` selects; Traefik unless the stack says otherwise. */
export const PROXIES = ["traefik", "caddy"] as const;
export type ProxyKind = (typeof PROXIES)[number];

export const GPU_KINDS = ["nvidia", "intel", "amd", "none"] as const;
export type GpuKind = (typeof GPU_KINDS)[number];

export type AuthPolicy = "two_factor" | "one_factor" | "bypass";

export type DockerEndpoint =
  | { kind: "ssh"; url: string; user: string; host: string; port: number }
  | { kind: "tcp"; url: string; host: string; port: number }
  | { kind: "unix"; url: string; socketPath: string };

export interface SshSpec {
  user: string;
  port: number;
  /** The host's public key (`<type> <base64>`), verified on every preparation connection. */
  hostKey?: string;
}

export interface HostSpec {
  name: string;
  docker: DockerEndpoint;
  /** LAN address the edge proxy and Prometheus use to reach this host. */
  address: string;
  edge: boolean;
  gpu: GpuKind;
  /** Group id owning /dev/dri on this host (Intel/AMD transcoding). */
  renderGroup?: number;
  memoryMb?: number;
  cpus?: number;
  /**
   * Docker on this host keeps images in containerd's store (Docker 29's default for new
   * installs): cAdvisor then reads containers through containerd's socket (opt-in, see README).
   */
  containerdImageStore?: boolean;
  /** Tier roots present on this host. */
  storage: Readonly<Partial<Record<Tier, string>>>;
  /** SSH used for host preparation; undefined for a local (unix socket) host. */
  ssh?: SshSpec;
}

export interface AppSpec {
  /** Catalog name. */
  name: string;
  host: string;
  subdomain: string;
  memoryMb: number;
  cpus?: number;
  env: Readonly<Record<string, string>>;
  auth: AuthPolicy;
}

export interface DnsSpec {
  provider: "cloudflare" | "none";
  zone: string;
  /** A public IPv4 address, or "ddns" to keep the apex updated by a DDNS container. */
  target: string;
  proxied: boolean;
}

export interface TlsSpec {
  email: string;
  staging: boolean;
}

export interface SsoSpec {
  provider: "authelia" | "none";
  /** Whether `homelab:ssoUsers` is set; otherwise one admin user is generated. */
  usersFromConfig: boolean;
  /** SMTP relay for Authelia's notifier; filesystem notifier when absent. */
  smtp?: { host: string; port: number; username: string; sender: string };
}

export interface VpnSpec {
  /** Gluetun's `VPN_SERVICE_PROVIDER` (config/vpn.ts lists the WireGuard ones). */
  provider: VpnProvider;
  type: "wireguard";
  /** Server filters; absent: any server of the provider. */
  countries?: readonly string[];
  regions?: readonly string[];
  /** WireGuard interface address given by the VPN provider (Gluetun's default when absent). */
  addresses?: readonly string[];
  /** The server, for provider `custom` only. */
  endpoint?: { ip: string; port: number; publicKey: string };
}

export interface RetentionSpec {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface BackupRepositorySpec {
  /** `local` for the backups storage class, or an `s3:`/`b2:` restic repository URL. */
  url: string;
  retention: RetentionSpec;
}

export interface BackupSpec {
  schedule: string;
  checkSchedule: string;
  /** Fraction of pack data read by the scheduled `restic check`. */
  checkReadData: string;
  repositories: readonly BackupRepositorySpec[];
  /** Extra storage classes included on top of config and database. */
  include: readonly StorageClass[];
}

export interface AlertingSpec {
  receiver: "email" | "ntfy" | "discord" | "webhook" | "none";
  /** Address, topic URL or webhook URL depending on the receiver. */
  to?: string;
  smtp?: { host: string; port: number; username: string; from: string };
}

export interface MediaSpec {
  /** Media servers transcode to a tmpfs of this size instead of the `transcode` class. */
  transcodeTmpfsMb?: number;
}

export interface ObservabilitySpec {
  retentionDays: number;
  logRetentionDays: number;
  /** Uptime Kuma's status page without SSO (`homelab:observability.publicStatusPage`); off when absent. */
  publicStatusPage?: boolean;
}

export interface HomelabSpec {
  project: string;
  stack: string;
  domain: string;
  mode: "domain" | "localhost";
  /** `homelab:proxy`; absent in hand-built specs means Traefik. */
  proxy?: ProxyKind;
  timezone: string;
  owner: { uid: number; gid: number };
  lanCidrs: readonly string[];
  hosts: readonly HostSpec[];
  /** Class → tier overrides from `homelab:storage`. */
  storage: Readonly<Partial<Record<StorageClass, Tier>>>;
  profiles: readonly Profile[];
  /** Every enabled app, placed on a host, sorted by name. */
  apps: readonly AppSpec[];
  dns: DnsSpec;
  tls?: TlsSpec;
  sso: SsoSpec;
  vpn?: VpnSpec;
  backup: BackupSpec;
  alerting: AlertingSpec;
  /** `homelab:media`; absent in hand-built specs means the defaults. */
  media?: MediaSpec;
  observability: ObservabilitySpec;
  /** Which secret config keys are set (values are read by components as secrets). */
  secretsPresent: readonly string[];
}

/** The edge proxy of a spec (Traefik when a hand-built spec leaves it out). */
export function proxyOf(spec: Pick<HomelabSpec, "proxy">): ProxyKind {
  return spec.proxy ?? "traefik";
}

export function edgeHost(spec: HomelabSpec): HostSpec {
  const edge = spec.hosts.find((h) => h.edge);
  if (!edge) throw new Error("spec has no edge host");
  return edge;
}

export function hostByName(spec: HomelabSpec, name: string): HostSpec {
  const host = spec.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`spec has no host ${name}`);
  return host;
}
