import { readFileSync } from "node:fs";
import { join } from "node:path";

/** One Dockerfile instruction: its keyword and the rest of its (joined) lines. */
export interface Instruction {
  keyword: string;
  args: string;
}

/**
 * A Dockerfile's instructions as the builder reads them: comment lines dropped, a line ending
 * in `\` (the default escape character) joined to the next without the `\` and the newline.
 */
export function instructions(text: string): Instruction[] {
  const logical: string[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith("\\")) {
      current += line.slice(0, -1);
      continue;
    }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = "";
  }
  return logical.map((l) => {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(l);
    if (!m) throw new Error(`not an instruction: ${l}`);
    return { keyword: m[1].toUpperCase(), args: m[2] };
  });
}

export function readInstructions(dir: string, file = "Dockerfile"): Instruction[] {
  return instructions(readFileSync(join(dir, file), "utf8"));
}

/** `ARG NAME=value` defaults by name. */
export function argDefaults(list: readonly Instruction[]): Record<string, string> {
  return Object.fromEntries(
    list
      .filter((i) => i.keyword === "ARG")
      .map((i) => {
        const at = i.args.indexOf("=");
        return at < 0 ? [i.args, ""] : [i.args.slice(0, at), i.args.slice(at + 1)];
      }),
  );
}

/** `ENV A=1 B=2` (one or several pairs per instruction) by name. */
export function envOf(list: readonly Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of list.filter((x) => x.keyword === "ENV"))
    for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) env[m[1]] = m[2];
  return env;
}

/** The exec form (`["a", "b"]`) of ENTRYPOINT, CMD or SHELL. */
export function execForm(list: readonly Instruction[], keyword: string): string[] {
  const found = list.filter((i) => i.keyword === keyword);
  const last = found[found.length - 1];
  if (!last) return [];
  const parsed: unknown = JSON.parse(last.args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string"))
    throw new Error(`${keyword} is not in exec form`);
  return parsed;
}
