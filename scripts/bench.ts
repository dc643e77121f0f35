import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CATALOG, definitionOf } from "../catalog";
import type { AppDefinition } from "../catalog/types";
import { deploy } from "../program";
import { CONTAINER, evaluate, type Evaluation } from "./evaluate";
import { longestChain } from "./graph";
import { readStack, type StackConfig } from "./stackFile";

/**
 * `npm run bench`: evaluates the program under mocks for the prod stack, the
 * everything-enabled fixture and synthetic stacks, and writes docs/benchmark.md.
 */

const ROOT = join(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** Synthetic apps: small routed web apps, so synthetic stacks scale the real code paths. */
function syntheticDefinition(i: number): AppDefinition {
  return {
    name: `bench-${String(i).padStart(3, "0")}`,
    profile: "productivity",
    description: "benchmark app",
    // The catalog's whoami pin: one image pin per image, kept current in one place.
    image: definitionOf("whoami").image,
    route: { port: 8080, auth: "two_factor" },
    health: { test: ["CMD", "/whoami", "--help"] },
    volumes: [{ class: "config", target: "/config" }],
    command: ["--port", "8080"],
    memoryMb: 32,
    defaultEnabled: false,
  };
}

function syntheticStack(apps: number, hosts = 4): StackConfig {
  const registry = CATALOG as Map<string, AppDefinition>;
  const hostMap: Record<string, unknown> = {};
  for (let h = 0; h < hosts; h++) {
    hostMap[`node${h}`] = {
      docker: `ssh://ops@10.1.0.${h + 2}`,
      address: `10.1.0.${h + 2}`,
      ssh: {
        hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrKywEPeK62K+js3cZxSr7cz8ITZxSuV3RN0bQ7kskm",
      },
      edge: h === 0,
      storage: { ssd: "/srv/ssd", hdd: "/srv/hdd" },
    };
  }
  const appMap: Record<string, unknown> = {};
  for (let i = 0; i < apps; i++) {
    const def = syntheticDefinition(i);
    registry.set(def.name, def);
    // Routed apps on the edge: remote ones would all publish 8080 on their host.
    appMap[def.name] = { enabled: true, host: "node0" };
  }
  return {
    project: "homelab",
    stack: `synthetic-${apps}`,
    config: {
      "homelab:domain": "bench.example.com",
      "homelab:tls": JSON.stringify({ email: "ops@example.com" }),
      "homelab:hosts": JSON.stringify(hostMap),
      "homelab:profiles": JSON.stringify(["core"]),
      "homelab:apps": JSON.stringify(appMap),
      "homelab:sshPrivateKey": "<secret homelab:sshPrivateKey>",
    },
    secretKeys: ["homelab:sshPrivateKey"],
  };
}

function fingerprint(ev: Evaluation): Map<string, string> {
  return new Map(ev.resources.map((r) => [r.urn, JSON.stringify([r.inputs, r.dependencies])]));
}

function changedContainers(a: Evaluation, b: Evaluation, except: string): number {
  const fa = fingerprint(a);
  const fb = fingerprint(b);
  return b.resources.filter(
    (r) =>
      r.type === CONTAINER &&
      !r.name.startsWith(`${except}-`) &&
      fa.has(r.urn) &&
      fa.get(r.urn) !== fb.get(r.urn),
  ).length;
}

function withApps(
  stack: StackConfig,
  edit: (apps: Record<string, Record<string, unknown>>) => void,
): StackConfig {
  const apps = JSON.parse(stack.config["homelab:apps"] ?? "{}") as Record<
    string,
    Record<string, unknown>
  >;
  edit(apps);
  return { ...stack, config: { ...stack.config, "homelab:apps": JSON.stringify(apps) } };
}

interface Row {
  name: string;
  apps: number;
  resources: number;
  medianMs: number;
  msPerResource: number;
  chain: string[];
  addedChanges: number;
  settingChanges: number;
  identical: boolean;
}

async function measure(name: string, stack: StackConfig): Promise<Row> {
  const times: number[] = [];
  let first: Evaluation | undefined;
  let last: Evaluation | undefined;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const ev = await evaluate(stack, deploy);
    times.push(performance.now() - t);
    if (ev.error) throw ev.error;
    first ??= ev;
    last = ev;
  }
  const base = first as Evaluation;
  const identical =
    JSON.stringify([...fingerprint(base)]) === JSON.stringify([...fingerprint(last as Evaluation)]);
  const extra = syntheticDefinition(999);
  (CATALOG as Map<string, AppDefinition>).set(extra.name, extra);
  const added = await evaluate(
    withApps(stack, (a) => (a[extra.name] = { enabled: true })),
    deploy,
  );
  if (added.error) throw added.error;
  const target = base.resources.find((r) => r.type === CONTAINER && r.name.startsWith("whoami-"))
    ? "whoami"
    : "traefik";
  const changed = await evaluate(
    withApps(stack, (a) => (a[target] = { ...(a[target] ?? {}), memoryMb: 96 })),
    deploy,
  );
  if (changed.error) throw changed.error;
  times.sort((x, y) => x - y);
  const median = times[Math.floor(times.length / 2)];
  return {
    name,
    apps: base.resources.filter((r) => r.type === CONTAINER).length,
    resources: base.resources.length,
    medianMs: median,
    msPerResource: median / base.resources.length,
    chain: longestChain(base.resources),
    addedChanges: changedContainers(base, added, extra.name),
    settingChanges: changedContainers(base, changed, target),
    identical,
  };
}

function markdown(rows: readonly Row[]): string {
  const table = [
    "| stack | containers | resources | median evaluation (ms) | ms / resource | longest chain | containers changed by adding an app | by changing one app | identical runs |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.apps} | ${r.resources} | ${r.medianMs.toFixed(0)} | ${r.msPerResource.toFixed(2)} | ${r.chain.length} | ${r.addedChanges} | ${r.settingChanges} | ${r.identical ? "yes" : "no"} |`,
    ),
  ];
  const synthetic = rows.filter((r) => r.name.startsWith("synthetic"));
  const chart = [
    "```mermaid",
    "xychart-beta",
    '  title "Evaluation time by stack size (median, ms)"',
    `  x-axis [${synthetic.map((r) => `"${r.resources}"`).join(", ")}]`,
    '  y-axis "ms"',
    `  line [${synthetic.map((r) => r.medianMs.toFixed(0)).join(", ")}]`,
    "```",
  ];
  const longest = rows.reduce((a, b) => (b.chain.length > a.chain.length ? b : a));
  return [
    "# Benchmark",
    "",
    `Generated by \`npm run bench\` (${RUNS} runs per stack, Node ${process.version}, under Pulumi's mock engine).`,
    "Synthetic stacks add small routed apps on the edge of a four-host homelab.",
    "",
    ...table,
    "",
    `Longest dependency chain (${longest.name}, ${longest.chain.length} resources): ${longest.chain.join(" → ")}`,
    "",
    ...chart,
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const stacks: [string, StackConfig][] = [["prod", readStack(ROOT, "prod")]];
  try {
    stacks.push([
      "everything",
      readStack(ROOT, "everything", join(ROOT, "test/fixtures/good/everything.yaml")),
    ]);
  } catch {
    // The fixture is optional for the benchmark.
  }
  for (const n of [10, 50, 100, 200]) stacks.push([`synthetic-${n}`, syntheticStack(n)]);
  const rows: Row[] = [];
  for (const [name, stack] of stacks) {
    const row = await measure(name, stack);
    rows.push(row);
    console.log(
      `${name.padEnd(14)} ${String(row.resources).padStart(5)} resources  ${row.medianMs.toFixed(0).padStart(6)} ms  ${row.msPerResource.toFixed(2)} ms/resource  chain ${row.chain.length}  +app→${row.addedChanges}  ~app→${row.settingChanges}  identical ${row.identical}`,
    );
  }
  const longest = rows.reduce((a, b) => (b.chain.length > a.chain.length ? b : a));
  console.log(`longest chain: ${longest.chain.join(" → ")}`);
  writeFileSync(join(ROOT, "docs", "benchmark.md"), markdown(rows));
  console.log("wrote docs/benchmark.md");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
