/**
 * The wiring library (plan/wiring/library.ts) under the shells of the runner images, with the
 * real curl and jq, against a local HTTP server: a failed call stops the step with the app
 * and step named, nothing after it runs, secrets reach the server but no command line, and
 * the private temporary directory is gone afterwards.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WiringStep } from "../../plan/wiring/step";
import { SHELLS, runStep } from "./run";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const seen: Seen[] = [];
let base = "";
const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (d: Buffer) => (body += d.toString()));
  req.on("end", () => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    if (req.url === "/broken") {
      res.writeHead(400, { "Content-Type": "application/json" });
      res.end('{"message":"Path is required"}');
    } else if (req.url === "/items") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('[{"id":1,"name":"a","extra":true}]');
    } else {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ echo: body }));
    }
  });
});
const scratch = mkdtempSync(join(tmpdir(), "wiring-lab-"));

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});
beforeEach(() => (seen.length = 0));

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
    expect(seen).toHaveLength(1);
    expect(seen[0].headers["x-api-key"]).toBe('k"ey\\1');
    expect(JSON.parse(seen[0].body)).toEqual({ path: "/data/media/tv", key: 'k"ey\\1' });
    expect(run.stdout).toContain('{"echo":"{\\"path\\":\\"/data/media/tv\\",\\"key\\":');
    expect(run.stdout).toContain("homelab wiring: sonarr: root-folders: done");
    // The private temporary directory is removed when the step ends.
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("never puts a secret in the arguments of curl, jq or sed", async () => {
    // Wrappers first in PATH record every argument list, then run the real program.
    const bin = mkdtempSync(join(tmpdir(), "wiring-argv-"));
    const log = join(bin, "argv.log");
    for (const tool of ["curl", "jq", "sed"]) {
      const real = join("/usr/bin", tool);
      writeFileSync(
        join(bin, tool),
        `#!/bin/sh\nprintf '%s\\n' "$*" >> ${log}\nexec ${real} "$@"\n`,
      );
      chmodSync(join(bin, tool), 0o755);
    }
    mkdirSync(join(bin, "tmp"));
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
      { PATH: `${bin}:${process.env.PATH ?? ""}`, TMPDIR: join(bin, "tmp") },
    );
    const argv = readFileSync(log, "utf8");
    rmSync(bin, { recursive: true, force: true });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(argv).toContain("-K");
    expect(argv).not.toContain("s3cr3t-value");
    expect(seen.find((s) => s.method === "PUT")?.headers.authorization).toBe(
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
    expect(seen.map((s) => s.method)).toEqual(["GET"]);
  });
});
