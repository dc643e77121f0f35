/**
 * The first-run seeding scripts, run for real: each setup health check with the shells of
 * its image (dash for the Debian and Ubuntu images, busybox ash for Alpine) and real curl,
 * against a small stand-in of the app's setup API written from its upstream source (cited in
 * the app's `firstRun`); Backrest's config seeding with busybox; all through shellcheck.
 */
import { execFile, spawnSync } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOME_ASSISTANT_HEALTH } from "../../catalog/home";
import { IMMICH_HEALTH } from "../../catalog/cloud";
import { BACKREST_START } from "../../catalog/infra";
import { JELLYFIN_HEALTH } from "../../catalog/media";
import { WORDPRESS_HEALTH } from "../../catalog/productivity";
import type { HealthDefinition } from "../../catalog/types";

const PASSWORD = "Zq7vR2mK9pLx4tWc8nB3yHs6dF1gJ5aE";
const SHELLS = [
  ["dash", "/usr/bin/dash"],
  ["busybox ash", "/usr/bin/busybox"],
] as const;

interface Request {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

type Handler = (req: Request) => { status: number; body?: string };

/** A stand-in app on a free port; `requests` records what the script sent. */
async function fake(
  handler: Handler,
): Promise<{ port: number; requests: Request[]; server: Server }> {
  const requests: Request[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const r = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      requests.push(r);
      const out = handler(r);
      res.writeHead(out.status, { "Content-Type": "application/json" });
      res.end(out.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, requests, server };
}

/** The health check's shell text, aimed at the stand-in instead of the app's own port. */
function script(health: HealthDefinition, appPort: number, port: number): string {
  expect(health.test[0]).toBe("CMD-SHELL");
  return health.test[1].split(`127.0.0.1:${appPort}`).join(`127.0.0.1:${port}`);
}

/** Runs like Docker's CMD-SHELL (`<shell> -c`), with the container env; resolves the exit code. */
function probe(shell: string, text: string, env: Record<string, string>): Promise<number> {
  const argv = shell.endsWith("busybox") ? ["sh", "-c", text] : ["-c", text];
  return new Promise((resolve) => {
    execFile(shell, argv, { env: { PATH: process.env.PATH ?? "", ...env } }, (error) =>
      resolve(error ? Number((error as { code?: number }).code ?? 1) : 0),
    );
  });
}

function shellcheck(text: string): string {
  const r = spawnSync("shellcheck", ["-s", "sh", "-f", "gcc", "-"], {
    input: text,
    encoding: "utf8",
  });
  if (r.error) throw new Error(`shellcheck is not installed (${r.error.message})`);
  return r.stdout;
}

describe.each(SHELLS)("Jellyfin's startup wizard with %s", (_name, shell) => {
  it("creates the admin once, completes the wizard, and is healthy only then", async () => {
    const state = { completed: false, users: [] as { Name: string; Password: string }[] };
    const app = await fake((r) => {
      if (r.url === "/health") return { status: 200, body: "Healthy" };
      if (r.url === "/System/Info/Public")
        return {
          status: 200,
          body: JSON.stringify({
            ServerName: "x",
            Version: "10.11.11",
            StartupWizardCompleted: state.completed,
          }),
        };
      // FirstTimeSetupOrElevated: anonymous only while the wizard is incomplete.
      if (r.url.startsWith("/Startup/") && state.completed) return { status: 401 };
      if (r.method === "GET" && r.url === "/Startup/User") {
        if (state.users.length === 0) state.users.push({ Name: "root", Password: "" });
        return { status: 200, body: JSON.stringify({ Name: state.users[0].Name }) };
      }
      if (r.method === "POST" && r.url === "/Startup/User") {
        if (state.users.length === 0) return { status: 404 };
        const dto = JSON.parse(r.body) as { Name?: string; Password?: string };
        if (!dto.Password) return { status: 400 };
        state.users[0] = { Name: dto.Name ?? state.users[0].Name, Password: dto.Password };
        return { status: 204 };
      }
      if (r.method === "POST" && r.url === "/Startup/Complete") {
        state.completed = true;
        return { status: 204 };
      }
      return { status: 404 };
    });
    // An external printf would get the password on its command line: the shell's builtin must.
    const trap = mkdtempSync(join(tmpdir(), "argv-"));
    writeFileSync(join(trap, "printf"), `#!/bin/sh\necho "$@" > ${trap}/seen\n`);
    chmodSync(join(trap, "printf"), 0o755);
    try {
      const text = script(JELLYFIN_HEALTH, 8096, app.port);
      const path = `${trap}:${process.env.PATH ?? ""}`;
      expect(await probe(shell, text, { PATH: path, HOMELAB_ADMIN_PASSWORD: PASSWORD })).toBe(0);
      expect(existsSync(join(trap, "seen"))).toBe(false);
      expect(state).toEqual({ completed: true, users: [{ Name: "admin", Password: PASSWORD }] });
      const posts = app.requests.filter((r) => r.method === "POST").length;
      expect(await probe(shell, text, { HOMELAB_ADMIN_PASSWORD: PASSWORD })).toBe(0);
      expect(app.requests.filter((r) => r.method === "POST").length).toBe(posts);
    } finally {
      app.server.close();
      rmSync(trap, { recursive: true, force: true });
    }
  });

  it("stays unhealthy while the wizard refuses the admin", async () => {
    const app = await fake((r) => {
      if (r.url === "/health") return { status: 200 };
      if (r.url === "/System/Info/Public")
        return { status: 200, body: '{"StartupWizardCompleted":false}' };
      if (r.url === "/Startup/User" && r.method === "POST") return { status: 500 };
      return { status: r.method === "GET" ? 200 : 204, body: "{}" };
    });
    try {
      const text = script(JELLYFIN_HEALTH, 8096, app.port);
      expect(await probe(shell, text, { HOMELAB_ADMIN_PASSWORD: PASSWORD })).not.toBe(0);
      expect(app.requests.some((r) => r.url === "/Startup/Complete")).toBe(false);
    } finally {
      app.server.close();
    }
  });
});

describe.each(SHELLS)("Home Assistant's onboarding with %s", (_name, shell) => {
  it("creates the owner in the user step once; a fully onboarded server is left alone", async () => {
    const state = { done: [] as string[], users: [] as Record<string, string>[] };
    const steps = ["user", "core_config", "analytics", "integration"];
    const app = await fake((r) => {
      if (r.url === "/manifest.json") return { status: 200, body: "{}" };
      if (r.url === "/api/onboarding") {
        // The views exist only until every step is done.
        if (steps.every((s) => state.done.includes(s))) return { status: 404 };
        return {
          status: 200,
          body: JSON.stringify(steps.map((step) => ({ step, done: state.done.includes(step) }))),
        };
      }
      if (r.method === "POST" && r.url === "/api/onboarding/users") {
        if (state.done.includes("user")) return { status: 403 };
        const data = JSON.parse(r.body) as Record<string, string>;
        for (const key of ["name", "username", "password", "client_id", "language"])
          if (typeof data[key] !== "string") return { status: 400 };
        state.users.push(data);
        state.done.push("user");
        return { status: 200, body: '{"auth_code":"code"}' };
      }
      return { status: 404 };
    });
    try {
      const text = script(HOME_ASSISTANT_HEALTH, 8123, app.port);
      expect(await probe(shell, text, { HOMELAB_ADMIN_PASSWORD: PASSWORD })).toBe(0);
      expect(state.users).toEqual([
        expect.objectContaining({ username: "admin", password: PASSWORD, language: "en" }),
      ]);
      expect(await probe(shell, text, { HOMELAB_ADMIN_PASSWORD: PASSWORD })).toBe(0);
      state.done = [...steps];
      expect(await probe(shell, text, { HOMELAB_ADMIN_PASSWORD: PASSWORD })).toBe(0);
      expect(app.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    } finally {
      app.server.close();
    }
  });
});

describe.each(SHELLS)("Immich's admin sign-up with %s", (_name, shell) => {
  it("signs up the admin by e-mail once; isInitialized then holds", async () => {
    const admins: Record<string, string>[] = [];
    const app = await fake((r) => {
      if (r.url === "/api/server/ping") return { status: 200, body: '{"res":"pong"}' };
      if (r.url === "/api/server/config")
        return {
          status: 200,
          body: JSON.stringify({
            loginPageMessage: "",
            trashDays: 30,
            isInitialized: admins.length > 0,
          }),
        };
      if (r.method === "POST" && r.url === "/api/auth/admin-sign-up") {
        if (admins.length > 0)
          return { status: 400, body: '{"message":"The server already has an admin"}' };
        admins.push(JSON.parse(r.body) as Record<string, string>);
        return { status: 201, body: "{}" };
      }
      return { status: 404 };
    });
    // immich-healthcheck pings the server (server/bin/immich-healthcheck).
    const bin = mkdtempSync(join(tmpdir(), "immich-"));
    writeFileSync(
      join(bin, "immich-healthcheck"),
      `#!/bin/sh\nexec curl -fsS -m 2 -o /dev/null http://127.0.0.1:${app.port}/api/server/ping\n`,
    );
    chmodSync(join(bin, "immich-healthcheck"), 0o755);
    try {
      const text = script(IMMICH_HEALTH, 2283, app.port);
      const env = {
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        HOMELAB_ADMIN_PASSWORD: PASSWORD,
        HOMELAB_ADMIN_EMAIL: "admin@photos.example.com",
      };
      expect(await probe(shell, text, env)).toBe(0);
      expect(admins).toEqual([
        { email: "admin@photos.example.com", password: PASSWORD, name: "Admin" },
      ]);
      expect(await probe(shell, text, env)).toBe(0);
      expect(app.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    } finally {
      app.server.close();
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe.each(SHELLS)("WordPress' installer with %s", (_name, shell) => {
  it("installs with the public URL as the request carries it, then reads Already Installed", async () => {
    let installed: { url: string; form: URLSearchParams } | undefined;
    const app = await fake((r) => {
      if (r.url === "/wp-includes/images/blank.gif") return { status: 200 };
      if (r.method === "GET" && r.url === "/wp-admin/install.php")
        return {
          status: 200,
          body: installed ? "<h1>Already Installed</h1>" : '<form id="setup" action="?step=1">',
        };
      if (r.method === "POST" && r.url === "/wp-admin/install.php?step=2") {
        const form = new URLSearchParams(r.body);
        if (form.get("admin_password") !== form.get("admin_password2")) return { status: 200 };
        // wp_guess_url(): the scheme from is_ssl() (X-Forwarded-Proto, trusted by the
        // catalog's WORDPRESS_CONFIG_EXTRA) and the request's Host.
        const scheme = r.headers["x-forwarded-proto"] === "https" ? "https" : "http";
        installed = { url: `${scheme}://${r.headers.host ?? ""}`, form };
        return { status: 200, body: "<h1>Success!</h1>" };
      }
      return { status: 404 };
    });
    try {
      const text = script(WORDPRESS_HEALTH, 8881, app.port);
      const env = {
        HOMELAB_ADMIN_PASSWORD: PASSWORD,
        HOMELAB_ADMIN_EMAIL: "admin@blog.example.com",
        HOMELAB_SITE_HOST: "blog.example.com",
        HOMELAB_SITE_SCHEME: "https",
      };
      expect(await probe(shell, text, env)).toBe(0);
      expect(installed?.url).toBe("https://blog.example.com");
      expect(installed?.form.get("user_name")).toBe("admin");
      expect(installed?.form.get("admin_password")).toBe(PASSWORD);
      expect(installed?.form.get("admin_email")).toBe("admin@blog.example.com");
      expect(await probe(shell, text, env)).toBe(0);
      expect(app.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    } finally {
      app.server.close();
    }
  });
});

describe("Backrest's config seeding under busybox", () => {
  it("writes the admin's digest before the first start, never over an existing config", () => {
    const dir = mkdtempSync(join(tmpdir(), "backrest-"));
    try {
      // Alpine's tools: busybox applets first on PATH.
      const bin = join(dir, "bin");
      spawnSync("mkdir", [bin]);
      for (const applet of ["base64", "printf", "sh"])
        symlinkSync("/usr/bin/busybox", join(bin, applet));
      const digest = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";
      writeFileSync(join(dir, "digest"), digest);
      writeFileSync(join(dir, "entrypoint"), `#!/bin/sh\necho "$@" > ${dir}/started\n`);
      chmodSync(join(dir, "entrypoint"), 0o755);
      const text = BACKREST_START.split("/config/config.json")
        .join(join(dir, "config.json"))
        .split("/run/secrets/adminPassword.bcrypt")
        .join(join(dir, "digest"))
        .split("/docker-entrypoint")
        .join(join(dir, "entrypoint"));
      const start = () =>
        spawnSync("/usr/bin/busybox", ["sh", "-c", text], { env: { PATH: bin }, encoding: "utf8" });
      expect(start().status).toBe(0);
      const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as {
        version: number;
        auth: { users: { name: string; passwordBcrypt: string }[] };
      };
      expect(config.version).toBe(6);
      expect(config.auth.users).toHaveLength(1);
      expect(config.auth.users[0].name).toBe("admin");
      expect(Buffer.from(config.auth.users[0].passwordBcrypt, "base64").toString()).toBe(digest);
      expect(statSync(join(dir, "config.json")).mode & 0o077).toBe(0);
      expect(readFileSync(join(dir, "started"), "utf8")).toBe("/backrest\n");
      writeFileSync(join(dir, "config.json"), '{"version":6,"instance":"mine"}');
      expect(start().status).toBe(0);
      expect(readFileSync(join(dir, "config.json"), "utf8")).toBe(
        '{"version":6,"instance":"mine"}',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("shellcheck", () => {
  it.each([
    ["Jellyfin", JELLYFIN_HEALTH.test[1]],
    ["Home Assistant", HOME_ASSISTANT_HEALTH.test[1]],
    ["Immich", IMMICH_HEALTH.test[1]],
    ["WordPress", WORDPRESS_HEALTH.test[1]],
    ["Backrest", BACKREST_START],
  ])("passes %s's script as POSIX sh", (_name, text) => {
    expect(shellcheck(text)).toBe("");
  });
});
