import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, type ConfigIssue } from "../../config/errors";
import type { Evaluation } from "../../scripts/evaluate";

/**
 * Every stack file is evaluated once per `npm test` run (test/helpers/globalSetup.ts) and kept
 * here as JSON; suites that only read an evaluation load it instead of running the program again.
 */
export const STORE_ENV = "HOMELAB_EVALUATIONS_DIR";

interface StoredError {
  name: string;
  message: string;
  issues?: readonly ConfigIssue[];
}
interface StoredEvaluation extends Omit<Evaluation, "error"> {
  error?: StoredError;
}

const fileOf = (dir: string, stack: string) =>
  join(dir, `${stack.replace(/[^a-z0-9.-]/gi, "_")}.json`);

export function createStore(): string {
  const dir = join(tmpdir(), `homelab-evaluations-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function store(dir: string, stack: string, ev: Evaluation): void {
  const stored: StoredEvaluation = {
    resources: ev.resources,
    outputs: ev.outputs,
    ...(ev.error && {
      error: {
        name: ev.error.name,
        message: ev.error.message,
        ...(ev.error instanceof ConfigError && { issues: ev.error.issues }),
      },
    }),
  };
  writeFileSync(fileOf(dir, stack), JSON.stringify(stored));
}

/** The stored evaluation of a stack, or undefined outside a run that stored it. */
export function load(stack: string): Evaluation | undefined {
  const dir = process.env[STORE_ENV];
  if (!dir) return undefined;
  let text: string;
  try {
    text = readFileSync(fileOf(dir, stack), "utf8");
  } catch {
    return undefined;
  }
  const stored = JSON.parse(text) as StoredEvaluation;
  if (!stored.error) return { resources: stored.resources, outputs: stored.outputs };
  const error = stored.error.issues
    ? new ConfigError(stored.error.issues)
    : Object.assign(new Error(stored.error.message), { name: stored.error.name });
  return { resources: stored.resources, outputs: stored.outputs, error };
}

export function removeStore(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
