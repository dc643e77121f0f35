/**
 * Checks a request body against a schema extracted from an app's published API description
 * (test/fixtures/api/*.json): types, `nullable`, enums, patterns, required fields. Objects are
 * closed: a field the description does not list, or one it marks `readOnly`, is an error, so
 * a misspelt or invented field fails the stand-in instead of being ignored.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface Schema {
  type?: string | string[];
  nullable?: boolean;
  enum?: readonly unknown[];
  pattern?: string;
  required?: readonly string[];
  properties?: Readonly<Record<string, Schema>>;
  items?: Schema;
  readOnly?: boolean;
}

interface Fixture {
  schemas: Readonly<Record<string, Schema>>;
}

export function apiSchemas(file: string): Readonly<Record<string, Schema>> {
  const path = join(__dirname, "..", "fixtures", "api", file);
  return (JSON.parse(readFileSync(path, "utf8")) as Fixture).schemas;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** The problems of `value` against `schema`, each with its path; empty when it fits. */
export function problems(schema: Schema, value: unknown, path = "$"): string[] {
  const t = typeOf(value);
  if (t === "null") {
    const types = [schema.type ?? []].flat();
    return schema.nullable || types.includes("null") ? [] : [`${path}: null`];
  }
  if (schema.type !== undefined) {
    const types = [schema.type].flat();
    const fits = types.includes(t) || (t === "number" && types.includes("integer"));
    if (!fits) return [`${path}: ${t}, expected ${types.join("|")}`];
  }
  if (schema.enum && !schema.enum.includes(value))
    return [`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`];
  if (schema.pattern && typeof value === "string" && !new RegExp(schema.pattern).test(value))
    return [`${path}: ${value} does not match ${schema.pattern}`];
  if (t === "array" && schema.items)
    return (value as unknown[]).flatMap((v, i) =>
      problems(schema.items as Schema, v, `${path}[${i}]`),
    );
  if (t !== "object" || !schema.properties) return [];
  const obj = value as Record<string, unknown>;
  const props = schema.properties;
  const out = (schema.required ?? [])
    .filter((k) => !(k in obj))
    .map((k) => `${path}.${k}: required`);
  for (const [k, v] of Object.entries(obj)) {
    const p = props[k];
    if (!p) out.push(`${path}.${k}: not in the API description`);
    else if (p.readOnly) out.push(`${path}.${k}: read-only`);
    else out.push(...problems(p, v, `${path}.${k}`));
  }
  return out;
}
