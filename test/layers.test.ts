import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "./helpers/harness";

/** The report without terminal colours (CI terminals may ask for them). */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

/** Runs the project's layer check (`npm run layers`) over a tree; returns its report and status. */
function cruise(cwd: string, paths: string[]): { ok: boolean; report: string } {
  try {
    const report = execFileSync(
      join(ROOT, "node_modules", ".bin", "depcruise"),
      ["--config", join(ROOT, ".dependency-cruiser.cjs"), "--output-type", "err", ...paths],
      {
        cwd,
        encoding: "utf8",
        stdio: "pipe",
        env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
      },
    );
    return { ok: true, report: plain(report) };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, report: plain(`${e.stdout ?? ""}${e.stderr ?? ""}`) };
  }
}

/** A throwaway tree laid out like the project: `files` maps a path to the modules it imports. */
function tree(files: Record<string, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), "homelab-layers-"));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true } }));
  for (const [file, imports] of Object.entries(files)) {
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    const lines = imports.map((to, i) => `import { x as x${i} } from "${to}";`);
    writeFileSync(join(dir, file), [...lines, "export const x = 1;", ""].join("\n"));
  }
  return dir;
}

describe("imports flow one way: config → catalog → plan → hosts → components → program", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("holds for the project itself", () => {
    const { ok, report } = cruise(ROOT, [
      "config",
      "catalog",
      "plan",
      "hosts",
      "components",
      "program.ts",
      "index.ts",
      "policy",
      "scripts",
    ]);
    expect(report).not.toMatch(/error/);
    expect(ok).toBe(true);
  });

  it("fails when config imports the catalog, naming the rule and the import", () => {
    const dir = tree({
      "config/load.ts": ["../catalog/apps"],
      "catalog/apps.ts": [],
    });
    dirs.push(dir);
    const { ok, report } = cruise(dir, ["config", "catalog"]);
    expect(ok).toBe(false);
    expect(report).toContain(
      "config-imports-only-earlier-stages: config/load.ts → catalog/apps.ts",
    );
  });

  it("fails when the catalog imports plan, and passes the same import the other way", () => {
    const breach = tree({ "catalog/apps.ts": ["../plan/paths"], "plan/paths.ts": [] });
    const fine = tree({ "plan/paths.ts": ["../catalog/apps"], "catalog/apps.ts": [] });
    dirs.push(breach, fine);
    expect(cruise(breach, ["catalog", "plan"]).report).toContain(
      "catalog-imports-only-earlier-stages: catalog/apps.ts → plan/paths.ts",
    );
    expect(cruise(fine, ["catalog", "plan"]).ok).toBe(true);
  });

  it("fails on a cycle inside one stage", () => {
    const dir = tree({ "plan/a.ts": ["./b"], "plan/b.ts": ["./c"], "plan/c.ts": ["./a"] });
    dirs.push(dir);
    const { ok, report } = cruise(dir, ["plan"]);
    expect(ok).toBe(false);
    expect(report).toMatch(/no-circular: plan\/a\.ts →/);
  });
});
