/**
 * A local HTTP stand-in for an app's API: the test's handler answers each request from the
 * state it keeps; every request is recorded, so a test can tell whether a run wrote anything.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Request {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status: number;
  body?: unknown;
}

export interface StandIn {
  base: string;
  seen: Request[];
  close(): Promise<void>;
}

/** JSON bodies parsed, others as undefined (the handler answers 400 for those it needs). */
export function json(req: Request): unknown {
  try {
    return req.body === "" ? undefined : (JSON.parse(req.body) as unknown);
  } catch {
    return undefined;
  }
}

/** Listens on `port` of 127.0.0.1 (0: any free port, see `base`). */
export async function standIn(handle: (req: Request) => Answer, port = 0): Promise<StandIn> {
  const seen: Request[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      const r: Request = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      seen.push(r);
      let answer: Answer;
      try {
        answer = handle(r);
      } catch (e) {
        answer = { status: 500, body: { message: String(e) } };
      }
      res.writeHead(answer.status, { "Content-Type": "application/json" });
      res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The requests that change state: everything but GET (and a sign-in, which only reads). */
export function writes(seen: readonly Request[], except: readonly string[] = []): Request[] {
  return seen.filter((r) => r.method !== "GET" && !except.some((p) => r.path.endsWith(p)));
}

/**
 * A PATH directory whose curl, jq, sed and awk record every argument list (in `log`) and run
 * the real program: a secret in a command line would show up there.
 */
export function argvRecorder(): { path: string; log: () => string; remove: () => void } {
  const bin = mkdtempSync(join(tmpdir(), "wiring-argv-"));
  const log = join(bin, "argv.log");
  writeFileSync(log, "");
  for (const tool of ["curl", "jq", "sed", "awk"]) {
    const real = execFileSync("sh", ["-c", `command -v ${tool}`])
      .toString()
      .trim();
    writeFileSync(join(bin, tool), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${log}\nexec ${real} "$@"\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  return {
    path: `${bin}:${process.env.PATH ?? ""}`,
    log: () => readFileSync(log, "utf8"),
    remove: () => rmSync(bin, { recursive: true, force: true }),
  };
}
