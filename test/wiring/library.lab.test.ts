/**
 * The wiring library (plan/wiring/library.ts) under the shells of the runner images, with the
 * real curl and jq, against a local HTTP server: a failed call stops the step with the app
 * and step named, nothing after it runs, secrets reach the server but no command line, and
 * the private temporary directory is gone afterwards.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WiringStep } from "../../plan/wiring/step";
import { SHELLS, runStep } from "./run";
import { argvRecorder, standIn, type StandIn } from "./standIn";

let api: StandIn;
let base = "";
const scratch = mkdtempSync(join(tmpdir(), "wiring-lab-"));

beforeAll(async () => {
  api = await standIn((req) => {
    if (req.path === "/broken") return { status: 400, body: { message: "Path is required" } };
    if (req.path === "/items") return { status: 200, body: [{ id: 1, name: "a", extra: true }] };
    return { status: 200, body: { echo: req.body } };
  });
  base = api.base;
});
afterAll(async () => {
  await api.close();
  rmSync(scratch, { recursive: true, force: true });
});
beforeEach(() => (api.seen.length = 0));
const seen = () => api.seen;

const step = (script: string, secrets: string[] = []): WiringStep => ({
  app: "sonarr",
  step: "root-folders",
  runsIn: "sonarr",
  script,
  secrets,
  calls: [],
});

describe.each(Object.keys(SHELLS))("the wiring library under %s", (shell) => {
  const sh = SHELLS[shell];

  it("sends the key as a header and the body on stdin, and prints the answer", async () => {
    const run = await runStep(
      step(
        [
          `header X-Api-Key "$KEY"`,
          `out=$(jq -n -c '{path: "/data/media/tv", key: env.KEY}' | api POST ${base}/rootfolder)`,
          `printf '%s\\n' "$out"`,
        ].join("\n"),
        ["KEY"],
      ),
      { KEY: 'k"ey\\1' },
      sh,
      { TMPDIR: scratch },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(seen()).toHaveLength(1);
    expect(seen()[0].headers["x-api-key"]).toBe('k"ey\\1');
    expect(JSON.parse(seen()[0].body)).toEqual({ path: "/data/media/tv", key: 'k"ey\\1' });
    expect(run.stdout).toContain('{"echo":"{\\"path\\":\\"/data/media/tv\\",\\"key\\":');
    expect(run.stdout).toContain("homelab wiring: sonarr: root-folders: done");
    // The private temporary directory is removed when the step ends.
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("never puts a secret in the arguments of curl, jq, sed or awk", async () => {
    // Wrappers first in PATH record every argument list, then run the real program.
    const recorder = argvRecorder();
    const run = await runStep(
      step(
        [
          `header Authorization "MediaBrowser Token=$KEY"`,
          `ready ${base}/ping 10`,
          `out=$(jq -n -c '{password: env.KEY}' | api PUT ${base}/thing)`,
          `printf '%s' "$out" | jq -e '.echo | fromjson | .password == env.KEY' >/dev/null`,
        ].join("\n"),
        ["KEY"],
      ),
      { KEY: "s3cr3t-value" },
      sh,
      { PATH: recorder.path, TMPDIR: scratch },
    );
    const argv = recorder.log();
    recorder.remove();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(argv).toContain("-K");
    expect(argv).not.toContain("s3cr3t-value");
    expect(seen().find((s) => s.method === "PUT")?.headers.authorization).toBe(
      "MediaBrowser Token=s3cr3t-value",
    );
  });

  it("stops at a refused call, names the app, step, status and answer, and runs nothing after it", async () => {
    const marker = join(scratch, `after-${shell}`);
    const run = await runStep(
      step(
        [`out=$(printf '{}' | api POST ${base}/broken)`, `touch ${marker}`, `echo "$out"`].join(
          "\n",
        ),
      ),
      {},
      sh,
      { TMPDIR: scratch },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `homelab wiring: sonarr: root-folders: POST ${base}/broken: HTTP 400: {"message":"Path is required"}\n`,
    );
    expect(existsSync(marker)).toBe(false);
    expect(run.stdout).not.toContain("done");
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("gives up waiting for an app that never answers, saying how long it waited", async () => {
    const run = await runStep(step(`ready http://127.0.0.1:1/ping 2`), {}, sh, {
      TMPDIR: scratch,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      "homelab wiring: sonarr: root-folders: http://127.0.0.1:1/ping did not answer within 2 s\n",
    );
  });

  it("compares JSON documents regardless of key order, so an unchanged object is not written", async () => {
    const run = await runStep(
      step(
        [
          `items=$(api GET ${base}/items)`,
          `mine=$(printf '%s' "$items" | jq -c '.[0]')`,
          `if same "$mine" '{"name":"a","extra":true,"id":1}'; then echo unchanged; else echo differs; fi`,
          `if same "$mine" '{"name":"b","extra":true,"id":1}'; then echo unchanged; else echo differs; fi`,
        ].join("\n"),
      ),
      {},
      sh,
      { TMPDIR: scratch },
    );
    expect(run.stderr).toBe("");
    expect(run.stdout.split("\n").slice(0, 2)).toEqual(["unchanged", "differs"]);
    expect(seen().map((s) => s.method)).toEqual(["GET"]);
  });
});
