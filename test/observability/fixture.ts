/**
 * A three-host stack for the observability generators, and helpers that run
 * the real Prometheus tools on generated files.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import type { AlertingSpec, AppSpec, HomelabSpec } from "../../config/spec";
import { parseSpec } from "../../plan/resolve";
import { stackConfig } from "../helpers/harness";

const FILE = "good/observability-three-hosts.yaml";
let base: HomelabSpec | undefined;

/**
 * The three-host stack file (test/fixtures/good/observability-three-hosts.yaml) as the real
 * loader parses it; `overrides` vary top-level fields of the parsed spec.
 */
export function homelabFixture(overrides: Partial<HomelabSpec> = {}): HomelabSpec {
  base ??= parseSpec(stackConfig(FILE));
  return { ...base, ...overrides };
}

function app(name: string, host: string, memoryMb = 512): AppSpec {
  return { name, host, subdomain: name, memoryMb, env: {}, auth: "one_factor" };
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
