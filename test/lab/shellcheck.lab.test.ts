/**
 * Every shell script the program generates, as the real shellcheck sees it: the backup job's
 * script, host preparation and file-writing commands, wiring steps, the `sh -c` scripts of
 * containers (database setup, first-start bootstraps) and their start hooks, for every good stack.
 */
import { spawnSync } from "node:child_process";
import type { RegisteredResource } from "../../scripts/evaluate";
import { containers, goodStacks, run } from "../helpers/harness";

interface Script {
  where: string;
  text: string;
}

function scriptsOf(stack: string, resources: readonly RegisteredResource[]): Script[] {
  const out: Script[] = [];
  for (const r of resources) {
    if (r.type.startsWith("command:")) {
      // `stdin`: a wiring step's whole script (plan/wiring), which `sh -s` runs in the app's container.
      for (const key of ["create", "update", "delete", "stdin"]) {
        const text = r.inputs[key];
        if (typeof text === "string") out.push({ where: `${stack} ${r.name}.${key}`, text });
      }
    }
  }
  for (const c of containers({ resources: [...resources], outputs: {} })) {
    const argv = [
      ...((c.inputs.entrypoints ?? []) as string[]),
      ...((c.inputs.command ?? []) as string[]),
    ];
    const i = argv.findIndex((a, n) => a === "-c" && /(^|\/)sh$/.test(argv[n - 1] ?? ""));
    if (i >= 0) out.push({ where: `${stack} ${c.name} sh -c`, text: argv[i + 1] });
    for (const u of (c.inputs.uploads ?? []) as { file: string; content: string }[])
      if (u.content.startsWith("#!/bin/sh"))
        out.push({ where: `${stack} ${c.name}:${u.file}`, text: u.content });
  }
  return out;
}

const STACKS = goodStacks();
/** The same script text is checked once (the stacks share most of them). */
const checked = new Set<string>();

test.each(STACKS)(
  "%s: every generated shell script passes shellcheck as POSIX sh",
  async (stack) => {
    const ev = await run(stack);
    if (ev.error) throw ev.error;
    const scripts = scriptsOf(stack, ev.resources);
    expect(scripts.length).toBeGreaterThan(3);
    const findings: string[] = [];
    for (const s of scripts) {
      if (checked.has(s.text)) continue;
      checked.add(s.text);
      const r = spawnSync("shellcheck", ["-s", "sh", "-f", "gcc", "-"], {
        input: s.text,
        encoding: "utf8",
      });
      if (r.error)
        throw new Error(
          `shellcheck is not installed: apt-get install -y shellcheck (${r.error.message})`,
        );
      if (r.status !== 0) findings.push(`${s.where}:\n${r.stdout}`);
    }
    expect(findings).toEqual([]);
  },
);
