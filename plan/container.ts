import { ROOT_DROP_CAPS } from "../catalog/shared";
import type { AppDefinition, HealthDefinition } from "../catalog/types";
import { proxyOf, type AppSpec, type HomelabSpec, type HostSpec } from "../config/spec";
import { LABELS } from "./labels";
import { homepageLabels } from "./homepage";
import { uptimeLabels } from "./observability/uptime";
import { remoteRoutePort, routerLabels } from "./proxy/traefik";
import { appMounts, type ResolvedMount } from "./storage";

/**
 * Capabilities s6-overlay images (linuxserver.io) need: the same as any image whose root
 * entrypoint drops to a service user (its root supervisor signals the app run as PUID).
 */
export const S6_CAPABILITIES = ROOT_DROP_CAPS;

export type NetworkRole = "proxy" | "internal" | "socket";

/** Host ports of the web entrypoints, and where localhost mode binds them. */
const WEB_PORTS: readonly number[] = [80, 443];
export const LOOPBACK = "127.0.0.1";

export interface PortPlan {
  internal: number;
  external: number;
  protocol: "tcp" | "udp";
  /** Bind address; all interfaces when absent. */
  ip?: string;
}

export interface HealthPlan {
  tests: string[];
  interval: string;
  timeout: string;
  retries: number;
  startPeriod: string;
}

/** Everything about one container that can be decided without Pulumi. */
export interface ContainerPlan {
  /** Unique resource name: the app name, suffixed with the host for per-host apps. */
  id: string;
  containerName: string;
  image: string;
  envs: string[];
  labels: Record<string, string>;
  mounts: ResolvedMount[];
  hostMounts: { source: string; target: string; readOnly: boolean }[];
  ports: PortPlan[];
  networks: NetworkRole[];
  capAdd: string[];
  readOnlyRoot: boolean;
  tmpfs: Record<string, string>;
  health?: HealthPlan;
  user?: string;
  entrypoint?: string[];
  command?: string[];
  memoryMb: number;
  cpus?: number;
  sysctls?: Record<string, string>;
  /** `renderGroupFromHost`: join the gid the Host looked up (no `renderGroup` in config). */
  gpu: { devices: string[]; groupAdds: string[]; nvidia: boolean; renderGroupFromHost?: boolean };
  privileged: boolean;
  networkMode?: "host";
  pidMode?: "host";
  /** `/etc/hosts` entries Docker adds (`host-gateway` is the host, as Docker resolves it). */
  extraHosts: { host: string; ip: string }[];
  /** The container holds state on a data-bearing class (config, database, ...). */
  stateful: boolean;
}

export function instanceId(
  def: Pick<AppDefinition, "name" | "perHost">,
  app: Pick<AppSpec, "host">,
): string {
  return def.perHost ? `${def.name}-${app.host}` : def.name;
}

/**
 * A duration as Go prints it (`90s` → `1m30s`): the provider reads health-check durations
 * back in this form, and any other spelling would replace the container on every run.
 */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * Root in a container with every capability dropped cannot enter the owner's 0750
 * directories; images that run as root and write to them get back file access only.
 */
export const ROOT_FILE_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER"] as const;
const ROOT_FILE_REASON = "runs as root and writes to directories owned by the homelab owner";

/** Docker stores added capabilities with the `CAP_` prefix; so do we, or every read is a diff. */
export function capabilityName(cap: string): string {
  return cap.startsWith("CAP_") ? cap : `CAP_${cap}`;
}

function health(h: HealthDefinition): HealthPlan {
  return {
    tests: [...h.test],
    interval: goDuration(h.intervalSeconds ?? 30),
    timeout: goDuration(h.timeoutSeconds ?? 5),
    retries: h.retries ?? 3,
    startPeriod: goDuration(h.startPeriodSeconds ?? 30),
  };
}

/** Networks by role: databases stay internal; routed or downloading apps join `proxy`. */
export function networkRoles(def: AppDefinition): NetworkRole[] {
  if (def.networks) return [...def.networks].sort();
  if (def.internalOnly) return ["internal"];
  if (def.route || def.egress) return ["proxy"];
  return ["internal"];
}

function gpuPlan(def: AppDefinition, host: HostSpec): ContainerPlan["gpu"] {
  if (!def.gpu || host.gpu === "none") return { devices: [], groupAdds: [], nvidia: false };
  if (host.gpu === "nvidia") return { devices: [], groupAdds: [], nvidia: true };
  // Without `renderGroup` the Host looks the gid up on the host itself (renderGroupScript).
  if (host.renderGroup === undefined)
    return { devices: ["/dev/dri"], groupAdds: [], nvidia: false, renderGroupFromHost: true };
  return { devices: ["/dev/dri"], groupAdds: [String(host.renderGroup)], nvidia: false };
}

/** The render node whose group the GPU apps join. */
export const RENDER_NODE = "/dev/dri/renderD128";

/**
 * Prints the gid owning the host's render node (`homelab:hosts.<name>.renderGroup` when the
 * owner does not give it); fails the deploy, before any container, when there is none.
 */
export function renderGroupScript(): string {
  return [
    "set -eu",
    `gid="$(stat -c %g ${RENDER_NODE})"`,
    'case "$gid" in ""|*[!0-9]*) echo "no render node" >&2; exit 1;; esac',
    'printf "%s" "$gid"',
  ].join("\n");
}

/** What the owning component adds to the catalog's definition. */
export interface PlanOptions {
  /** Extra labels (never secrets). */
  labels?: Readonly<Record<string, string>>;
  /** Generated files are uploaded before start, which Docker refuses on a read-only root. */
  uploads?: boolean;
  /** Env keys the component fills from Pulumi secrets (declared for the policy pack). */
  secretEnvKeys?: readonly string[];
  /**
   * Bind mounts the component derives from the spec (e.g. the BackupJob's sources), on top of
   * the catalog's volumes; created on the host like them.
   */
  extraMounts?: readonly ResolvedMount[];
}

const sortedUnique = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** The host running Prometheus, or undefined when the stack does not deploy it. */
export function prometheusHost(spec: Pick<HomelabSpec, "apps">): string | undefined {
  return spec.apps.find((a) => a.name === "prometheus")?.host;
}

/** What decides a LAN port beyond the app and its host. */
export interface StackPorts {
  /** The host running Prometheus, when it is deployed. */
  prometheusOn?: string;
  /** How many hosts the stack has. */
  hostCount: number;
  mode?: HomelabSpec["mode"];
}

/** The stack facts `publishedPorts` needs, from a spec. */
export function stackPorts(spec: Pick<HomelabSpec, "apps" | "hosts" | "mode">): StackPorts {
  return { prometheusOn: prometheusHost(spec), hostCount: spec.hosts.length, mode: spec.mode };
}

/**
 * Every port an app publishes on a host: its declared ports (all interfaces), and on the
 * host's LAN address only: the route port of a remote app (the edge proxy reaches it) and its
 * `lanPorts` (`remoteOnly` ones only on hosts other than Prometheus' while it is deployed,
 * `forOtherHosts` ones only when there are other hosts). Metrics ports are never published:
 * Alloy scrapes the apps of its own host and remote-writes to Prometheus
 * (plan/observability/alloy.ts).
 */
export function publishedPorts(
  def: AppDefinition,
  host: Pick<HostSpec, "name" | "address" | "edge">,
  stack: StackPorts,
): PortPlan[] {
  const { prometheusOn, hostCount, mode = "domain" } = stack;
  const ports: PortPlan[] = (def.ports ?? []).map((p) => ({
    internal: p.container,
    external: p.host,
    protocol: p.protocol,
    // localhost mode serves http://<app>.localhost to this machine only: the web entrypoints
    // on every interface would hand the LAN the dashboard and every app without SSO.
    ...(mode === "localhost" && WEB_PORTS.includes(p.host) ? { ip: LOOPBACK } : {}),
  }));
  if (def.networkOf) return ports;
  const lan = (port: number, external = port) => {
    if (ports.some((p) => p.protocol === "tcp" && p.internal === port)) return;
    ports.push({ internal: port, external, protocol: "tcp", ip: host.address });
  };
  if (def.route && !host.edge && !def.perHost) lan(def.route.port, remoteRoutePort(def));
  const remote = prometheusOn !== undefined && host.name !== prometheusOn;
  for (const p of def.lanPorts ?? [])
    if ((!p.remoteOnly || remote) && (!p.forOtherHosts || hostCount > 1)) lan(p.port);
  return ports;
}

/** Docker publishes no port of a container attached only to internal networks. */
function withPublishableNetwork(roles: NetworkRole[], ports: readonly PortPlan[]): NetworkRole[] {
  if (ports.length === 0 || roles.length === 0 || roles.includes("proxy")) return roles;
  return [...roles, "proxy" as const].sort();
}

/** The container an app gets on a host, with every default of DESIGN §6 applied. */
export function planContainer(
  spec: HomelabSpec,
  app: AppSpec,
  def: AppDefinition,
  host: HostSpec,
  options: PlanOptions = {},
): ContainerPlan {
  const {
    labels: extraLabels = {},
    uploads = false,
    secretEnvKeys = [],
    extraMounts = [],
  } = options;
  const mounts = [...appMounts(def, host, spec.storage), ...extraMounts.map((m) => ({ ...m }))];
  const ex = def.exceptions ?? {};
  const env: Record<string, string> = { TZ: spec.timezone };
  if (def.puid) {
    env.PUID = String(spec.owner.uid);
    env.PGID = String(spec.owner.gid);
  }
  Object.assign(env, def.env ?? {}, app.env);
  const ports = publishedPorts(def, host, stackPorts(spec));
  const classes = sortedUnique(mounts.map((m) => m.class));
  const exceptions: Record<string, string> = {};
  if (ex.privileged) exceptions.privileged = ex.privileged;
  if (ex.hostNetwork) exceptions.hostNetwork = ex.hostNetwork;
  if (ex.hostPid) exceptions.hostPid = ex.hostPid;
  const rootWriter =
    !def.user && !def.puid && mounts.some((m) => !m.readOnly && m.class !== "data");
  const capReasons = [
    ...(ex.capAdd ? [`${ex.capAdd.caps.join(",")}: ${ex.capAdd.reason}`] : []),
    ...(rootWriter ? [`${ROOT_FILE_CAPABILITIES.join(",")}: ${ROOT_FILE_REASON}`] : []),
  ];
  if (capReasons.length) exceptions.capAdd = capReasons.join("; ");
  if (ex.hostAccess?.length)
    exceptions.hostAccess = ex.hostAccess.map((a) => `${a.hostPath}: ${a.reason}`).join("; ");
  if (ex.hostAccess?.some((a) => a.hostPath.endsWith("docker.sock"))) {
    exceptions.dockerSocket =
      ex.hostAccess.find((a) => a.hostPath.endsWith("docker.sock"))?.reason ?? "";
  }
  const gpu = gpuPlan(def, host);
  const devices = [
    ...gpu.devices.map(
      (d) =>
        `${d}: ${def.gpu === "transcode" ? "hardware transcoding" : "GPU compute"} on the host's ${host.gpu} GPU`,
    ),
    ...(ex.devices ?? []).map((d) => `${d.hostPath}: ${d.reason}`),
  ];
  if (devices.length) exceptions.devices = devices.join("; ");
  const secretEnv = sortedUnique([
    ...(def.secrets ?? []).flatMap((s) => (s.env ? [s.env] : [])),
    ...secretEnvKeys,
  ]);
  if (ex.writableRoot) exceptions.writableRoot = ex.writableRoot;
  else if (uploads)
    exceptions.writableRoot =
      "receives generated files as uploads (docker cp needs a writable root)";
  if ("none" in def.health) exceptions.noHealthcheck = def.health.none;
  const labels: Record<string, string> = {
    [LABELS.app]: def.name,
    [LABELS.host]: host.name,
    [LABELS.profile]: def.profile,
    ...(host.edge ? { [LABELS.edge]: "true" } : {}),
    ...(classes.length ? { [LABELS.classes]: classes.join(",") } : {}),
    ...(def.metrics
      ? { [LABELS.metricsPort]: String(def.metrics.port), [LABELS.metricsPath]: def.metrics.path }
      : {}),
    ...(Object.keys(exceptions).length
      ? { [LABELS.exceptions]: JSON.stringify(exceptions, Object.keys(exceptions).sort()) }
      : {}),
    ...(def.internalOnly ? { [LABELS.database]: "true" } : {}),
    ...(secretEnv.length ? { [LABELS.secretEnv]: secretEnv.join(",") } : {}),
    // Traefik routes edge apps by these labels; Caddy's routes are all in its Caddyfile.
    ...(def.route && host.edge && !def.perHost && proxyOf(spec) === "traefik"
      ? routerLabels(spec, app, def)
      : {}),
    ...homepageLabels(spec, app, def),
    // Its uptime check, when AutoKuma reads this host's labels (plan/observability/uptime.ts).
    ...uptimeLabels(spec, app, def),
    ...extraLabels,
  };
  const capAdd = sortedUnique(
    [
      ...(def.puid ? S6_CAPABILITIES : []),
      ...(rootWriter ? ROOT_FILE_CAPABILITIES : []),
      ...(def.capAdd ?? []),
      ...(ex.capAdd?.caps ?? []),
    ].map(capabilityName),
  );
  return {
    id: instanceId(def, app),
    containerName: def.name,
    image: `${def.image.repository}:${def.image.tag}`,
    envs: Object.keys(env)
      .sort()
      .map((key) => `${key}=${env[key]}`),
    labels,
    mounts,
    hostMounts: (ex.hostAccess ?? []).map((a) => ({
      source: a.hostPath,
      target: a.target,
      readOnly: a.readOnly,
    })),
    ports,
    networks: ex.hostNetwork ? [] : withPublishableNetwork(networkRoles(def), ports),
    capAdd,
    readOnlyRoot: !exceptions.writableRoot,
    tmpfs: Object.fromEntries(
      Object.entries(def.tmpfs ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([path, mb]) => [path, `rw,nosuid,size=${mb}m`]),
    ),
    health: "none" in def.health ? undefined : health(def.health),
    user: def.user === "owner" ? `${spec.owner.uid}:${spec.owner.gid}` : undefined,
    entrypoint: def.entrypoint ? [...def.entrypoint] : undefined,
    command: def.command ? [...def.command] : undefined,
    memoryMb: app.memoryMb,
    sysctls: def.sysctls ? { ...def.sysctls } : undefined,
    cpus: app.cpus,
    gpu: { ...gpu, devices: [...gpu.devices, ...(ex.devices ?? []).map((d) => d.hostPath)] },
    privileged: Boolean(ex.privileged),
    networkMode: ex.hostNetwork ? "host" : undefined,
    pidMode: ex.hostPid ? "host" : undefined,
    extraHosts: def.hostGateway ? [{ host: "host.docker.internal", ip: "host-gateway" }] : [],
    stateful: mounts.some((m) => m.class === "config" || m.class === "database"),
  };
}
