import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  CONTAINER,
  evaluate,
  labelsOf,
  type Evaluation,
  type RegisteredResource,
} from "../../scripts/evaluate";

export { CONTAINER, labelsOf };
import { readStack, type StackConfig } from "../../scripts/stackFile";
import { deploy } from "../../program";
import { load } from "./evaluations";

export const ROOT = join(__dirname, "..", "..");
export const FIXTURES = join(ROOT, "test", "fixtures");

/** The repo's own stacks (`dev`, `prod`) or a fixture file (`good/<name>.yaml`, `bad/<name>.yaml`). */
export function stackConfig(name: string): StackConfig {
  if (name === "dev" || name === "prod") return readStack(ROOT, name);
  const [kind, file] = name.split("/");
  return readStack(
    ROOT,
    file.replace(/\.yaml$/, ""),
    join(FIXTURES, kind, file.endsWith(".yaml") ? file : `${file}.yaml`),
  );
}

/** Every good stack: the repo's stacks and every file in test/fixtures/good. */
export function goodStacks(): string[] {
  return [
    "dev",
    "prod",
    ...readdirSync(join(FIXTURES, "good"))
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .map((f) => `good/${f}`),
  ];
}

export function badStacks(): string[] {
  return readdirSync(join(FIXTURES, "bad"))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => `bad/${f}`);
}

/** Runs the real program (the function index.ts calls) under Pulumi's mocks. */
export function run(stack: string | StackConfig): Promise<Evaluation> {
  return evaluate(typeof stack === "string" ? stackConfig(stack) : stack, deploy);
}

const cache = new Map<string, Promise<Evaluation>>();
/**
 * A stack file's evaluation for suites that only read it: the one the run's global setup
 * stored (test/helpers/evaluations.ts), else evaluated here once per suite.
 */
export function runCached(stack: string): Promise<Evaluation> {
  let ev = cache.get(stack);
  if (!ev) {
    const stored = load(stack);
    ev = stored ? Promise.resolve(stored) : run(stack);
    cache.set(stack, ev);
  }
  return ev;
}

export function ofType(ev: Evaluation, type: string): RegisteredResource[] {
  return ev.resources.filter((r) => r.type === type);
}

export function containers(ev: Evaluation): RegisteredResource[] {
  return ofType(ev, CONTAINER);
}

/** The container of an app, by its instance id (`sonarr`, `node-exporter-nas`). */
export function container(ev: Evaluation, id: string): RegisteredResource {
  const found = containers(ev).find((r) => r.name === `${id}-container`);
  if (!found)
    throw new Error(
      `no container ${id} among ${containers(ev)
        .map((c) => c.name)
        .join(", ")}`,
    );
  return found;
}

/** The content a host-file command writes, decoded from the base64 payload of its script. */
export function writtenContent(command: RegisteredResource): string {
  const m = /printf '%s' '([A-Za-z0-9+/=]*)' \| base64 -d/.exec(String(command.inputs.create));
  if (!m) throw new Error(`${command.name} has no content in its script`);
  return Buffer.from(m[1], "base64").toString("utf8");
}

/** The file a HostFile named `name` writes (its `<name>-write` command). */
export function hostFileContent(ev: Evaluation, name: string): string {
  const command = ev.resources.find((r) => r.name === `${name}-write`);
  if (!command) throw new Error(`no host file ${name}`);
  return writtenContent(command);
}

export function envOf(r: RegisteredResource): Record<string, string> {
  const list = (r.inputs.envs ?? []) as string[];
  return Object.fromEntries(
    list.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
  );
}

/** Derives a variant of a stack by editing its parsed config values. */
export function withConfig(
  base: StackConfig,
  edit: (config: Record<string, unknown>) => void,
): StackConfig {
  const parsed: Record<string, unknown> = Object.fromEntries(
    Object.entries(base.config).map(([k, v]) => [k, /^[[{]/.test(v.trim()) ? JSON.parse(v) : v]),
  );
  edit(parsed);
  const config = Object.fromEntries(
    Object.entries(parsed)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  return { ...base, config };
}
