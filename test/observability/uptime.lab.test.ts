/**
 * Uptime Kuma's seeding health check, run for real: the catalog's CMD-SHELL text under dash
 * (the image is Debian) with real node, against a stand-in of Kuma's first-run socket.io
 * events written from louislam/uptime-kuma server/server.js@1.23.17 (`needSetup` answers
 * whether no user exists; `setup` creates the only user and refuses once one exists). The
 * socket.io client is replaced by a small module that carries the same events over plain
 * HTTP to that stand-in, since no socket.io is installed here; the shell, the password's way
 * through stdin and the exit codes are the image's.
 */
import { execFile, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { uptimeKuma } from "../../catalog/uptime";

const PASSWORD = "Zq7vR2mK9pLx4tWc8nB3yHs6dF1gJ5aE";

interface Emitted {
  event: string;
  args: unknown[];
  argv: string[];
}

/** Kuma's first-run events as server.js@1.23.17 answers them, on a free port. */
async function standIn(refuseSetup = false): Promise<{
  port: number;
  users: { username: string; password: string }[];
  emitted: Emitted[];
  server: Server;
}> {
  const users: { username: string; password: string }[] = [];
  const emitted: Emitted[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      if (req.url === "/connect") {
        res.end("{}");
        return;
      }
      const e = JSON.parse(body) as Emitted;
      emitted.push(e);
      let answer: unknown = null;
      if (e.event === "needSetup") answer = users.length === 0;
      if (e.event === "setup") {
        const [username, password] = e.args as [string, string];
        if (refuseSetup || users.length > 0)
          answer = { ok: false, msg: "Uptime Kuma has been initialized." };
        else {
          users.push({ username, password });
          answer = { ok: true, msg: "Added Successfully." };
        }
      }
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, users, emitted, server };
}

/** `io(url)` with `on`/`emit(event, ...args, callback)`, carried over HTTP to the stand-in. */
const CLIENT = String.raw`const http = require("http");
module.exports = (url) => {
  const on = {};
  const s = {
    on(event, fn) { on[event] = fn; return s; },
    emit(event, ...args) {
      const callback = args.pop();
      const req = http.request(url + "/emit", { method: "POST" }, (res) => {
        let d = "";
        res.on("data", (c) => (d += c));
        res.on("end", () => callback(JSON.parse(d)));
      });
      req.end(JSON.stringify({ event, args, argv: process.argv }));
    },
  };
  setImmediate(() =>
    http.get(url + "/connect", (res) => { res.resume(); on.connect && on.connect(); })
      .on("error", (e) => on.connect_error && on.connect_error(e)),
  );
  return s;
};
`;

describe("Uptime Kuma's seeding health check under dash", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "kuma-"));
    writeFileSync(join(dir, "client.js"), CLIENT);
    writeFileSync(join(dir, "healthcheck"), "#!/bin/sh\nexit 0\n");
    chmodSync(join(dir, "healthcheck"), 0o755);
    // An external printf would get the password on its command line: the builtin must.
    writeFileSync(join(dir, "printf"), `#!/bin/sh\necho "$@" > ${dir}/printf-argv\n`);
    chmodSync(join(dir, "printf"), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The check's text aimed at the stand-in. */
  function text(port: number): string {
    const health = uptimeKuma.health;
    if ("none" in health || health.test[0] !== "CMD-SHELL") throw new Error("not a CMD-SHELL");
    return health.test[1]
      .split("/app/node_modules/socket.io-client")
      .join(join(dir, "client.js"))
      .split("/app/extra/healthcheck")
      .join(join(dir, "healthcheck"))
      .split("127.0.0.1:3001")
      .join(`127.0.0.1:${port}`);
  }

  function probe(script: string): Promise<number> {
    const env = {
      PATH: `${dir}:${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
      HOMELAB_ADMIN_PASSWORD: PASSWORD,
    };
    return new Promise((resolve) =>
      execFile("/usr/bin/dash", ["-c", script], { env }, (error) =>
        resolve(error ? Number((error as { code?: number }).code ?? 1) : 0),
      ),
    );
  }

  it("passes shellcheck", () => {
    const health = uptimeKuma.health;
    if ("none" in health) throw new Error("no health check");
    const r = spawnSync("shellcheck", ["-s", "sh", "-f", "gcc", "-"], {
      input: health.test[1],
      encoding: "utf8",
    });
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe("");
  });

  it("creates the admin once from stdin, and is healthy only once a user exists", async () => {
    const kuma = await standIn();
    try {
      expect(await probe(text(kuma.port))).toBe(0);
      expect(kuma.users).toEqual([{ username: "admin", password: PASSWORD }]);
      expect(existsSync(join(dir, "printf-argv"))).toBe(false);
      for (const e of kuma.emitted) expect(e.argv.join(" ")).not.toContain(PASSWORD);
      expect(kuma.emitted.map((e) => e.event)).toEqual(["needSetup", "setup", "needSetup"]);
      // Healthy again without a second setup: the installation is left alone.
      expect(await probe(text(kuma.port))).toBe(0);
      expect(kuma.emitted.filter((e) => e.event === "setup")).toHaveLength(1);
    } finally {
      kuma.server.close();
    }
  });

  it("leaves an installation the owner set up alone", async () => {
    const kuma = await standIn();
    kuma.users.push({ username: "owner", password: "theirs" });
    try {
      expect(await probe(text(kuma.port))).toBe(0);
      expect(kuma.emitted.map((e) => e.event)).toEqual(["needSetup"]);
    } finally {
      kuma.server.close();
    }
  });

  it("stays unhealthy while Kuma refuses the setup or does not answer", async () => {
    const kuma = await standIn(true);
    try {
      expect(await probe(text(kuma.port))).not.toBe(0);
      expect(kuma.users).toEqual([]);
    } finally {
      kuma.server.close();
    }
    // Nothing listens on the port any more: the client's connect_error ends the check.
    expect(await probe(text(kuma.port))).not.toBe(0);
  });
});
