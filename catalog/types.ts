import type { AuthPolicy, Profile, StorageClass } from "../config/spec";

/** A container port published on the host (only for protocols a proxy cannot carry). */
export interface PublishedPort {
  container: number;
  host: number;
  protocol: "tcp" | "udp";
  /** Why this port is published instead of routed through the proxy. */
  reason: string;
}

/**
 * An image the Docker provider builds on the app's host from a directory of this repository,
 * for apps no registry publishes at a pinned version. Every input the Dockerfile fetches must
 * name one state (a digest, a dated snapshot, an exact version), so a rebuild is the same image.
 */
export interface ImageBuild {
  /** The build context, relative to the repository root; holds the `Dockerfile`. */
  context: string;
}

/** How the reverse proxy reaches the app. */
export interface RouteDefinition {
  port: number;
  /** Default subdomain; the app name when absent. */
  subdomain?: string;
  auth: AuthPolicy;
  /** Only reachable from `homelab:lanCidrs`. */
  lanOnly?: boolean;
  /**
   * The app has a login of its own that the program seeds (a generated admin password or
   * token: its contract's `firstRun` is `seeded`), so `auth: bypass` leaves it protected.
   * Apps whose default is `bypass` have one too.
   */
  ownLogin?: boolean;
  /** Takes large uploads: DNS-only, since Cloudflare's proxy caps request bodies at 100 MB. */
  largeUploads?: boolean;
  /** Media streaming: never proxied by Cloudflare, API/stream paths bypass SSO. */
  streaming?: boolean;
  /** Paths that bypass SSO so native clients keep working (regexes for Authelia). */
  bypassPaths?: readonly string[];
  scheme?: "http" | "https";
  /** Homepage dashboard entry. */
  dashboard?: { group: string; icon: string; description: string; widget?: DashboardWidget };
}

/**
 * A Homepage service widget that reads the app's API with one of its generated secrets.
 * Homepage gets the key from a file (`{{HOMEPAGE_FILE_*}}`), never from a label or env.
 */
export interface DashboardWidget {
  /** Widget type at the pinned Homepage (src/widgets/widgets.js). */
  type: string;
  /** Name of one of the app's exported `secrets`, passed as the widget's `key`. */
  secret: string;
  source: string;
}

export interface HealthDefinition {
  test: readonly string[];
  intervalSeconds?: number;
  timeoutSeconds?: number;
  retries?: number;
  startPeriodSeconds?: number;
}

/** A bind mount of the app's own directory on a storage class. */
export interface VolumeDefinition {
  class: Exclude<StorageClass, "data">;
  /** Mount point inside the container. */
  target: string;
  /** Sub-directory below `<tier>/<class>/<app>`; the app directory itself when absent. */
  sub?: string;
  readOnly?: boolean;
  /**
   * `image`: the directory belongs to the user the image's entrypoint drops to (its contract's
   * `dropsTo`), not to the homelab owner: the image chowns it at start, and host preparation
   * must not take it back.
   */
  owner?: "image";
}

/** Which part of the shared `data` tree the app sees (DESIGN §4). */
export type DataMount = "root" | "media" | "torrents" | "usenet" | "photos" | "music";

/** A host path or device the app needs, with the reason it is allowed. */
export interface HostAccess {
  hostPath: string;
  target: string;
  readOnly: boolean;
  reason: string;
}

export interface SecurityExceptions {
  privileged?: string;
  hostNetwork?: string;
  hostPid?: string;
  /** Extra capabilities beyond none, with why. */
  capAdd?: { caps: readonly string[]; reason: string };
  hostAccess?: readonly HostAccess[];
  devices?: readonly { hostPath: string; reason: string }[];
  /** The image cannot run with a read-only root filesystem. */
  writableRoot?: string;
}

/** A generated secret: a random value passed to the container as a file or an env var. */
export interface SecretDefinition {
  /** Short name; the random resource is `<app>-<name>`. */
  name: string;
  length: number;
  /** Only letters and digits (API keys, hex-like tokens). */
  alphanumeric?: boolean;
  /** Env var that receives the value. */
  env?: string;
  /** Env var that receives the path of a file holding the value. */
  fileEnv?: string;
  /** Upload the value to /run/secrets/<name> even without an env var. */
  file?: boolean;
  /**
   * Also upload the value's bcrypt digest to /run/secrets/<name>.bcrypt, so a users file can
   * be written without hashing the password on a command line (argv is readable host-wide).
   */
  digestFile?: boolean;
  /** Exported so other apps (dashboards, monitoring) and the owner can use it. */
  exported?: boolean;
}

export interface MetricsDefinition {
  port: number;
  path: string;
}

/**
 * A container port published on the host's LAN address only (never on all interfaces), for
 * consumers on other hosts: Prometheus scraping exporters, Alloy pushing to Loki.
 */
export interface LanPort {
  port: number;
  reason: string;
  /**
   * Only on hosts other than Prometheus' while Prometheus is deployed: on its own host,
   * Prometheus reaches the port by container name.
   */
  remoteOnly?: boolean;
  /** Only when the stack has more than one host: the consumers are the other hosts' agents. */
  forOtherHosts?: boolean;
}

export interface AppDefinition {
  name: string;
  /** The name people know the app by (dashboard, docs), where the words of `name` are not it. */
  displayName?: string;
  profile: Profile;
  description: string;
  /**
   * The pinned image, or with `build` the name an image built on the app's host is tagged
   * with (nothing is pulled under that name).
   */
  image: { repository: string; tag: string; build?: ImageBuild };
  /** linuxserver.io style images take PUID/PGID/TZ; others get TZ only. */
  puid?: boolean;
  user?: "owner";
  route?: RouteDefinition;
  ports?: readonly PublishedPort[];
  /** Ports published on the host's LAN address (same port inside and out). */
  lanPorts?: readonly LanPort[];
  /** `none` says why the image cannot run a check. */
  health: HealthDefinition | { none: string };
  volumes?: readonly VolumeDefinition[];
  data?: DataMount;
  env?: Readonly<Record<string, string>>;
  /** Replaces the image's ENTRYPOINT (e.g. an image whose entrypoint is the tool itself). */
  entrypoint?: readonly string[];
  command?: readonly string[];
  memoryMb: number;
  cpus?: number;
  /** How the app can use a GPU when its host has one. */
  gpu?: "transcode" | "compute";
  metrics?: MetricsDefinition;
  /** Explicit networks, when the defaults (internal; proxy when routed or egress) do not fit. */
  networks?: readonly ("proxy" | "internal" | "socket")[];
  /** Databases and caches: on `internal` only, never routed. */
  internalOnly?: boolean;
  /** Reaches the internet (downloads, metadata, ACME): joins `proxy`, which has a route out. */
  egress?: boolean;
  exceptions?: SecurityExceptions;
  secrets?: readonly SecretDefinition[];
  /** Runs once on every host (exporters, log shippers, socket proxy, backups). */
  perHost?: boolean;
  /** Placement: `edge` pins to the edge host; `data` follows the shared data tree. */
  placement?: "edge" | "data" | "gpu";
  /**
   * The container reaches apps on the host's own network (`network_mode: host`) by the name
   * `host.docker.internal`, which Docker resolves to the host (`host-gateway`): why it must.
   */
  hostGateway?: string;
  /** Namespaced kernel parameters (a VPN server forwards packets). */
  sysctls?: Readonly<Record<string, string>>;
  /** Runs on the host of this app (they talk over a host-local network); follows it when unpinned. */
  colocateWith?: string;
  /**
   * Part of this app (its own database, cache, worker or browser): runs on its host, follows
   * it when unpinned, and must stay enabled while the app is.
   */
  companionOf?: string;
  /** Tmpfs mounts, path → size in MB. */
  tmpfs?: Readonly<Record<string, number>>;
  /** Capabilities the image needs after dropping ALL (e.g. CHOWN/SETUID for s6 images). */
  capAdd?: readonly string[];
  /**
   * Deployed only when the stack uses it: `sso` (Authelia), `ddns` (Cloudflare with target
   * ddns), `traefik` or `caddy` (the edge proxy `homelab:proxy` selects).
   */
  enabledWhen?: "sso" | "ddns" | "traefik" | "caddy";
  /**
   * Runs in this app's network namespace (`container:<app>`, e.g. behind a VPN): it must be
   * enabled on the same host; this app has no networks or ports of its own, and its Web UI
   * is published and routed on that app's entry.
   */
  networkOf?: string;
  /**
   * Env names `homelab:apps.<name>.env` may not set, because the program derives them from the
   * stack config (`prefixes: [""]` locks every name), with the key that does set them.
   */
  managedEnv?: { prefixes: readonly string[]; reason: string };
  /** Stack config keys (`homelab:vpn`, `homelab:vpnPrivateKey`, `cloudflare:apiToken`) the app cannot run without. */
  requires?: readonly string[];
  /** On whatever the profiles say (backups); only `homelab:apps.<name>.enabled: false` stops it. */
  always?: boolean;
  /**
   * A rarely used web UI that starts in seconds and could sleep until its first request. With
   * Sablier enabled it carries Sablier's group labels, but nothing puts it to sleep or wakes
   * it yet: that needs Traefik's Sablier plugin, which is not configured, and start/stop
   * rights the read-only socket proxy does not give.
   */
  sleepsWhenIdle?: boolean;
  /** Enabled when its profile is; `false` makes it opt-in through `homelab:apps`. */
  defaultEnabled?: boolean;
  /**
   * The app is (or embeds) a database the BackupJob dumps before each snapshot with the
   * database's own client (plan/backup/hooks.ts), instead of copying live files.
   */
  dump?: DumpDefinition;
  /** The image's contract at the pinned tag, with its upstream source. */
  contract?: ImageContract;
  /**
   * Keeps its data in the shared database of its host: one database and one role named after
   * the app, created by an init container (plan/dataServices.ts).
   */
  database?: DatabaseNeed;
}

/** A shared database engine and the container name consumers reach it by. */
export type DbEngine = "postgres" | "mariadb";

/**
 * What a consumer of a shared database reads. Values are templates over the connection:
 * `{host}`, `{port}`, `{database}`, `{user}`, `{password}`. The database and the role are
 * both named after the app (dashes become underscores).
 */
export interface DatabaseNeed {
  engine: DbEngine;
  env: Readonly<Record<string, string>>;
}

/** How the BackupJob takes a consistent copy of an app's database. */
export interface DumpDefinition {
  kind: "postgres" | "mariadb" | "redis" | "sqlite";
  /** Server port when it is not the kind's default (network kinds). */
  port?: number;
  user?: string;
  /** SQLite: the database file as the app sees it (a path below one of its volume targets). */
  database?: string;
  /** Name of one of the app's `secrets` holding the database password. */
  passwordSecret?: string;
}

/**
 * What the image does at the pinned tag, read from its Dockerfile and entrypoint (DESIGN §6):
 * the facts our container must satisfy for the image to start and work.
 */
export interface ImageContract {
  /** Dockerfile USER at the pinned tag as numeric `uid:gid` (`0:0` when none). */
  user: string;
  /**
   * The user the entrypoint switches to before the app writes its files: `owner` for images
   * that take PUID/PGID, else numeric `uid:gid`. Absent when the process keeps its start user.
   */
  dropsTo?: "owner" | string;
  /**
   * Paths outside the app's volumes the image writes while it starts (absolute paths inside
   * the container): under a read-only root each must be a tmpfs or a mount, or the start fails.
   */
  writes?: readonly string[];
  /** Upstream files these facts were read from: `owner/repo path@tag`. */
  source: readonly string[];
  /** How the app's first administrator comes to exist (DESIGN §6: no claimable first run). */
  firstRun?: FirstRunContract;
}

/**
 * The first-run stories an app can have. Only `seeded` may be reachable without SSO before
 * the owner has done anything:
 * - `seeded`: the admin (or the app's single credential) is created from a generated secret
 *   on the first start, and the secret is a secret stack output (`generatedSecrets`);
 * - `sso-until-configured`: the first visitor creates the admin, so the app stays behind SSO
 *   and no SSO bypass path reaches its setup until the owner has done it;
 * - `printed`: the image prints a one-off credential to its own log (read by the owner);
 * - `claim-token`: the owner's own claim token links the server to their account at start;
 * - `cli`: nobody can register and no admin exists until the owner runs the image's CLI;
 * - `none`: no accounts of its own, SSO (or the network) is the only gate.
 */
export type FirstRunAdmin =
  | "seeded"
  | "sso-until-configured"
  | "printed"
  | "claim-token"
  | "cli"
  | "none"
  /** Set through the app's API once it runs, by a wiring step (`how` names it). */
  | "wired";

/** An env switch that closes self-registration, and its closed value. */
export interface SignUpSwitch {
  env: string;
  closed: string;
  /**
   * The value while the app is behind SSO, when the image has no way to create the first
   * account with sign-ups closed; the program closes them whenever the app's auth is `bypass`.
   */
  behindSso?: string;
}

export interface FirstRunContract {
  admin: FirstRunAdmin;
  /** `seeded`: the app's exported secret (one of `secrets`) the admin is created from. */
  secret?: string;
  /** `seeded`: the login that secret belongs to. */
  user?: string;
  /** `seeded`: how the image takes it (env it reads, file, its CLI, its setup API). */
  how?: string;
  signUps?: SignUpSwitch;
  /**
   * `sso-until-configured` apps with a login of their own: once the owner has created the
   * admin, `homelab:apps.<name>.auth: bypass` may open them to native clients.
   */
  ownLoginOnceConfigured?: boolean;
  /** What still needs a click after the first `pulumi up` (docs/apps.md); empty when nothing. */
  remaining: string;
  /** Upstream files the first-run facts were read from: `owner/repo path@tag`. */
  source: readonly string[];
}
