/**
 * How `@pulumi/docker` 5.x turns a container's inputs into Docker Engine API calls. The
 * package bridges kreuzwerker/terraform-provider-docker v4.x; this follows v4.5.0,
 * internal/provider/resource_docker_container_funcs.go (resourceDockerContainerCreate) and
 * resource_docker_container_structures.go (volumeSetToDockerVolumes, portSetToDockerPorts,
 * deviceSetToDockerDevices, deviceRequestsSetToDockerRequests):
 * - create with Config + HostConfig and the default network mode; then, when
 *   `networks_advanced` is set, disconnect from `bridge` and connect each network with its
 *   aliases; then each upload as a one-file tar extracted at "/" (mode: `permissions`, else
 *   0744 when `executable`, else 0644; owner root); then start.
 * - memory and shm in MB → bytes; `cpus` → NanoCPUs; health-check durations parsed as Go
 *   durations; ports default to ip 0.0.0.0 and tcp; binds `host:container:ro|rw`;
 *   `init` is always sent (false unless set).
 */

export interface Upload {
  file: string;
  mode: number;
  content: string;
}

export interface NetworkAttachment {
  name: string;
  aliases: string[];
}

export interface ContainerCreate {
  name: string;
  body: Record<string, unknown>;
  networks: NetworkAttachment[];
  uploads: Upload[];
  /** `wait`: the provider polls the health state until healthy (or times out). */
  waitHealthy: boolean;
  waitTimeoutSeconds: number;
}

type Inputs = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const record = (v: unknown): Record<string, string> =>
  v && typeof v === "object" ? (v as Record<string, string>) : {};

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration for the forms the provider receives ("1m0s", "30s", "0s"). */
export function goDuration(text: string): number {
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || text.length === 0)
    throw new Error(`not a Go duration: ${JSON.stringify(text)}`);
  return Math.round(total);
}

/** opts.ParseCPUs: a decimal number of CPUs → nano CPUs. */
function nanoCpus(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`bad cpus ${value}`);
  return Math.round(n * 1e9);
}

function uploadMode(u: Inputs): number {
  const permissions = str(u.permissions);
  if (permissions) return parseInt(permissions, 8);
  return u.executable === true ? 0o744 : 0o644;
}

/**
 * The create request for a container resource's inputs. `image` resolves the input's image
 * id to the reference the engine knows; `container` resolves `container:<id>` network modes.
 */
export function containerCreate(
  inputs: Inputs,
  resolve: { image(id: string): string; networkMode(mode: string): string },
): ContainerCreate {
  const config: Inputs = { Image: resolve.image(String(inputs.image)) };
  const envs = list<string>(inputs.envs);
  if (envs.length) config.Env = envs;
  const command = list<string>(inputs.command);
  if (command.length) {
    if (command.some((c) => c === "")) throw new Error("values for command may not be empty");
    config.Cmd = command;
  }
  const entrypoint = list<string>(inputs.entrypoints);
  if (entrypoint.length) config.Entrypoint = entrypoint;
  if (str(inputs.user)) config.User = inputs.user;

  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of list<Inputs>(inputs.ports)) {
    const key = `${Number(p.internal)}/${str(p.protocol) ?? "tcp"}`;
    exposed[key] = {};
    const binding = {
      HostIp: str(p.ip) ?? "0.0.0.0",
      HostPort: p.external !== undefined ? String(p.external) : "",
    };
    (bindings[key] ??= []).push(binding);
  }
  if (Object.keys(exposed).length) config.ExposedPorts = exposed;

  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const v of list<Inputs>(inputs.volumes)) {
    const target = String(v.containerPath);
    volumes[target] = {};
    const source = str(v.hostPath) ?? str(v.volumeName);
    if (source) binds.push(`${source}:${target}:${v.readOnly === true ? "ro" : "rw"}`);
  }
  if (Object.keys(volumes).length) config.Volumes = volumes;

  const labels = list<{ label: string; value: string }>(inputs.labels);
  if (labels.length) config.Labels = Object.fromEntries(labels.map((l) => [l.label, l.value]));

  const hc = inputs.healthcheck as Inputs | undefined;
  if (hc) {
    config.Healthcheck = {
      Test: list<string>(hc.tests),
      Interval: goDuration(str(hc.interval) ?? "0s"),
      Timeout: goDuration(str(hc.timeout) ?? "0s"),
      StartPeriod: goDuration(str(hc.startPeriod) ?? "0s"),
      StartInterval: goDuration(str(hc.startInterval) ?? "0s"),
      Retries: Number(hc.retries ?? 0),
    };
  }

  const host: Inputs = {
    Privileged: inputs.privileged === true,
    PublishAllPorts: false,
    RestartPolicy: { Name: str(inputs.restart) ?? "no", MaximumRetryCount: 0 },
    ReadonlyRootfs: inputs.readOnly === true,
    LogConfig: { Type: str(inputs.logDriver) ?? "", Config: record(inputs.logOpts) },
    Init: inputs.init === true,
  };
  if (inputs.tmpfs) host.Tmpfs = record(inputs.tmpfs);
  // extraHostsSetToContainerExtraHosts: `host:ip`, `host-gateway` passed through to the daemon.
  const extraHosts = list<{ host: string; ip: string }>(inputs.hosts);
  if (extraHosts.length) host.ExtraHosts = extraHosts.map((h) => `${h.host}:${h.ip}`);
  if (Object.keys(bindings).length) host.PortBindings = bindings;
  if (binds.length) host.Binds = binds;
  const caps = inputs.capabilities as { adds?: string[]; drops?: string[] } | undefined;
  if (caps) {
    host.CapAdd = caps.adds ?? [];
    host.CapDrop = caps.drops ?? [];
  }
  const devices = list<Inputs>(inputs.devices);
  if (devices.length)
    host.Devices = devices.map((d) => ({
      PathOnHost: d.hostPath,
      PathInContainer: str(d.containerPath) || d.hostPath,
      CgroupPermissions: str(d.permissions) ?? "",
    }));
  const requests = list<Inputs>(inputs.deviceRequests);
  if (requests.length)
    host.DeviceRequests = requests.map((r) => ({
      Driver: str(r.driver) ?? "",
      Count: Number(r.count ?? 0),
      DeviceIDs: list<string>(r.deviceIds),
      Capabilities: [list<string>(r.capabilities)],
    }));
  const securityOpts = list<string>(inputs.securityOpts);
  if (securityOpts.length) host.SecurityOpt = securityOpts;
  if (inputs.memory !== undefined) host.Memory = Number(inputs.memory) * 1024 * 1024;
  if (inputs.shmSize !== undefined) host.ShmSize = Number(inputs.shmSize) * 1024 * 1024;
  if (str(inputs.cpus)) host.NanoCpus = nanoCpus(String(inputs.cpus));
  if (str(inputs.networkMode)) host.NetworkMode = resolve.networkMode(String(inputs.networkMode));
  if (str(inputs.pidMode)) host.PidMode = inputs.pidMode;
  if (inputs.sysctls) host.Sysctls = record(inputs.sysctls);
  const groups = list<string>(inputs.groupAdds);
  if (groups.length) host.GroupAdd = groups;

  const networks = list<Inputs>(inputs.networksAdvanced).map((n) => ({
    name: String(n.name),
    aliases: list<string>(n.aliases),
  }));
  const uploads = list<Inputs>(inputs.uploads).map((u) => ({
    file: String(u.file),
    mode: uploadMode(u),
    content: String(u.content ?? ""),
  }));
  return {
    name: String(inputs.name),
    body: { ...config, HostConfig: host },
    networks,
    uploads,
    waitHealthy: inputs.wait === true,
    waitTimeoutSeconds: Number(inputs.waitTimeout ?? 60),
  };
}

/** resource_docker_network_funcs.go: name, driver, internal, driver options, labels. */
export function networkCreate(inputs: Inputs): Record<string, unknown> {
  const labels = list<{ label: string; value: string }>(inputs.labels);
  return {
    Name: String(inputs.name),
    Driver: str(inputs.driver) ?? "bridge",
    Internal: inputs.internal === true,
    Options: record(inputs.options),
    Labels: Object.fromEntries(labels.map((l) => [l.label, l.value])),
    CheckDuplicate: true,
  };
}
