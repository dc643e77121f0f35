import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** A stack's configuration as the Pulumi engine would hand it to the program. */
export interface StackConfig {
  project: string;
  stack: string;
  /** Fully qualified keys (`homelab:hosts`), values as strings (objects as JSON). */
  config: Record<string, string>;
  secretKeys: string[];
}

const SECRET_PLACEHOLDER = (key: string) => `<secret ${key}>`;

/** The text when it is a JSON object, undefined otherwise. */
function jsonObject(text: string | undefined): string | undefined {
  if (!text?.startsWith("{")) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? text : undefined;
  } catch {
    return undefined;
  }
}

function asString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function qualify(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/**
 * Secrets are documented in stack files as the commands that set them, e.g.
 * `# pulumi config set --secret cloudflare:apiToken <token>` or with `--path`
 * (`homelab:dockerTls.atlas.ca`). Offline, each becomes a placeholder value.
 */
export function documentedSecrets(text: string, project: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const re = /^#\s*pulumi config set\b(.*?)$/gm;
  for (const m of text.matchAll(re)) {
    const args = m[1];
    if (!/--secret\b/.test(args)) continue;
    const path = /--path\b/.test(args);
    const [key, example] = args
      .split(/\s+/)
      .filter((a) => a && !a.startsWith("-"))
      .map((a) => a.replace(/^['"]|['"]$/g, ""));
    if (!key) continue;
    const [ns, rest] = qualify(project, key).split(":", 2);
    if (!path) {
      // A documented JSON object example (`homelab:backupRemoteKeys`) keeps its shape offline.
      out[`${ns}:${rest}`] = jsonObject(example) ?? SECRET_PLACEHOLDER(`${ns}:${rest}`);
      continue;
    }
    const [top, ...segments] = rest.split(".");
    let node = (out[`${ns}:${top}`] ??= {}) as Record<string, unknown>;
    segments.forEach((seg, i) => {
      if (i === segments.length - 1) node[seg] = SECRET_PLACEHOLDER(`${ns}:${rest}`);
      else node = (node[seg] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

/** Reads `Pulumi.yaml` (project and defaults) and `Pulumi.<stack>.yaml` from a directory. */
export function readStack(
  dir: string,
  stack: string,
  stackFile = join(dir, `Pulumi.${stack}.yaml`),
): StackConfig {
  const projectDoc = parse(readFileSync(join(dir, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config?: Record<string, { default?: unknown; value?: unknown }>;
  };
  return stackFromText(projectDoc, stack, readFileSync(stackFile, "utf8"));
}

export function stackFromText(
  projectDoc: { name: string; config?: Record<string, { default?: unknown; value?: unknown }> },
  stack: string,
  text: string,
): StackConfig {
  const project = projectDoc.name;
  const config: Record<string, string> = {};
  for (const [key, decl] of Object.entries(projectDoc.config ?? {})) {
    const value = decl?.default ?? decl?.value;
    if (value !== undefined) config[qualify(project, key)] = asString(value);
  }
  const doc = (parse(text) ?? {}) as { config?: Record<string, unknown> };
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    config[qualify(project, key)] = asString(value);
  }
  const secrets = documentedSecrets(text, project);
  for (const [key, value] of Object.entries(secrets)) config[key] = asString(value);
  return { project, stack, config, secretKeys: Object.keys(secrets).sort() };
}
