/**
 * A realistic three-host HomelabSpec for the observability generators, and helpers that run
 * the real Prometheus tools on generated files.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import type { AlertingSpec, AppSpec, HomelabSpec, HostSpec } from "../../config/spec";

const hosts: HostSpec[] = [
  {
    name: "atlas",
    docker: {
      kind: "ssh",
      url: "ssh://deploy@10.0.0.10",
      user: "deploy",
      host: "10.0.0.10",
      port: 22,
    },
    address: "10.0.0.10",
    edge: true,
    gpu: "intel",
    renderGroup: 105,
    memoryMb: 32768,
    cpus: 8,
    storage: { nvme: "/mnt/nvme", ssd: "/mnt/ssd" },
    ssh: { user: "deploy", port: 22 },
  },
  {
    name: "hermes",
    docker: {
      kind: "ssh",
      url: "ssh://deploy@10.0.0.11",
      user: "deploy",
      host: "10.0.0.11",
      port: 22,
    },
    address: "10.0.0.11",
    edge: false,
    gpu: "none",
    memoryMb: 16384,
    storage: { ssd: "/srv/ssd", hdd: "/srv/tank/hdd" },
    ssh: { user: "deploy", port: 22 },
  },
  {
    name: "pi",
    docker: { kind: "tcp", url: "tcp://10.0.0.12:2376", host: "10.0.0.12", port: 2376 },
    address: "10.0.0.12",
    edge: false,
    gpu: "none",
    memoryMb: 8192,
    storage: { ssd: "/data/ssd" },
  },
];

function app(name: string, host: string, memoryMb = 512): AppSpec {
  return { name, host, subdomain: name, memoryMb, env: {}, auth: "one_factor" };
}

const apps: AppSpec[] = [
  app("alertmanager", "atlas", 128),
  app("grafana", "atlas"),
  app("jellyfin", "hermes", 4096),
  app("loki", "atlas", 1024),
  app("prometheus", "atlas", 2048),
  app("qbittorrent", "hermes", 1024),
  app("sonarr", "hermes"),
  app("traefik", "atlas", 256),
];

/** The fixture spec; `alerting` and top-level fields can be overridden. */
export function homelabFixture(overrides: Partial<HomelabSpec> = {}): HomelabSpec {
  return {
    project: "homelab",
    stack: "prod",
    domain: "lab.example.org",
    mode: "domain",
    timezone: "Europe/Berlin",
    owner: { uid: 1000, gid: 1000 },
    lanCidrs: ["10.0.0.0/24"],
    hosts,
    storage: {},
    profiles: ["core", "media", "observability"],
    apps,
    dns: { provider: "cloudflare", zone: "example.org", target: "203.0.113.7", proxied: false },
    tls: { email: "owner@example.org", staging: false },
    sso: { provider: "authelia", usersFromConfig: false },
    vpn: {
      provider: "mullvad",
      type: "wireguard",
      countries: ["Sweden"],
      addresses: ["10.64.0.2/32"],
    },
    backup: {
      schedule: "30 3 * * *",
      checkSchedule: "0 5 * * 0",
      checkReadData: "5%",
      repositories: [
        { url: "local", retention: { daily: 7, weekly: 4, monthly: 0 } },
        { url: "b2:homelab-backup:/restic", retention: { daily: 7, weekly: 4, monthly: 3 } },
      ],
      include: [],
    },
    alerting: { receiver: "ntfy", to: "https://ntfy.sh/homelab-alerts" },
    observability: { retentionDays: 30, logRetentionDays: 14 },
    secretsPresent: ["cloudflare:apiToken", "homelab:vpnPrivateKey"],
    ...overrides,
  };
}

/** The same spec with one more app, inserted in name order as the loader does. */
export function withApp(spec: HomelabSpec, extra: AppSpec): HomelabSpec {
  return { ...spec, apps: [...spec.apps, extra].sort((a, b) => a.name.localeCompare(b.name)) };
}

export { app as appSpec };

/** Every alerting receiver kind with the settings and secrets the loader would require. */
export const RECEIVERS: readonly { alerting: AlertingSpec; secrets: readonly string[] }[] = [
  {
    alerting: {
      receiver: "email",
      to: "owner@example.org",
      smtp: { host: "smtp.example.org", port: 587, username: "alerts", from: "alerts@example.org" },
    },
    secrets: ["homelab:alertingSecret"],
  },
  {
    alerting: {
      receiver: "email",
      to: "owner@example.org",
      smtp: { host: "smtp.example.org", port: 465, username: "alerts", from: "alerts@example.org" },
    },
    secrets: ["homelab:alertingSecret"],
  },
  { alerting: { receiver: "ntfy", to: "https://ntfy.sh/homelab-alerts" }, secrets: [] },
  {
    alerting: { receiver: "ntfy", to: "https://ntfy.example.org/alerts" },
    secrets: ["homelab:alertingSecret"],
  },
  { alerting: { receiver: "discord" }, secrets: ["homelab:alertingSecret"] },
  { alerting: { receiver: "webhook" }, secrets: ["homelab:alertingSecret"] },
  { alerting: { receiver: "none" }, secrets: [] },
];

const made: string[] = [];
// Registered on the root suite of every test file that imports this module.
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file has run. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `homelab-${prefix}-`));
  made.push(dir);
  return dir;
}

export function writeFile(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const PACKAGES: Readonly<Record<string, string>> = {
  prometheus: "prometheus",
  promtool: "prometheus",
  amtool: "prometheus-alertmanager",
};

/** Throws a clear error when a tool the tests rely on is not installed. */
export function requireTool(tool: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  if (found.status !== 0) {
    throw new Error(
      `${tool} is not installed: run \`apt-get install -y ${PACKAGES[tool] ?? tool}\` (the CI script installs it)`,
    );
  }
}

export interface ToolResult {
  status: number;
  output: string;
}

/** Runs a tool and returns its exit status and combined output. */
export function runTool(tool: string, args: readonly string[], cwd?: string): ToolResult {
  requireTool(tool);
  const r = spawnSync(tool, [...args], { encoding: "utf8", cwd });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** `[major, minor, patch]` of an installed Prometheus tool, from `--version`. */
export function toolVersion(tool: string): [number, number, number] {
  requireTool(tool);
  const out = execFileSync(tool, ["--version"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const m = /version (\d+)\.(\d+)\.(\d+)/.exec(out);
  if (!m) throw new Error(`cannot read the version of ${tool} from: ${out}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** One rule of the generated rule file. */
export interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The groups and the alerting rules of a generated rule file. */
export function parseRules(yaml: string): {
  groups: { name: string; rules: AlertRule[] }[];
  alerts: (AlertRule & { alert: string })[];
} {
  const groups = (parse(yaml) as { groups: { name: string; rules: AlertRule[] }[] }).groups;
  const alerts = groups
    .flatMap((g) => g.rules)
    .filter((r): r is AlertRule & { alert: string } => !!r.alert);
  return { groups, alerts };
}
