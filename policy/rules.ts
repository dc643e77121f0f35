/**
 * The homelab's security and exposure rules as pure functions: one source of truth for the
 * Pulumi policy pack (`policy/index.ts`, run by `pulumi preview --policy-pack policy`) and for the
 * jest invariant tests, which call the same functions on the inputs captured under mocks.
 *
 * A rule looks at a {@link ResourceView} (type token, logical name, input properties) and returns
 * violation messages; every message starts with `[<rule name>] <resource name>:`.
 *
 * Property names are those of @pulumi/docker 5.x and @pulumi/cloudflare 6.x inputs. @pulumi/docker
 * 5.2 has no pids-limit input (CIS 5.28 cannot be expressed through the provider), so there is no
 * rule for it. CIS numbers refer to the CIS Docker Benchmark v1.6.0, section 5.
 *
 * Label conventions (keys in {@link POLICY_LABELS}, kept equal to `plan/labels.ts` by a test):
 * - `homelab.exceptions`: JSON `{ kind: reason }` of declared exceptions ({@link EXCEPTION_KINDS});
 *   a reason is a non-empty string, or an object/array carrying `reason` strings (see
 *   {@link declaredReason}); `capAdd: { caps: [...] }`, `hostAccess: [{ hostPath }]` and
 *   `devices: [{ hostPath }]` narrow the exception to what they list.
 * - `homelab.database=true` on databases and caches.
 * - `homelab.edge=true` on the edge host's containers; only they may publish 80/443.
 * - `homelab.host`: the host a container runs on; all edge containers share one.
 * - `homelab.secretEnv`: comma-separated env keys whose values come from a Pulumi secret
 *   (config secret or @pulumi/random); see the `no-plain-secrets` rule.
 * - Cloudflare records of media streaming apps carry {@link STREAMING_MARKER} in `comment`.
 */

export const CONTAINER = "docker:index/container:Container";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
export const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";

/** Label keys the rules read. Those also in `plan/labels.ts` must be equal (tested). */
export const POLICY_LABELS = {
  host: "homelab.host",
  exceptions: "homelab.exceptions",
  database: "homelab.database",
  edge: "homelab.edge",
  secretEnv: "homelab.secretEnv",
} as const;

/** Kinds of security exception a container may declare in `homelab.exceptions`. */
export const EXCEPTION_KINDS = [
  "privileged",
  "hostNetwork",
  "hostPid",
  "capAdd",
  "hostAccess",
  "devices",
  "writableRoot",
  "dockerSocket",
  "noHealthcheck",
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

/** Marker in a Cloudflare DNS record's `comment` for a media streaming app (never proxied). */
export const STREAMING_MARKER = "[streaming]";

/** A resource as both the policy pack and the mocks see it. */
export interface ResourceView {
  /** Type token, e.g. `docker:index/container:Container`. */
  type: string;
  /** Logical resource name. */
  name: string;
  /** Input properties. */
  props: Readonly<Record<string, unknown>>;
  /**
   * Env keys whose values the caller knows come from a Pulumi secret (added to those declared in
   * the `homelab.secretEnv` label).
   */
  secretEnvKeys?: readonly string[];
}

/** Extra knowledge a caller may have; the policy pack has none. */
export interface RuleContext {
  /**
   * Plaintext values of the stack's secrets. Under mocks secret Outputs arrive as plain values, so
   * the jest tests pass the values their mocks produced (random passwords, config secrets); any of
   * them in a label, a command or an undeclared env var is a violation.
   */
  knownSecretValues?: readonly string[];
}

export interface Rule {
  /** Policy name (kebab-case); every violation message starts with `[name]`. */
  name: string;
  description: string;
  /** CIS Docker Benchmark v1.6.0 recommendation(s). */
  cis?: string;
  /** Resource types the rule inspects; `check` returns nothing for other types. */
  types: readonly string[];
  /** The rule compares a resource with the rest of the stack and needs `all`. */
  stack?: boolean;
  check(resource: ResourceView, all?: readonly ResourceView[], ctx?: RuleContext): string[];
}

export interface Violation {
  rule: string;
  type: string;
  name: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Reading untyped inputs

type Props = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): string[] {
  return list(value).filter((item): item is string => typeof item === "string");
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Container labels (`[{label, value}]`) as a map. */
export function labelsOf(props: Props): Map<string, string> {
  const labels = new Map<string, string>();
  for (const item of list(props.labels)) {
    if (isRecord(item) && typeof item.label === "string") {
      labels.set(item.label, typeof item.value === "string" ? item.value : String(item.value));
    }
  }
  return labels;
}

/** Container env (`["K=V"]`) as `[key, value]` pairs, in order. */
export function envOf(props: Props): [string, string][] {
  return strings(props.envs).map((entry) => {
    const eq = entry.indexOf("=");
    return eq < 0 ? [entry, ""] : [entry.slice(0, eq), entry.slice(eq + 1)];
  });
}

export interface ParsedExceptions {
  declared: ReadonlyMap<string, unknown>;
  /** Problems with the label itself (bad JSON, unknown kind, missing reason). */
  errors: string[];
}

/** Parses the `homelab.exceptions` label; an absent label declares nothing. */
export function parseExceptions(raw: string | undefined): ParsedExceptions {
  const declared = new Map<string, unknown>();
  const errors: string[] = [];
  if (raw === undefined) return { declared, errors };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { declared, errors: [`label ${POLICY_LABELS.exceptions} is not valid JSON`] };
  }
  if (!isRecord(parsed)) {
    return { declared, errors: [`label ${POLICY_LABELS.exceptions} must be a JSON object`] };
  }
  const known: readonly string[] = EXCEPTION_KINDS;
  for (const [kind, value] of Object.entries(parsed)) {
    if (!known.includes(kind)) {
      errors.push(`unknown exception kind "${kind}" (known: ${EXCEPTION_KINDS.join(", ")})`);
    } else if (declaredReason(value) === undefined) {
      errors.push(`exception "${kind}" has no reason`);
    } else {
      declared.set(kind, value);
    }
  }
  return { declared, errors };
}

/**
 * The reason of a declared exception: a non-empty string, an object with a non-empty `reason`,
 * or a non-empty array whose items all have one. `undefined` when there is none.
 */
export function declaredReason(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() === "" ? undefined : value;
  if (isRecord(value)) return declaredReason(value.reason);
  if (Array.isArray(value) && value.length > 0) {
    const reasons = value.map(declaredReason);
    return reasons.every((r) => r !== undefined) ? reasons.join("; ") : undefined;
  }
  return undefined;
}

function exceptionsOf(resource: ResourceView): ReadonlyMap<string, unknown> {
  return parseExceptions(labelsOf(resource.props).get(POLICY_LABELS.exceptions)).declared;
}

function declares(resource: ResourceView, kind: ExceptionKind): boolean {
  return exceptionsOf(resource).has(kind);
}

/** Host paths an exception narrows itself to (`[{hostPath}]`); `undefined` means any. */
function declaredHostPaths(value: unknown): Set<string> | undefined {
  if (!Array.isArray(value)) return undefined;
  const paths = value
    .map((item) => (isRecord(item) ? str(item.hostPath) : undefined))
    .filter((p): p is string => p !== undefined)
    .map(normalizePath);
  return paths.length > 0 ? new Set(paths) : undefined;
}

function normalizePath(path: string): string {
  const collapsed = path.replace(/\/+/g, "/");
  return collapsed.length > 1 ? collapsed.replace(/\/$/, "") : collapsed;
}

interface HostMount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** Bind mounts from `volumes` (with `hostPath`) and `mounts` (type `bind`). */
export function hostMountsOf(props: Props): HostMount[] {
  const result: HostMount[] = [];
  for (const v of list(props.volumes)) {
    if (isRecord(v) && typeof v.hostPath === "string") {
      result.push({
        hostPath: normalizePath(v.hostPath),
        containerPath: str(v.containerPath) ?? "",
        readOnly: v.readOnly === true,
      });
    }
  }
  for (const m of list(props.mounts)) {
    if (isRecord(m) && m.type === "bind" && typeof m.source === "string") {
      result.push({
        hostPath: normalizePath(m.source),
        containerPath: str(m.target) ?? "",
        readOnly: m.readOnly === true,
      });
    }
  }
  return result;
}

interface PublishedPort {
  internal: number | undefined;
  external: number | undefined;
  protocol: string;
}

function portsOf(props: Props): PublishedPort[] {
  return list(props.ports)
    .filter(isRecord)
    .map((p) => ({
      internal: typeof p.internal === "number" ? p.internal : undefined,
      external: typeof p.external === "number" ? p.external : undefined,
      protocol: str(p.protocol) ?? "tcp",
    }));
}

function networkNamesOf(props: Props): string[] {
  return list(props.networksAdvanced)
    .map((n) => (isRecord(n) ? str(n.name) : undefined))
    .filter((n): n is string => n !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Rule helpers

function violation(rule: string, resource: ResourceView, message: string): string {
  return `[${rule}] ${resource.name}: ${message}`;
}

function define(
  rule: Omit<Rule, "check"> & {
    test(
      resource: ResourceView,
      all: readonly ResourceView[] | undefined,
      ctx: RuleContext,
    ): string[];
  },
): Rule {
  const { test, ...meta } = rule;
  return {
    ...meta,
    check(resource, all, ctx) {
      if (!meta.types.includes(resource.type)) return [];
      return test(resource, all, ctx ?? {}).map((m) => violation(meta.name, resource, m));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Rules

const exceptionLabelValid = define({
  name: "exception-label-valid",
  description: `The ${POLICY_LABELS.exceptions} label is a JSON object of known kinds, each with a reason.`,
  types: [CONTAINER],
  test: (r) => parseExceptions(labelsOf(r.props).get(POLICY_LABELS.exceptions)).errors,
});

const noPrivileged = define({
  name: "no-privileged",
  description: "Containers do not run privileged unless a `privileged` exception is declared.",
  cis: "5.4",
  types: [CONTAINER],
  test: (r) =>
    r.props.privileged === true && !declares(r, "privileged")
      ? ['runs privileged without a declared "privileged" exception']
      : [],
});

const dropAllCapabilities = define({
  name: "drop-all-capabilities",
  description: "Containers drop ALL Linux capabilities (and add back only what they need).",
  cis: "5.3",
  types: [CONTAINER],
  test: (r) => {
    // A declared privileged container gets every capability regardless of drops.
    if (r.props.privileged === true && declares(r, "privileged")) return [];
    const caps = r.props.capabilities;
    const drops = isRecord(caps) ? strings(caps.drops).map(normalizeCap) : [];
    return drops.includes("ALL")
      ? []
      : ['does not drop ALL capabilities (capabilities.drops: ["ALL"])'];
  },
});

/** Capabilities of Docker's default set that an image may add back without an exception. */
export const BASELINE_CAPABILITIES: readonly string[] = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
];

function normalizeCap(cap: string): string {
  return cap.toUpperCase().replace(/^CAP_/, "");
}

const noExtraCapabilities = define({
  name: "no-extra-capabilities",
  description:
    "Capabilities added beyond Docker's default set (minus NET_RAW and MKNOD) need a declared `capAdd` exception listing them.",
  cis: "5.3",
  types: [CONTAINER],
  test: (r) => {
    const caps = r.props.capabilities;
    const adds = isRecord(caps) ? strings(caps.adds).map(normalizeCap) : [];
    const extra = adds.filter((c) => !BASELINE_CAPABILITIES.includes(c));
    if (extra.length === 0) return [];
    const exceptions = exceptionsOf(r);
    if (!exceptions.has("capAdd")) {
      return [`adds ${extra.join(", ")} without a declared "capAdd" exception`];
    }
    const declared = exceptions.get("capAdd");
    const listed = isRecord(declared) ? strings(declared.caps).map(normalizeCap) : undefined;
    if (listed === undefined) return [];
    const undeclared = extra.filter((c) => !listed.includes(c));
    return undeclared.length === 0
      ? []
      : [`adds ${undeclared.join(", ")}, not listed in its "capAdd" exception`];
  },
});

const noNewPrivileges = define({
  name: "no-new-privileges",
  description: "Containers run with the `no-new-privileges:true` security option.",
  cis: "5.25",
  types: [CONTAINER],
  test: (r) => {
    const ok = strings(r.props.securityOpts).some((o) =>
      /^no-new-privileges(?:[:=]true)?$/i.test(o.trim()),
    );
    return ok ? [] : ['lacks securityOpts "no-new-privileges:true"'];
  },
});

const keepSecurityProfiles = define({
  name: "keep-security-profiles",
  description:
    "The default seccomp and AppArmor profiles and SELinux labels stay on unless a `privileged` exception is declared.",
  cis: "5.1, 5.2, 5.21",
  types: [CONTAINER],
  test: (r) => {
    if (declares(r, "privileged")) return [];
    return strings(r.props.securityOpts)
      .filter((o) => /^(?:seccomp|apparmor)[:=]unconfined$|^label[:=]disable$/i.test(o.trim()))
      .map((o) => `disables a security profile ("${o}") without a declared "privileged" exception`);
  },
});

const memoryLimit = define({
  name: "memory-limit",
  description: "Every container has a memory limit (`memory`, in MB).",
  cis: "5.10",
  types: [CONTAINER],
  test: (r) =>
    typeof r.props.memory === "number" && r.props.memory > 0
      ? []
      : ["has no memory limit (memory, in MB)"],
});

const healthcheck = define({
  name: "healthcheck",
  description: "Every container has a health check unless a `noHealthcheck` exception is declared.",
  cis: "5.26",
  types: [CONTAINER],
  test: (r) => {
    const hc = r.props.healthcheck;
    const tests = isRecord(hc) ? strings(hc.tests) : [];
    const ok = tests.length > 0 && tests[0].toUpperCase() !== "NONE";
    return ok || declares(r, "noHealthcheck")
      ? []
      : ['has no health check and no declared "noHealthcheck" exception'];
  },
});

/** Paths of the Docker daemon socket. */
export const DOCKER_SOCKETS: readonly string[] = ["/var/run/docker.sock", "/run/docker.sock"];

const noDockerSocket = define({
  name: "no-docker-socket",
  description:
    "Only a container with a declared `dockerSocket` exception (the socket proxy) mounts the Docker socket.",
  cis: "5.31",
  types: [CONTAINER],
  test: (r) => {
    if (declares(r, "dockerSocket")) return [];
    // A mount of a parent directory (`/`, `/var/run`, `/run`) reaches the socket just the same,
    // unless the container runs as a non-root user without extra groups: the socket is
    // root:docker 0660, so such a process cannot connect (node-exporter reads / this way).
    const user = str(r.props.user) ?? "";
    const groups = list(r.props.groupAdds);
    const unprivileged = /^[1-9]\d*(:[1-9]\d*)?$/.test(user) && groups.length === 0;
    const reaches = (hostPath: string) => {
      if (DOCKER_SOCKETS.includes(hostPath)) return true;
      const dir = hostPath.replace(/\/+$/, "");
      return !unprivileged && DOCKER_SOCKETS.some((s) => dir === "" || s.startsWith(`${dir}/`));
    };
    return hostMountsOf(r.props)
      .filter((m) => reaches(m.hostPath))
      .map((m) =>
        DOCKER_SOCKETS.includes(m.hostPath)
          ? `mounts the Docker socket ${m.hostPath} without a declared "dockerSocket" exception`
          : `mounts ${m.hostPath}, which holds the Docker socket, without a declared "dockerSocket" exception`,
      );
  },
});

/** Host directories that must not be bind-mounted without a `hostAccess` exception. */
export const SENSITIVE_HOST_PATHS: readonly string[] = [
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib64",
  "/proc",
  "/sys",
  "/usr",
  "/bin",
  "/sbin",
  "/run",
  "/var/run",
  "/var/lib/docker",
];

/** Read-only host files every container may see (time zone). */
const HARMLESS_READ_ONLY = ["/etc/localtime", "/etc/timezone"];

function isSensitive(path: string): boolean {
  if (path === "/") return true;
  return SENSITIVE_HOST_PATHS.some((s) => path === s || path.startsWith(`${s}/`));
}

const noSensitiveHostPaths = define({
  name: "no-sensitive-host-paths",
  description:
    "Sensitive host directories (/, /etc, /proc, /sys, /dev, /usr, /run, /var/lib/docker, ...) are mounted only with a declared `hostAccess` exception.",
  cis: "5.5",
  types: [CONTAINER],
  test: (r) => {
    const exceptions = exceptionsOf(r);
    const allowed = declaredHostPaths(exceptions.get("hostAccess"));
    return hostMountsOf(r.props)
      .filter((m) => isSensitive(m.hostPath) && !DOCKER_SOCKETS.includes(m.hostPath))
      .filter((m) => !(m.readOnly && HARMLESS_READ_ONLY.includes(m.hostPath)))
      .filter(
        (m) => !exceptions.has("hostAccess") || (allowed !== undefined && !allowed.has(m.hostPath)),
      )
      .map((m) =>
        exceptions.has("hostAccess")
          ? `mounts ${m.hostPath}, not listed in its "hostAccess" exception`
          : `mounts sensitive host path ${m.hostPath} without a declared "hostAccess" exception`,
      );
  },
});

const noHostDevices = define({
  name: "no-host-devices",
  description: "Host devices are passed through only with a declared `devices` exception.",
  cis: "5.17",
  types: [CONTAINER],
  test: (r) => {
    const exceptions = exceptionsOf(r);
    const allowed = declaredHostPaths(exceptions.get("devices"));
    return list(r.props.devices)
      .map((d) => (isRecord(d) ? str(d.hostPath) : undefined))
      .filter((p): p is string => p !== undefined)
      .map(normalizePath)
      .filter((p) => !exceptions.has("devices") || (allowed !== undefined && !allowed.has(p)))
      .map((p) =>
        exceptions.has("devices")
          ? `passes device ${p}, not listed in its "devices" exception`
          : `passes host device ${p} without a declared "devices" exception`,
      );
  },
});

const noHostNamespaces = define({
  name: "no-host-namespaces",
  description:
    "No host network (`hostNetwork` exception) or host PID namespace (`hostPid` exception); never the host IPC namespace.",
  cis: "5.9, 5.15, 5.16",
  types: [CONTAINER],
  test: (r) => {
    const found: string[] = [];
    if (r.props.networkMode === "host" && !declares(r, "hostNetwork")) {
      found.push('uses the host network without a declared "hostNetwork" exception');
    }
    if (r.props.pidMode === "host" && !declares(r, "hostPid")) {
      found.push('shares the host PID namespace without a declared "hostPid" exception');
    }
    if (r.props.ipcMode === "host") found.push("shares the host IPC namespace");
    return found;
  },
});

const readOnlyRoot = define({
  name: "read-only-root",
  description: "The root filesystem is read-only unless a `writableRoot` exception is declared.",
  cis: "5.12",
  types: [CONTAINER],
  test: (r) =>
    r.props.readOnly === true || declares(r, "writableRoot")
      ? []
      : ['has a writable root filesystem without a declared "writableRoot" exception'],
});

/** Most restarts `on-failure` may attempt (CIS 5.14 recommends 5). */
export const MAX_RESTART_RETRIES = 5;

const restartPolicy = define({
  name: "restart-policy",
  description: `Restart policy is \`unless-stopped\`, or \`on-failure\` with 1..${MAX_RESTART_RETRIES} retries.`,
  cis: "5.14",
  types: [CONTAINER],
  test: (r) => {
    const restart = str(r.props.restart) ?? "no";
    if (restart === "unless-stopped") return [];
    const retries = r.props.maxRetryCount;
    if (
      restart === "on-failure" &&
      typeof retries === "number" &&
      Number.isInteger(retries) &&
      retries >= 1 &&
      retries <= MAX_RESTART_RETRIES
    ) {
      return [];
    }
    return restart === "on-failure"
      ? [`restart "on-failure" needs maxRetryCount between 1 and ${MAX_RESTART_RETRIES}`]
      : [`restart policy "${restart}" is neither "unless-stopped" nor bounded "on-failure"`];
  },
});

/** `proxy` or `<host>-proxy`: the network the reverse proxy routes on. */
export function isProxyNetwork(name: string): boolean {
  return name === "proxy" || name.endsWith("-proxy");
}

const databaseOffProxyNetwork = define({
  name: "database-off-proxy-network",
  description:
    "Databases and caches (label homelab.database=true) never join a proxy network and publish no ports.",
  types: [CONTAINER],
  test: (r) => {
    if (labelsOf(r.props).get(POLICY_LABELS.database) !== "true") return [];
    const found = networkNamesOf(r.props)
      .filter(isProxyNetwork)
      .map((n) => `is a database attached to proxy network "${n}"`);
    const mode = str(r.props.networkMode);
    if (mode !== undefined && isProxyNetwork(mode)) {
      found.push(`is a database in network mode "${mode}"`);
    }
    if (portsOf(r.props).length > 0 || r.props.publishAllPorts === true) {
      found.push("is a database publishing ports on the host");
    }
    return found;
  },
});

/** Host ports only the edge publishes. */
export const WEB_PORTS: readonly number[] = [80, 443];

const webPortsOnEdgeOnly = define({
  name: "web-ports-on-edge-only",
  description:
    "Only containers labelled homelab.edge=true publish 80/443, all on one host; nothing publishes every port.",
  cis: "5.8",
  types: [CONTAINER],
  stack: true,
  test: (r, all) => {
    const labels = labelsOf(r.props);
    const isEdge = labels.get(POLICY_LABELS.edge) === "true";
    const found: string[] = [];
    if (r.props.publishAllPorts === true)
      found.push("publishes all exposed ports (publishAllPorts)");
    if (!isEdge) {
      for (const p of portsOf(r.props)) {
        if (p.external !== undefined && WEB_PORTS.includes(p.external)) {
          found.push(
            `publishes ${p.external}/${p.protocol} but is not on the edge (${POLICY_LABELS.edge}=true)`,
          );
        }
      }
    } else if (all !== undefined) {
      const hosts = new Set<string>();
      for (const other of all) {
        if (other.type !== CONTAINER) continue;
        const l = labelsOf(other.props);
        if (l.get(POLICY_LABELS.edge) === "true")
          hosts.add(l.get(POLICY_LABELS.host) ?? "(no host label)");
      }
      if (hosts.size > 1) {
        found.push(`edge containers span several hosts: ${[...hosts].sort().join(", ")}`);
      }
    }
    return found;
  },
});

const streamingDnsNotProxied = define({
  name: "streaming-dns-not-proxied",
  description: `Cloudflare records of media streaming apps (comment contains "${STREAMING_MARKER}") are DNS-only: Cloudflare's terms forbid proxying video.`,
  types: [DNS_RECORD],
  test: (r) => {
    const comment = str(r.props.comment) ?? "";
    const streaming = comment.toLowerCase().includes(STREAMING_MARKER);
    return streaming && r.props.proxied === true
      ? ["is a media streaming record proxied by Cloudflare (proxied must be false)"]
      : [];
  },
});

/** Env keys that name a secret: `*_PASSWORD`, `*_SECRET`, `*_TOKEN`, `*_API_KEY`, ... */
export const SECRET_ENV_KEY =
  /(?:^|[_.-])(?:PASSWORD|PASSWD|SECRET|SECRET_KEY|TOKEN|API_?KEY|AUTH_?KEY|PRIVATE_KEY|ENCRYPTION_KEY|CLAIM)$/i;

/** Label keys that name a secret. */
export const SECRET_LABEL_KEY =
  /(?:password|passwd|secret|token|api[_-]?key|private[_-]?key|\.key)$/i;

const PEM_PRIVATE_KEY = /PRIVATE KEY-----/;

/** Values that point at a secret instead of holding it: a file path or a template placeholder. */
export function isSecretReference(value: string): boolean {
  const v = value.trim();
  return v.startsWith("/") || v.startsWith("file:") || /^(?:\{\{[^{}]+\}\}|\$\{[^{}]+\})$/.test(v);
}

/** Env keys declared (label `homelab.secretEnv`) or known (view) to carry a Pulumi secret. */
export function secretEnvKeysOf(resource: ResourceView): Set<string> {
  const declared = (labelsOf(resource.props).get(POLICY_LABELS.secretEnv) ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k !== "");
  return new Set([...declared, ...(resource.secretEnvKeys ?? [])]);
}

function containsKnownSecret(value: string, ctx: RuleContext): boolean {
  return (ctx.knownSecretValues ?? []).some((s) => s.length >= 8 && value.includes(s));
}

const noPlainSecrets = define({
  name: "no-plain-secrets",
  description:
    "No secret in labels, commands or plain env: secret-named env vars hold a file path, a placeholder, or a Pulumi secret declared in the homelab.secretEnv label.",
  types: [CONTAINER],
  test: (r, _all, ctx) => {
    const found: string[] = [];
    for (const [key, value] of labelsOf(r.props)) {
      if (value.trim() === "" || isSecretReference(value)) continue;
      if (SECRET_LABEL_KEY.test(key)) found.push(`label ${key} holds a secret-looking value`);
      else if (PEM_PRIVATE_KEY.test(value)) found.push(`label ${key} holds a private key`);
      else if (containsKnownSecret(value, ctx)) found.push(`label ${key} contains a secret value`);
    }
    const declared = secretEnvKeysOf(r);
    for (const [key, value] of envOf(r.props)) {
      if (declared.has(key) || value.trim() === "" || isSecretReference(value)) continue;
      if (SECRET_ENV_KEY.test(key)) {
        found.push(
          `env ${key} holds a literal secret; pass a *_FILE path or declare the key in ${POLICY_LABELS.secretEnv} and feed it from a Pulumi secret`,
        );
      } else if (PEM_PRIVATE_KEY.test(value)) {
        found.push(`env ${key} holds a private key`);
      } else if (containsKnownSecret(value, ctx)) {
        found.push(
          `env ${key} contains a secret value but is not declared in ${POLICY_LABELS.secretEnv}`,
        );
      }
    }
    for (const field of ["command", "entrypoints"] as const) {
      if (
        strings(r.props[field]).some(
          (arg) => containsKnownSecret(arg, ctx) || PEM_PRIVATE_KEY.test(arg),
        )
      ) {
        found.push(`${field} contains a secret value (visible in docker inspect and ps)`);
      }
    }
    return found;
  },
});

/** The tag of an image reference, `undefined` when it has none; digests count as pinned. */
export function imageTag(reference: string): string | undefined {
  if (reference.includes("@sha256:")) return "@digest";
  const lastSlash = reference.lastIndexOf("/");
  const lastColon = reference.lastIndexOf(":");
  return lastColon > lastSlash ? reference.slice(lastColon + 1) : undefined;
}

const pinnedImage = define({
  name: "pinned-image",
  description: "Images are pinned to a tag or digest, never `latest` or no tag.",
  types: [REMOTE_IMAGE, CONTAINER],
  test: (r) => {
    if (r.type === CONTAINER) {
      // Containers take `remoteImage.imageId`; only a literal reference can be judged.
      const image = str(r.props.image) ?? "";
      return image.endsWith(":latest") ? [`runs image ${image}, tagged latest`] : [];
    }
    const name = str(r.props.name);
    if (name === undefined) return [];
    const tag = imageTag(name);
    if (tag === undefined) return [`image ${name} has no tag (implicitly latest)`];
    return tag === "latest" ? [`image ${name} is tagged latest`] : [];
  },
});

/** Every rule, in the order the policy pack registers them. */
export const rules: readonly Rule[] = [
  exceptionLabelValid,
  noPrivileged,
  dropAllCapabilities,
  noExtraCapabilities,
  noNewPrivileges,
  keepSecurityProfiles,
  memoryLimit,
  healthcheck,
  noDockerSocket,
  noSensitiveHostPaths,
  noHostDevices,
  noHostNamespaces,
  readOnlyRoot,
  restartPolicy,
  databaseOffProxyNetwork,
  webPortsOnEdgeOnly,
  streamingDnsNotProxied,
  noPlainSecrets,
  pinnedImage,
];

/** Runs every rule over every resource (stack rules see all of them). */
export function checkResources(
  resources: readonly ResourceView[],
  ctx: RuleContext = {},
): Violation[] {
  const found: Violation[] = [];
  for (const resource of resources) {
    for (const rule of rules) {
      for (const message of rule.check(resource, resources, ctx)) {
        found.push({ rule: rule.name, type: resource.type, name: resource.name, message });
      }
    }
  }
  return found;
}
