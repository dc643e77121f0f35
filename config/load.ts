import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { type ConfigIssue, keyOf } from "./errors";
import { parseDockerEndpoint } from "./endpoint";
import { hasControlChars } from "./guards";
import { PRESHARED_KEY_REQUIRED } from "./vpn";
import { entrySchemas, keySchemas, type KeyName, type RawConfig, SECRET_KEYS } from "./schema";
import {
  PROFILES,
  type AlertingSpec,
  type BackupSpec,
  type DnsSpec,
  type HomelabSpec,
  type HostSpec,
  type Profile,
  type SsoSpec,
} from "./spec";

/** The stack as Pulumi hands it over: fully qualified keys, string values. */
export interface StackInput {
  project: string;
  stack: string;
  config: Readonly<Record<string, string>>;
  /** Keys the engine holds as secrets (`pulumi config set --secret`). */
  secretKeys: readonly string[];
}

export const DEFAULT_PROFILES: readonly Profile[] = ["core", "media", "observability"];
export const NS = "homelab";
export const k = (name: string, path: readonly PropertyKey[] = []) => keyOf(`${NS}:${name}`, path);

function decode(raw: string): unknown {
  const t = raw.trim();
  return t.startsWith("{") || t.startsWith("[") ? JSON.parse(t) : raw;
}

function zodIssues(name: string, error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((i) =>
    i.code === "unrecognized_keys"
      ? i.keys.map((extra) => ({ key: k(name, [...i.path, extra]), message: "unknown key" }))
      : [{ key: k(name, i.path), message: i.message.replace(/^Invalid input: /, "") }],
  );
}

/** Entries of `homelab:hosts` / `homelab:apps` already reported as invalid (left out of the spec). */
export interface Broken {
  hosts: Set<string>;
  apps: Set<string>;
}

/** Reads every `homelab:` key through its schema; unknown keys are problems too. */
function readKeys(
  input: StackInput,
  issues: ConfigIssue[],
): { raw: RawConfig; secrets: Set<string>; broken: Broken } {
  const raw: Record<string, unknown> = {};
  const broken: Broken = { hosts: new Set(), apps: new Set() };
  const secrets = new Set<string>();
  const held = new Set(input.secretKeys);
  for (const fullKey of Object.keys(input.config).sort()) {
    const [ns, name] = fullKey.split(":", 2);
    if (ns !== NS || (SECRET_KEYS as readonly string[]).includes(name)) {
      if (isSecretKey(fullKey) && !held.has(fullKey)) {
        issues.push({
          key: fullKey,
          message: `is a secret but sits in plain text in the stack file; remove it and run pulumi config set --secret ${fullKey} <value>`,
        });
      }
      secrets.add(fullKey);
      continue;
    }
    if (!(name in keySchemas)) {
      issues.push({ key: fullKey, message: "unknown key" });
      continue;
    }
    let value: unknown;
    try {
      value = decode(input.config[fullKey]);
    } catch {
      issues.push({ key: fullKey, message: "is not valid YAML/JSON" });
      continue;
    }
    // Control characters anywhere (a newline in an address, a path, an env value) are named
    // once; the rest of the key is still checked, so no problem waits for a second run.
    const controls = controlCharPaths(value).map((path) => k(name, path));
    for (const key of controls)
      issues.push({ key, message: "must not contain newlines or control characters" });
    const parsed = keySchemas[name as KeyName].safeParse(value);
    if (!parsed.success) {
      issues.push(...zodIssues(name, parsed.error).filter((i) => !controls.includes(i.key)));
      // The good entries of a map still go through every later check in this same run.
      if ((name === "hosts" || name === "apps") && isRecord(value)) {
        const good: Record<string, unknown> = {};
        for (const [entry, v] of Object.entries(value)) {
          const one = entrySchemas[name].safeParse(v);
          const nameOk = name === "apps" || keySchemas.hosts.safeParse({ [entry]: v }).success;
          if (one.success && nameOk && controlCharPaths(v).length === 0) good[entry] = one.data;
          else broken[name].add(entry);
        }
        if (Object.keys(good).length > 0) raw[name] = good;
      }
    } else if (controls.length === 0) raw[name] = parsed.data;
    else raw[name] = withoutControlChars(parsed.data);
  }
  return { raw: raw as RawConfig, secrets, broken };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Keys whose values are secrets wherever they appear: other providers' and ours. */
function isSecretKey(fullKey: string): boolean {
  const [ns, name] = fullKey.split(":", 2);
  if (ns === NS) return (SECRET_KEYS as readonly string[]).includes(name);
  return /(token|key|secret|password)/i.test(name);
}

/** A parsed value with every entry that holds control characters removed (already reported). */
function withoutControlChars<T>(value: T): T {
  if (Array.isArray(value))
    return value.filter((v) => controlCharPaths(v).length === 0).map(withoutControlChars) as T;
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .filter(
          ([key, v]) => !hasControlChars(key) && (typeof v !== "string" || !hasControlChars(v)),
        )
        .map(([key, v]) => [key, withoutControlChars(v)]),
    ) as T;
  return value;
}

/** Paths (below the key) of string values holding control characters. */
function controlCharPaths(value: unknown, path: PropertyKey[] = []): PropertyKey[][] {
  if (typeof value === "string") return hasControlChars(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => controlCharPaths(v, [...path, i]));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([key, v]) => [
      ...(hasControlChars(key) ? [[...path, key]] : []),
      ...controlCharPaths(v, [...path, key]),
    ]);
  return [];
}

function readHosts(
  raw: RawConfig,
  input: StackInput,
  secrets: Set<string>,
  issues: ConfigIssue[],
  brokenHosts: ReadonlySet<string> = new Set(),
): HostSpec[] {
  const entries = Object.entries(raw.hosts ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const tlsHosts = secrets.has(`${NS}:dockerTls`)
    ? tlsHostNames(input.config[`${NS}:dockerTls`])
    : [];
  const hosts: HostSpec[] = [];
  for (const [name, h] of entries) {
    const endpoint = parseDockerEndpoint(h.docker);
    if (typeof endpoint === "string") {
      issues.push({ key: k("hosts", [name, "docker"]), message: endpoint });
      continue;
    }
    let ssh: HostSpec["ssh"];
    const hostKey = h.ssh?.hostKey;
    if (endpoint.kind === "ssh") {
      ssh = { user: h.ssh?.user ?? endpoint.user, port: h.ssh?.port ?? endpoint.port, hostKey };
    } else if (endpoint.kind === "tcp") {
      if (!h.ssh?.user) {
        issues.push({
          key: k("hosts", [name, "ssh", "user"]),
          message: "required for a tcp:// docker endpoint (directories are prepared over SSH)",
        });
      } else ssh = { user: h.ssh.user, port: h.ssh.port ?? 22, hostKey };
      if (!tlsHosts.includes(name)) {
        issues.push({
          key: k("dockerTls", [name]),
          message:
            "a tcp:// docker endpoint needs TLS material { ca, cert, key } (pulumi config set --secret --path)",
        });
      }
    }
    if (ssh && !hostKey) {
      const target = endpoint.kind === "ssh" ? endpoint.host : h.address;
      issues.push({
        key: k("hosts", [name, "ssh", "hostKey"]),
        message: `required: host preparation connects over SSH and must verify the host (the line ssh-keyscan -t ed25519 -p ${ssh.port} ${target} prints, without the host name)`,
      });
    }
    if (endpoint.kind !== "unix" && h.address === "127.0.0.1") {
      issues.push({
        key: k("hosts", [name, "address"]),
        message:
          "is the loopback address, but the host is reached over the network; give its LAN address",
      });
    }
    hosts.push({
      name,
      docker: endpoint,
      address: h.address,
      edge: h.edge ?? entries.length + brokenHosts.size === 1,
      gpu: h.gpu,
      renderGroup: h.renderGroup,
      memoryMb: h.memoryMb,
      cpus: h.cpus,
      ...(h.containerdImageStore && { containerdImageStore: true }),
      storage: h.storage,
      ssh,
    });
  }
  const edges = hosts.filter((h) => h.edge);
  // With an invalid host left out, a missing edge may be that host: it is reported already.
  if (hosts.length > 0 && edges.length !== 1 && !(edges.length === 0 && brokenHosts.size > 0)) {
    issues.push({
      key: k("hosts"),
      message: `exactly one host must have edge: true (found ${edges.length}${edges.length ? `: ${edges.map((e) => e.name).join(", ")}` : ""})`,
    });
  }
  return hosts;
}

function tlsHostNames(value: string | undefined): string[] {
  try {
    const parsed: unknown = value ? JSON.parse(value) : {};
    if (!parsed || typeof parsed !== "object") return [];
    return Object.entries(parsed)
      .filter(([, v]) => v && typeof v === "object" && ["ca", "cert", "key"].every((f) => f in v))
      .map(([n]) => n);
  } catch {
    return [];
  }
}

/** Stack facts that switch conditional apps (Authelia, the DDNS updater) on. */
function readDns(
  raw: RawConfig,
  domain: string,
  mode: HomelabSpec["mode"],
  present: Set<string>,
  issues: ConfigIssue[],
): DnsSpec {
  const dns = raw.dns ?? { provider: "none" as const };
  const zone = dns.zone ?? domain;
  if (dns.provider === "cloudflare") {
    if (mode === "localhost")
      issues.push({
        key: k("dns", ["provider"]),
        message: "localhost mode creates no DNS records; use none",
      });
    if (zone !== domain && !domain.endsWith(`.${zone}`)) {
      issues.push({
        key: k("dns", ["zone"]),
        message: `"${zone}" is not a suffix of homelab:domain "${domain}"`,
      });
    }
    if (dns.proxied && zone !== domain) {
      issues.push({
        key: k("dns", ["proxied"]),
        message: `Cloudflare's free certificate covers one level below ${zone}; proxied records under ${domain} would fail TLS at Cloudflare (use proxied: false, or make the domain the zone)`,
      });
    }
    if (!dns.target)
      issues.push({
        key: k("dns", ["target"]),
        message: "required with provider cloudflare: a public IPv4 address or ddns",
      });
    if (!present.has("cloudflare:apiToken")) {
      issues.push({
        key: "cloudflare:apiToken",
        message:
          "required with homelab:dns.provider cloudflare (pulumi config set --secret cloudflare:apiToken ...)",
      });
    }
  }
  return {
    provider: dns.provider,
    zone,
    target: dns.target ?? "ddns",
    proxied: dns.proxied ?? false,
  };
}

function readAlerting(raw: RawConfig, present: Set<string>, issues: ConfigIssue[]): AlertingSpec {
  const a = raw.alerting ?? { receiver: "none" as const };
  if ((a.receiver === "email" || a.receiver === "ntfy") && !a.to) {
    issues.push({ key: k("alerting", ["to"]), message: `required for the ${a.receiver} receiver` });
  }
  if (a.receiver === "email" && !a.smtp)
    issues.push({ key: k("alerting", ["smtp"]), message: "required for the email receiver" });
  if (
    (a.receiver === "email" || a.receiver === "discord" || a.receiver === "webhook") &&
    !present.has(`${NS}:alertingSecret`)
  ) {
    issues.push({
      key: `${NS}:alertingSecret`,
      message: `required for the ${a.receiver} receiver (the ${a.receiver === "email" ? "SMTP password" : "webhook URL"}, set with --secret)`,
    });
  }
  return { receiver: a.receiver, to: a.to, smtp: a.smtp };
}

function readBackup(raw: RawConfig): BackupSpec {
  const b = raw.backup ?? {};
  const local = b.retention ?? { daily: 7, weekly: 4, monthly: 0 };
  const remote = b.remoteRetention ?? { daily: 7, weekly: 4, monthly: 3 };
  return {
    schedule: b.schedule ?? "30 3 * * *",
    checkSchedule: b.checkSchedule ?? "0 5 * * 0",
    checkReadData: b.checkReadData ?? "5%",
    repositories: (b.repositories ?? ["local"]).map((url) => ({
      url,
      retention: url === "local" ? local : remote,
    })),
    include: [...(b.include ?? [])].sort(),
  };
}

const RFC1918: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/**
 * `homelab:lanCidrs` when absent: the /24 around each host's address (the usual home LAN),
 * so a VPN address elsewhere in 10.0.0.0/8 is no conflict; the RFC 1918 ranges when every
 * host is on loopback (a single local box).
 */
export function defaultLanCidrs(hosts: readonly Pick<HostSpec, "address">[]): readonly string[] {
  const nets = hosts
    .map((h) => h.address)
    .filter((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a) && !a.startsWith("127."))
    .map((a) => `${a.split(".").slice(0, 3).join(".")}.0/24`);
  return nets.length > 0 ? [...new Set(nets)].sort() : RFC1918;
}

/** Whether two IPv4 CIDRs (already validated by the schema) share an address. */
function cidrsOverlap(a: string, b: string): boolean {
  const range = (cidr: string): [number, number] => {
    const [ip, bits] = cidr.split("/");
    const base = ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
    const size = 2 ** (32 - Number(bits));
    const start = base - (base % size);
    return [start, start + size - 1];
  };
  const [aStart, aEnd] = range(a);
  const [bStart, bEnd] = range(b);
  return aStart <= bEnd && bStart <= aEnd;
}

/** Why `homelab:backupRemoteKeys` cannot become the env-file restic reads (never echoes values). */
function remoteKeysProblem(json: string | undefined): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json ?? "");
  } catch {
    return 'must be a JSON object of environment variables, e.g. {"AWS_ACCESS_KEY_ID": "...", "AWS_SECRET_ACCESS_KEY": "..."}';
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    return "must be a JSON object of environment variables";
  for (const [name, value] of Object.entries(parsed)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      return `${JSON.stringify(name)} is not an environment variable name`;
    if (typeof value !== "string" || hasControlChars(value))
      return `the value of ${name} must be a one-line string`;
  }
  return undefined;
}

/** What the stack file says, checked for shape and for what needs no catalog. */
export interface StackReading {
  /** Every setting but the placed apps (plan/resolve.ts places them). */
  settings: Omit<HomelabSpec, "apps">;
  /** The stack's `homelab:` keys as read; `raw.apps` holds the owner's per-app overrides. */
  raw: RawConfig;
  /** Keys set outside `homelab:`'s plain keys: secrets and provider keys. */
  present: ReadonlySet<string>;
  broken: Broken;
  /** Every problem found so far; the resolve stage adds its own before anything throws. */
  issues: ConfigIssue[];
}

/** Reads a whole stack: every key's shape and every check that needs no app definition. */
export function readStack(input: StackInput): StackReading {
  const issues: ConfigIssue[] = [];
  const { raw, secrets: present, broken } = readKeys(input, issues);
  const mode = raw.mode ?? "domain";
  if (mode === "domain" && !raw.domain)
    issues.push({ key: k("domain"), message: "required in domain mode" });
  if (mode === "domain" && !raw.tls)
    issues.push({ key: k("tls"), message: "required in domain mode: { email } for Let's Encrypt" });
  if (!raw.hosts && !issues.some((i) => i.key.startsWith(k("hosts")))) {
    issues.push({ key: k("hosts"), message: "required: at least one Docker host" });
  }
  const domain = mode === "localhost" ? "localhost" : (raw.domain ?? "invalid");
  const hosts = readHosts(raw, input, present, issues, broken.hosts);
  const profiles = [...(raw.profiles ?? DEFAULT_PROFILES)].sort(
    (a, b) => PROFILES.indexOf(a) - PROFILES.indexOf(b),
  );
  const dns = readDns(raw, domain, mode, present, issues);
  const sso: SsoSpec = {
    provider: raw.sso?.provider ?? (mode === "domain" ? "authelia" : "none"),
    usersFromConfig: present.has(`${NS}:ssoUsers`),
    smtp: raw.sso?.smtp,
  };
  if (sso.provider === "authelia" && mode === "localhost") {
    issues.push({
      key: k("sso", ["provider"]),
      message:
        "Authelia needs domain mode (an https portal and a cookie domain); use none with localhost",
    });
  }
  if (sso.smtp && !present.has(`${NS}:smtpPassword`)) {
    issues.push({
      key: `${NS}:smtpPassword`,
      message: "required with homelab:sso.smtp (set with --secret)",
    });
  }
  const remote = hosts.filter((h) => h.ssh).map((h) => h.name);
  if (remote.length && !present.has(`${NS}:sshPrivateKey`)) {
    issues.push({
      key: `${NS}:sshPrivateKey`,
      message: `required to prepare directories on ${remote.join(", ")} over SSH (set with --secret)`,
    });
  }
  const alerting = readAlerting(raw, present, issues);
  if (raw.vpn && !present.has(`${NS}:vpnPrivateKey`)) {
    issues.push({
      key: `${NS}:vpnPrivateKey`,
      message: "required with homelab:vpn (WireGuard private key, set with --secret)",
    });
  }
  if (
    raw.vpn &&
    PRESHARED_KEY_REQUIRED.includes(raw.vpn.provider) &&
    !present.has(`${NS}:vpnPresharedKey`)
  ) {
    issues.push({
      key: `${NS}:vpnPresharedKey`,
      message: `required with homelab:vpn.provider ${raw.vpn.provider}: the [Peer] PresharedKey of your WireGuard config (set with --secret); its servers refuse a client without it`,
    });
  }
  const lanCidrs = raw.lanCidrs ?? defaultLanCidrs(hosts);
  for (const address of raw.vpn?.addresses ?? []) {
    // Gluetun routes lanCidrs around the tunnel; an overlap would send tunnel traffic to the LAN.
    for (const lan of lanCidrs.filter((c) => cidrsOverlap(c, address))) {
      issues.push({
        key: k("lanCidrs"),
        message: `${lan} overlaps the VPN address ${address}; list only your LAN's subnets (e.g. 192.168.1.0/24)`,
      });
    }
  }
  if (present.has(`${NS}:backupRemoteKeys`)) {
    const problem = remoteKeysProblem(input.config[`${NS}:backupRemoteKeys`]);
    if (problem) issues.push({ key: `${NS}:backupRemoteKeys`, message: problem });
  }
  const settings: Omit<HomelabSpec, "apps"> = {
    project: input.project,
    stack: input.stack,
    domain,
    mode,
    proxy: raw.proxy ?? "traefik",
    timezone: raw.timezone ?? "Etc/UTC",
    owner: raw.owner ?? { uid: 1000, gid: 1000 },
    lanCidrs,
    hosts,
    storage: raw.storage ?? {},
    profiles,
    dns,
    tls: raw.tls ? { email: raw.tls.email, staging: raw.tls.staging ?? false } : undefined,
    sso,
    vpn: raw.vpn
      ? {
          provider: raw.vpn.provider,
          type: "wireguard",
          countries: raw.vpn.countries,
          regions: raw.vpn.regions,
          addresses: raw.vpn.addresses,
          endpoint: raw.vpn.endpoint,
        }
      : undefined,
    backup: readBackup(raw),
    alerting,
    media: { transcodeTmpfsMb: raw.media?.transcodeTmpfsMb },
    observability: {
      retentionDays: raw.observability?.retentionDays ?? 30,
      logRetentionDays: raw.observability?.logRetentionDays ?? 14,
      publicStatusPage: raw.observability?.publicStatusPage ?? false,
    },
    secretsPresent: [...present].sort(),
  };
  return { settings, raw, present, broken, issues };
}

/** The runtime's record of which config keys are secret (engine-provided, not in the typings). */
type RuntimeWithSecrets = typeof pulumi.runtime & { isConfigSecret?: (key: string) => boolean };

/** The running stack's configuration as Pulumi holds it. */
export function stackInput(): StackInput {
  const config = pulumi.runtime.allConfig();
  const runtime: RuntimeWithSecrets = pulumi.runtime;
  const isSecret = runtime.isConfigSecret;
  if (typeof isSecret !== "function")
    throw new Error(
      "@pulumi/pulumi no longer exposes runtime.isConfigSecret; cannot tell plain config from secrets",
    );
  return {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    config,
    secretKeys: Object.keys(config).filter((key) => isSecret(key)),
  };
}
