/**
 * The generated Caddyfile against the real Caddy (Debian's `caddy`):
 *
 * 1. `caddy adapt`, `caddy validate` and `caddy fmt` on the Caddyfile of every good stack
 *    switched to `homelab:proxy: caddy`.
 * 2. A real Caddy running a generated Caddyfile on 127.0.0.1, sent real HTTP requests: routes
 *    answered, forward-auth to a stand-in authz server that applies the generated Authelia
 *    rules, bypass paths, LAN-only apps, client headers removed, Cloudflare's trust.
 *
 * What Debian's Caddy cannot check, said here and in the README: it is built without the
 * caddy-dns/cloudflare module the deployed image carries (iarekylew00t/caddy-cloudflare), so
 * the one line that names it (`dns cloudflare {file.<token>}`) is removed before `adapt` and
 * `validate`; for the running Caddy the wildcard site's `tls` block becomes `tls internal`
 * (Caddy's local CA) and container names become 127.0.0.1 stand-ins. Every other line is
 * the generated one. Debian ships Caddy 2.6; the image runs 2.11, and the generator uses
 * nothing 2.6 lacks except that module.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSpec } from "../../plan/resolve";
import type { HomelabSpec } from "../../config/spec";
import { accessControlRules, type Rule } from "../../plan/proxy/authelia";
import { caddyfile } from "../../plan/proxy/caddy";
import { goodStacks, stackConfig, withConfig } from "../helpers/harness";
import { app, def, domainSpec, withApp } from "./fixture";

const CADDY = "caddy";
const CLOUDFLARE_LINE = "dns cloudflare {file./run/secrets/cf_dns_api_token}";
const work = mkdtempSync(join(tmpdir(), "caddy-lab-"));
/** Caddy keeps its data (local CA, locks) and autosave here, never in the machine's own dirs. */
const caddyEnv = {
  ...process.env,
  HOME: work,
  XDG_DATA_HOME: join(work, "data"),
  XDG_CONFIG_HOME: join(work, "config"),
};

afterAll(() => rmSync(work, { recursive: true, force: true }));

function caddyRun(args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(CADDY, args, { env: caddyEnv, encoding: "utf8", timeout: 60000 });
  if (r.error) throw new Error(`${CADDY} is required for this suite: ${r.error.message}`);
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** Replaces `from` by `to` exactly `times` times, or fails: every edit of the file is deliberate. */
function replaceExactly(text: string, from: string, to: string, times = 1): string {
  const found = text.split(from).length - 1;
  if (found !== times)
    throw new Error(`expected ${times} × ${JSON.stringify(from)}, found ${found}`);
  return text.split(from).join(to);
}

/** Whether the Caddy here is older than major.minor (`caddy version` prints `v2.6.2 ...` or `2.6.2`). */
function caddyBefore(major: number, minor: number): boolean {
  const m = /(\d+)\.(\d+)\.\d+/.exec(caddyRun(["version"]).out);
  if (!m) throw new Error("cannot read caddy version");
  return Number(m[1]) < major || (Number(m[1]) === major && Number(m[2]) < minor);
}

const hasCloudflareModule = () =>
  caddyRun(["list-modules"]).out.split("\n").includes("dns.providers.cloudflare");

describe("caddy adapt, validate and fmt on every good stack switched to Caddy", () => {
  it("runs a Caddy without the Cloudflare module (else this suite should validate that line too)", () => {
    expect(caddyRun(["version"]).status).toBe(0);
    expect(hasCloudflareModule()).toBe(false);
  });

  it.each(goodStacks())("%s", (stack) => {
    const spec = parseSpec(
      withConfig(stackConfig(stack), (c) => {
        c["homelab:proxy"] = "caddy";
        // Fail2ban reads Traefik's log: the one app a stack must drop to switch.
        const apps = c["homelab:apps"] as Record<string, Record<string, unknown>> | undefined;
        if (apps?.fail2ban) apps.fail2ban = { ...apps.fail2ban, enabled: false };
      }),
    );
    const generated = caddyfile(spec);
    const file = join(work, `${stack.replace("/", "_")}.Caddyfile`);
    writeFileSync(file, generated);
    // Already in Caddy's own layout: `caddy fmt` changes nothing.
    const fmt = caddyRun(["fmt", file]);
    expect(fmt.status).toBe(0);
    expect(fmt.out).toBe(generated);

    const cloudflare = spec.mode === "domain" && spec.dns.provider === "cloudflare";
    const checked = replaceExactly(generated, `\t\t${CLOUDFLARE_LINE}\n`, "", cloudflare ? 1 : 0);
    writeFileSync(file, checked);
    const adapted = caddyRun(["adapt", "--config", file, "--adapter", "caddyfile"]);
    expect(adapted.err).not.toMatch(/"level":"(warn|error)"/);
    expect(adapted.status).toBe(0);
    const json = JSON.parse(adapted.out) as { apps: { http: { servers: object } } };
    expect(Object.keys(json.apps.http.servers).length).toBeGreaterThan(0);
    const validated = caddyRun(["validate", "--config", file, "--adapter", "caddyfile"]);
    expect(validated.out + validated.err).toContain("Valid configuration");
    expect(validated.status).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------
// A running Caddy.

interface Seen {
  server: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  peer: string;
}
interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const DOMAIN = "lab.example.org";
/** The one address allowed into LAN-only apps, and one that stands for a Cloudflare edge. */
const LAN_CLIENT = "127.0.0.2";
const CLOUDFLARE_EDGE = "127.0.0.3";
const seen: Seen[] = [];
const servers: (http.Server | https.Server)[] = [];
let caddy: ChildProcess | undefined;
let caddyLog = "";
const ports = { http: 0, https: 0, metrics: 0, authz: 0, app: 0, tlsApp: 0 };

/** Proxied Cloudflare DNS, Authelia, and apps of every kind: admin, LAN-only over HTTPS, own login, remote with bypass paths. */
function labSpec(): HomelabSpec {
  const base = domainSpec({
    proxy: "caddy",
    lanCidrs: [`${LAN_CLIENT}/32`],
    dns: { provider: "cloudflare", zone: "example.org", target: "ddns", proxied: true },
  });
  const apps = base.apps.filter((a) => !["traefik", "immich", "postgres"].includes(a.name));
  return withApp({ ...base, apps }, app("caddy", "atlas"));
}

/** Authelia's rule match: one of the domains (`*.` for any subdomain) and, if any, one resource regex. */
function matches(rule: Rule, host: string, uri: string): boolean {
  const domain = rule.domain.some((d) =>
    d.startsWith("*.") ? host.endsWith(d.slice(1)) : host === d,
  );
  const resources = rule.resources ?? [];
  return domain && (resources.length === 0 || resources.some((r) => new RegExp(r).test(uri)));
}

/**
 * A stand-in for Authelia's `/api/authz/forward-auth`: it applies the generated access rules
 * (first match wins, deny by default) to the request Caddy describes in X-Forwarded-*; a
 * session cookie `session=alice` is a logged-in member of `admins`.
 */
function authz(rules: readonly Rule[], req: http.IncomingMessage, res: http.ServerResponse): void {
  if (!req.url?.startsWith("/api/authz/forward-auth")) {
    res.writeHead(200, { "Content-Type": "text/plain" }).end("portal");
    return;
  }
  const host = String(req.headers["x-forwarded-host"]);
  const uri = String(req.headers["x-forwarded-uri"]);
  const rule = rules.find((r) => matches(r, host, uri));
  const policy = rule?.policy ?? "deny";
  if (policy === "deny") {
    res.writeHead(403).end();
  } else if (policy === "bypass") {
    res.writeHead(200).end();
  } else if (String(req.headers.cookie ?? "").includes("session=alice")) {
    res
      .writeHead(200, {
        "Remote-User": "alice",
        "Remote-Groups": "admins",
        "Remote-Email": "alice@example.org",
        "Remote-Name": "Alice",
      })
      .end();
  } else {
    const target = `https://${host}${uri}`;
    res
      .writeHead(302, { Location: `https://auth.${DOMAIN}/?rd=${encodeURIComponent(target)}` })
      .end();
  }
}

/** Every app: echoes what it received, and sets its own X-Frame-Options (Caddy must replace it). */
function echo(req: http.IncomingMessage, res: http.ServerResponse): void {
  res
    .writeHead(200, { "Content-Type": "application/json", "X-Frame-Options": "SAMEORIGIN" })
    .end(JSON.stringify({ url: req.url, headers: req.headers }));
}

function listen(name: string, server: http.Server | https.Server): Promise<number> {
  server.on("request", (req: http.IncomingMessage) => {
    seen.push({
      server: name,
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      peer: req.socket.remoteAddress ?? "",
    });
  });
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  const port = await new Promise<number>((resolve) =>
    s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)),
  );
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function request(
  host: string,
  path: string,
  opts: { headers?: Record<string, string>; from?: string; plain?: boolean } = {},
): Promise<Answer> {
  const mod = opts.plain ? http : https;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        host: "127.0.0.1",
        port: opts.plain ? ports.http : ports.https,
        path,
        method: "GET",
        headers: { Host: host, ...opts.headers },
        servername: host,
        localAddress: opts.from ?? "127.0.0.1",
        rejectUnauthorized: false,
        timeout: 10000,
      },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`timeout: ${host}${path}`)));
    req.end();
  });
}

/** What the app behind the route received, parsed from its echo. */
const echoed = (a: Answer) =>
  JSON.parse(a.body) as { url: string; headers: Record<string, string> };
/** The forward-auth requests Authelia's stand-in received for one host. */
const authzFor = (host: string) =>
  seen.filter((s) => s.server === "authz" && s.headers["x-forwarded-host"] === host);

describe("a running Caddy with a generated Caddyfile", () => {
  const spec = labSpec();
  const generated = caddyfile(spec, def);

  beforeAll(async () => {
    ports.authz = await listen(
      "authz",
      http.createServer((req, res) => authz(accessControlRules(spec, spec.apps, def), req, res)),
    );
    ports.app = await listen("app", http.createServer(echo));
    const key = join(work, "app.key");
    const cert = join(work, "app.crt");
    const made = spawnSync("openssl", [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
      ...["-keyout", key, "-out", cert, "-subj", "/CN=portainer"],
    ]);
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr.toString()}`);
    ports.tlsApp = await listen(
      "tls-app",
      https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, echo),
    );
    ports.http = await freePort();
    ports.https = await freePort();
    ports.metrics = await freePort();

    // The only edits: listeners on free high ports, Caddy's local CA instead of the
    // Cloudflare module, container names as local stand-ins, and one loopback address added
    // to Cloudflare's ranges to stand for a Cloudflare edge.
    let text = replaceExactly(
      generated,
      "\tadmin off\n",
      `\tadmin off\n\thttp_port ${ports.http}\n\thttps_port ${ports.https}\n\tskip_install_trust\n`,
    );
    text = replaceExactly(
      text,
      `\ttls {\n\t\t${CLOUDFLARE_LINE}\n\t\tresolvers 1.1.1.1 1.0.0.1\n\t}\n`,
      "\ttls internal\n",
    );
    text = replaceExactly(text, "http://:8082 {", `http://:${ports.metrics} {`);
    text = replaceExactly(text, "http://authelia:9091", `http://127.0.0.1:${ports.authz}`, 2);
    for (const upstream of [
      "http://whoami:8080",
      "http://grafana:3000",
      "http://vaultwarden:8222",
      "http://10.0.10.5:8096",
    ])
      text = replaceExactly(text, upstream, `http://127.0.0.1:${ports.app}`);
    text = replaceExactly(text, "https://portainer:9443", `https://127.0.0.1:${ports.tlsApp}`);
    text = replaceExactly(
      text,
      "trusted_proxies 173.245.48.0/20 ",
      `trusted_proxies ${CLOUDFLARE_EDGE}/32 173.245.48.0/20 `,
    );
    const file = join(work, "running.Caddyfile");
    writeFileSync(file, text);

    caddy = spawn(CADDY, ["run", "--config", file, "--adapter", "caddyfile"], { env: caddyEnv });
    caddy.stderr?.on("data", (d: Buffer) => (caddyLog += d.toString()));
    caddy.stdout?.on("data", (d: Buffer) => (caddyLog += d.toString()));
    // Ready when the metrics listener answers and the local CA has issued the wildcard.
    const deadline = Date.now() + 30000;
    for (;;) {
      const ok = await request(`whoami.${DOMAIN}`, "/ready")
        .then((a) => a.status > 0)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline || caddy.exitCode !== null)
        throw new Error(`caddy did not start:\n${caddyLog}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    seen.length = 0;
  });

  afterAll(async () => {
    if (caddy && caddy.exitCode === null) {
      const exited = new Promise((r) => caddy?.once("exit", r));
      caddy.kill("SIGTERM");
      await exited;
    }
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  afterEach(() => {
    seen.length = 0;
  });

  it("sends an unauthenticated request to the login portal, describing the real request to Authelia", async () => {
    const a = await request(`whoami.${DOMAIN}`, "/hello?x=1");
    expect(a.status).toBe(302);
    expect(a.headers.location).toBe(
      `https://auth.${DOMAIN}/?rd=${encodeURIComponent(`https://whoami.${DOMAIN}/hello?x=1`)}`,
    );
    expect(seen.filter((s) => s.server === "app")).toEqual([]);
    const [asked] = authzFor(`whoami.${DOMAIN}`);
    expect(asked.method).toBe("GET");
    // Without the client's query: Authelia would read an `authelia_url` override from it.
    expect(asked.url).toBe("/api/authz/forward-auth");
    expect(asked.headers["x-forwarded-method"]).toBe("GET");
    expect(asked.headers["x-forwarded-uri"]).toBe("/hello?x=1");
    expect(asked.headers["x-forwarded-proto"]).toBe("https");
    expect(asked.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  it("never lets a client's forwarding headers speak for the request (X-Forwarded-Host of the portal is no bypass)", async () => {
    const a = await request(`whoami.${DOMAIN}`, "/admin", {
      headers: {
        "X-Forwarded-Host": `auth.${DOMAIN}`,
        "X-Forwarded-Uri": "/",
        "X-Forwarded-Method": "OPTIONS",
        "X-Forwarded-Proto": "http",
        "X-Forwarded-For": "198.51.100.7",
        "X-Original-Url": `https://auth.${DOMAIN}/`,
      },
    });
    expect(a.status).toBe(302);
    const [asked] = authzFor(`whoami.${DOMAIN}`);
    expect(asked.headers["x-forwarded-uri"]).toBe("/admin");
    expect(asked.headers["x-forwarded-method"]).toBe("GET");
    expect(asked.headers["x-forwarded-proto"]).toBe("https");
    expect(asked.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(asked.headers["x-original-url"]).toBeUndefined();
    expect(authzFor(`auth.${DOMAIN}`)).toEqual([]);
  });

  it("lets a logged-in user through with Authelia's identity, never the client's, and Traefik's response headers", async () => {
    const a = await request(`whoami.${DOMAIN}`, "/me", {
      headers: {
        Cookie: "session=alice",
        "Remote-User": "mallory",
        "Remote-Groups": "admins,root",
      },
    });
    expect(a.status).toBe(200);
    const got = echoed(a);
    expect(got.url).toBe("/me");
    expect(got.headers["remote-user"]).toBe("alice");
    expect(got.headers["remote-groups"]).toBe("admins");
    expect(got.headers["remote-email"]).toBe("alice@example.org");
    expect(got.headers.host).toBe(`whoami.${DOMAIN}`);
    expect(got.headers["x-forwarded-host"]).toBe(`whoami.${DOMAIN}`);
    expect(a.headers["strict-transport-security"]).toBe(
      "max-age=31536000; includeSubDomains; preload",
    );
    expect(a.headers["x-frame-options"]).toBe("DENY");
    expect(a.headers["x-content-type-options"]).toBe("nosniff");
    expect(a.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    // No HTTP/3 on an unpublished UDP port.
    expect(a.headers["alt-svc"]).toBeUndefined();
  });

  it("passes a media app's API paths without a login (Authelia's bypass rule), and its web UI not", async () => {
    const api = await request(`jellyfin.${DOMAIN}`, "/Videos/42/stream.mp4", {
      headers: { "Remote-User": "mallory" },
    });
    expect(api.status).toBe(200);
    expect(echoed(api).url).toBe("/Videos/42/stream.mp4");
    // Authelia answered without an identity: the app gets none, and never the client's. Caddy
    // before 2.9 (Debian's) sets a missing header to its unresolved placeholder; 2.9 skips it
    // (caddyserver/caddy#6608), and the image runs 2.11.
    expect(echoed(api).headers["remote-user"]).toBe(
      caddyBefore(2, 9) ? "{http.reverse_proxy.header.Remote-User}" : undefined,
    );
    expect(authzFor(`jellyfin.${DOMAIN}`)).toHaveLength(1);
    const ui = await request(`jellyfin.${DOMAIN}`, "/web/index.html");
    expect(ui.status).toBe(302);
  });

  it("never asks Authelia about an app with its own login, and strips a client's identity there too", async () => {
    const a = await request(`vault.${DOMAIN}`, "/", { headers: { "Remote-User": "mallory" } });
    expect(a.status).toBe(200);
    expect(echoed(a).headers["remote-user"]).toBeUndefined();
    expect(seen.filter((s) => s.server === "authz")).toEqual([]);
  });

  it("serves the portal itself without forward-auth", async () => {
    const a = await request(`auth.${DOMAIN}`, "/");
    expect(a.status).toBe(200);
    expect(a.body).toBe("portal");
    expect(seen.filter((s) => s.server === "authz").map((s) => s.url)).toEqual(["/"]);
  });

  it("refuses a LAN-only app to addresses outside homelab:lanCidrs before any auth work", async () => {
    const outside = await request(`portainer.${DOMAIN}`, "/", {
      headers: { Cookie: "session=alice" },
    });
    expect(outside.status).toBe(403);
    expect(outside.body).toBe("Forbidden");
    expect(seen).toEqual([]);
    const lanNoLogin = await request(`portainer.${DOMAIN}`, "/", { from: LAN_CLIENT });
    expect(lanNoLogin.status).toBe(302);
    const lan = await request(`portainer.${DOMAIN}`, "/", {
      from: LAN_CLIENT,
      headers: { Cookie: "session=alice" },
    });
    expect(lan.status).toBe(200);
    // Over HTTPS to an upstream with a self-signed certificate.
    expect(seen.filter((s) => s.server === "tls-app")).toHaveLength(1);
    expect(echoed(lan).headers["remote-user"]).toBe("alice");
  });

  it("trusts the client address a Cloudflare edge forwards, and only from Cloudflare", async () => {
    const viaCloudflare = await request(`whoami.${DOMAIN}`, "/", {
      from: CLOUDFLARE_EDGE,
      headers: {
        Cookie: "session=alice",
        "X-Forwarded-For": "198.51.100.7",
        "X-Forwarded-Host": `auth.${DOMAIN}`,
      },
    });
    expect(viaCloudflare.status).toBe(200);
    const [asked] = authzFor(`whoami.${DOMAIN}`);
    expect(asked.headers["x-forwarded-for"]).toBe(`198.51.100.7, ${CLOUDFLARE_EDGE}`);
    expect(echoed(viaCloudflare).headers["x-forwarded-for"]).toBe(
      `198.51.100.7, ${CLOUDFLARE_EDGE}`,
    );
    expect(echoed(viaCloudflare).headers["x-forwarded-host"]).toBe(`whoami.${DOMAIN}`);
    // Through Cloudflare, whose forwarded headers are trusted, the portal's name is still no bypass.
    const forged = await request(`whoami.${DOMAIN}`, "/", {
      from: CLOUDFLARE_EDGE,
      headers: { "X-Forwarded-Host": `auth.${DOMAIN}`, "X-Forwarded-Uri": "/" },
    });
    expect(forged.status).toBe(302);
    seen.length = 0;
    await request(`whoami.${DOMAIN}`, "/", { headers: { "X-Forwarded-For": "198.51.100.7" } });
    expect(authzFor(`whoami.${DOMAIN}`)[0].headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  it("answers 404 for a name no app has, and redirects plain HTTP to HTTPS", async () => {
    expect((await request(`nothing.${DOMAIN}`, "/")).status).toBe(404);
    const plain = await request(`whoami.${DOMAIN}`, "/x?y=1", { plain: true });
    expect(plain.status).toBe(308);
    // Caddy 2.6 leaves a non-standard HTTPS port out of the redirect; deployed, it is 443.
    expect(plain.headers.location).toMatch(
      new RegExp(`^https://whoami\\.lab\\.example\\.org(:${ports.https})?/x\\?y=1$`),
    );
    expect(seen).toEqual([]);
  });

  it("serves Prometheus metrics on its own listener", async () => {
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port: ports.metrics, path: "/metrics" }, (res) => {
          let b = "";
          res.on("data", (d: Buffer) => (b += d.toString()));
          res.on("end", () => (res.statusCode === 200 ? resolve(b) : reject(new Error(b))));
        })
        .on("error", reject);
    });
    expect(body).toMatch(/^caddy_/m);
  });
});
