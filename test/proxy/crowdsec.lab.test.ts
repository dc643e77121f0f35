/**
 * The bouncer's key and query against a real CrowdSec Local API (Debian's `crowdsec`):
 *
 * 1. The key is generated as the catalog declares it and registered the way the image's
 *    entrypoint does at every start: the loop over BOUNCER_KEY_* env and `register_bouncer`,
 *    copied below from crowdsecurity/crowdsec docker/docker_start.sh@v1.6.11 (lines 138-146
 *    and 441-448), run by bash with the catalog's env name.
 * 2. The request the bouncer makes on every forward-auth call, as
 *    fbonalair/traefik-crowdsec-bouncer controler/controler.go@v0.5.0 builds it:
 *    `GET http://<CROWDSEC_AGENT_HOST>/v1/decisions?type=ban&ip=<ip>` with `X-Api-Key`. The
 *    bouncer allows only when the body is exactly `null`; a 403, a body it cannot parse as
 *    decisions, or any decision (`len(decisions) < 0` is never true) is answered 403, and so
 *    is an error reaching the LAPI (it fails closed).
 *
 * 3. The generated LAN whitelist (plan/proxy/crowdsec.ts) in a real CrowdSec agent replaying a
 *    log: a lab-only parser reads `client=<ip>` lines and a lab-only scenario bans on one line;
 *    the owner's LAN and Docker addresses are not banned, a public one is, and without the
 *    whitelist the LAN address is.
 *
 * 4. A real Caddy (Debian's, 2.6) running the generated Caddyfile of a localhost stack with
 *    CrowdSec: its `crowdsec` forward_auth calls a stand-in for the bouncer that does what
 *    the bouncer does (ported from controler.go and gin's ClientIP, see standInBouncer)
 *    against the real LAPI: a banned client gets 403 and the app never sees it.
 *
 * What cannot run here: the bouncer itself (a Go binary in a distroless image; no Docker
 * engine and no Go toolchain in this lab), hence the stand-in in 4. Debian ships CrowdSec
 * 1.4.6, the image runs 1.6.11: the LAPI route, its `type`/`ip` filters, the X-Api-Key check,
 * `cscli bouncers add -k` and local whitelist parsers are in both.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { definitionOf } from "../../catalog";
import { caddyfile } from "../../plan/proxy/caddy";
import { bouncerTrustedProxies, crowdsecLanWhitelist } from "../../plan/proxy/crowdsec";
import { app, def, domainSpec, localhostSpec, withApp } from "./fixture";
import { CROWDSEC_BOUNCER_KEY_ENV } from "../../catalog/security";

/** The entrypoint's own shell, verbatim but for `cscli`, which reads the lab's config file. */
const ENTRYPOINT_REGISTRATION = String.raw`
cscli() { command cscli -c "$LAB_CONFIG" "$@"; }

register_bouncer() {
  if ! cscli bouncers list -o json | sed '/^ *"name"/!d;s/^ *"name": "\(.*\)",/\1/' | grep -q "^${1}$"; then
      if cscli bouncers add "$1" -k "$2" > /dev/null; then
          echo "Registered bouncer for $1"
      else
          echo "Failed to register bouncer for $1"
      fi
  fi
}

## Register bouncers via env
for BOUNCER in $(compgen -A variable | grep -i BOUNCER_KEY); do
    KEY=$(printf '%s' "${"$"}{!BOUNCER}")
    NAME=$(printf '%s' "$BOUNCER" | cut -d_  -f3-)
    if [[ -n $KEY ]] && [[ -n $NAME ]]; then
        register_bouncer "$NAME" "$KEY"
    fi
done
`;

const BANNED = "203.0.113.7";
const UNBANNED = "198.51.100.9";

const installed = (): boolean =>
  ["crowdsec", "cscli"].every(
    (b) => spawnSync(b, ["-h"], { encoding: "utf8" }).error === undefined,
  );

/** Installs Debian's package when missing (root only); its post-install step may fail offline, the binaries stay. */
function ensureCrowdsec(): string | undefined {
  if (installed()) return undefined;
  if (process.getuid?.() === 0)
    spawnSync("apt-get", ["install", "-y", "crowdsec"], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      encoding: "utf8",
      timeout: 240000,
    });
  return installed() ? undefined : "Debian's crowdsec package cannot be installed here";
}

// scripts/lab.sh installs the package; like every lab suite, this one fails when it is missing.
const missing = ensureCrowdsec();
const suite = describe;
test("Debian's crowdsec and cscli are installed", () => expect(missing).toBeUndefined());

/** The generated key: the catalog's secret for the bouncer, drawn as RandomPassword would (letters and digits). */
function generatedKey(): string {
  const secret = definitionOf("crowdsec").secrets?.find((s) => s.env === CROWDSEC_BOUNCER_KEY_ENV);
  if (!secret?.alphanumeric) throw new Error("the bouncer key is an alphanumeric generated secret");
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from({ length: secret.length }, () => alphabet[randomInt(alphabet.length)]).join("");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** The bouncer's request (controler.go isIpAuthorized), sent to the lab's LAPI. */
function bouncerQuery(
  agentHost: string,
  key: string,
  ip: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `http://${agentHost}/v1/decisions?type=ban&ip=${ip}`,
      { headers: { "X-Api-Key": key } },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
  });
}

/** What the bouncer answers the proxy for a LAPI reply (controler.go ForwardAuth). */
function bouncerVerdict(reply: { status: number; body: string }): 200 | 403 {
  if (reply.status === 403) return 403;
  if (reply.body === "null") return 200;
  const decisions: unknown = JSON.parse(reply.body);
  if (!Array.isArray(decisions)) throw new Error(`not decisions: ${reply.body}`);
  return 403;
}

/** A CrowdSec of its own in `work`: config, database, profile, LAPI on `agentHost`; no hub, no Central API. */
function writeLabConfig(work: string, agentHost: string): string {
  const config = join(work, "config.yaml");
  for (const d of ["etc", "data", "hub"]) mkdirSync(join(work, d), { recursive: true });
  // An empty hub index: local items (plain files under etc/) are all that is loaded.
  writeFileSync(
    join(work, "hub", ".index.json"),
    JSON.stringify({ parsers: {}, scenarios: {}, postoverflows: {}, collections: {} }),
  );
  writeFileSync(join(work, "etc", "simulation.yaml"), "simulation: false\n");
  writeFileSync(join(work, "none.log"), "");
  writeFileSync(
    join(work, "etc", "acquis.yaml"),
    `filenames:\n  - ${work}/none.log\nlabels:\n  type: lab\n`,
  );
  // The image's default profile: remediate every alert on an address with a 4h ban.
  writeFileSync(
    join(work, "etc", "profiles.yaml"),
    [
      "name: default_ip_remediation",
      "filters:",
      ' - Alert.Remediation == true && Alert.GetScope() == "Ip"',
      "decisions:",
      " - type: ban",
      "   duration: 4h",
      "on_success: break",
      "",
    ].join("\n"),
  );
  writeFileSync(
    config,
    [
      "common:",
      "  daemonize: false",
      "  log_media: stdout",
      "  log_level: info",
      "config_paths:",
      `  config_dir: ${work}/etc/`,
      `  data_dir: ${work}/data/`,
      `  simulation_path: ${work}/etc/simulation.yaml`,
      `  hub_dir: ${work}/hub/`,
      `  index_path: ${work}/hub/.index.json`,
      `  notification_dir: ${work}/etc/notifications/`,
      "  plugin_dir: /usr/lib/crowdsec/plugins/",
      "crowdsec_service:",
      `  acquisition_path: ${work}/etc/acquis.yaml`,
      "  parser_routines: 1",
      "db_config:",
      "  type: sqlite",
      `  db_path: ${work}/data/crowdsec.db`,
      "api:",
      "  client:",
      `    credentials_path: ${work}/etc/local_api_credentials.yaml`,
      "  server:",
      `    listen_uri: ${agentHost}`,
      `    profiles_path: ${work}/etc/profiles.yaml`,
      "prometheus:",
      "  enabled: false",
      "",
    ].join("\n"),
  );
  return config;
}

function cscliWith(config: string) {
  return (...args: string[]): string => {
    const r = spawnSync("cscli", ["-c", config, ...args], { encoding: "utf8", timeout: 60000 });
    if (r.status !== 0) throw new Error(`cscli ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
}

/** Starts the LAPI only (`-no-cs`) and waits until it accepts connections. */
async function startLapi(config: string, port: number): Promise<ChildProcess> {
  const lapi = spawn("crowdsec", ["-c", config, "-no-cs"], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => (s.end(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (up) return lapi;
    await new Promise((r) => setTimeout(r, 100));
  }
  lapi.kill();
  throw new Error("CrowdSec's LAPI did not start");
}

suite("CrowdSec's LAPI with the bouncer key registered as the image does", () => {
  const work = mkdtempSync(join(tmpdir(), "crowdsec-lab-"));
  const key = generatedKey();
  let config = "";
  let lapi: ChildProcess | undefined;
  let agentHost = "";
  const cscli = (...args: string[]) => cscliWith(config)(...args);
  const register = (env: Record<string, string>) =>
    spawnSync("bash", ["-c", ENTRYPOINT_REGISTRATION], {
      env: { PATH: process.env.PATH ?? "", LAB_CONFIG: config, ...env },
      encoding: "utf8",
      timeout: 60000,
    });

  beforeAll(async () => {
    const port = await freePort();
    agentHost = `127.0.0.1:${port}`;
    config = writeLabConfig(work, agentHost);
    // The entrypoint registers bouncers before it starts the LAPI, against the same database.
    const first = register({ [CROWDSEC_BOUNCER_KEY_ENV]: key });
    expect(first.stdout).toContain("Registered bouncer for edge");
    lapi = await startLapi(config, port);
    cscli("machines", "add", "lab", "--auto");
    cscli("decisions", "add", "--ip", BANNED, "--reason", "lab ban");
  });

  afterAll(() => {
    lapi?.kill();
    rmSync(work, { recursive: true, force: true });
  });

  it("registers the bouncer under the name after BOUNCER_KEY_, once across restarts", () => {
    const again = register({ [CROWDSEC_BOUNCER_KEY_ENV]: key });
    expect(again.status).toBe(0);
    expect(again.stdout).not.toContain("Registered");
    const bouncers = JSON.parse(cscli("bouncers", "list", "-o", "json")) as { name: string }[];
    expect(bouncers.map((b) => b.name)).toEqual(["edge"]);
  });

  it("answers the bouncer's query for a banned address with its ban: the bouncer says 403", async () => {
    const reply = await bouncerQuery(agentHost, key, BANNED);
    expect(reply.status).toBe(200);
    const decisions = JSON.parse(reply.body) as { value: string; type: string; scope: string }[];
    expect(decisions).toEqual([
      expect.objectContaining({ value: BANNED, type: "ban", scope: "Ip" }),
    ]);
    expect(bouncerVerdict(reply)).toBe(403);
  });

  it("answers exactly null for an address without a ban: the bouncer lets it through", async () => {
    const reply = await bouncerQuery(agentHost, key, UNBANNED);
    expect(reply).toEqual({ status: 200, body: "null" });
    expect(bouncerVerdict(reply)).toBe(200);
  });

  it("refuses another key with 403, which the bouncer turns into 403 for everyone", async () => {
    const reply = await bouncerQuery(agentHost, generatedKey(), UNBANNED);
    expect(reply.status).toBe(403);
    expect(bouncerVerdict(reply)).toBe(403);
  });

  it("lifts the ban when the decision is deleted", async () => {
    cscli("decisions", "delete", "--ip", BANNED);
    expect(await bouncerQuery(agentHost, key, BANNED)).toEqual({ status: 200, body: "null" });
  });

  it("cannot be reached once stopped: the bouncer's query fails (and it answers 403)", async () => {
    lapi?.kill();
    await new Promise((r) => lapi?.once("exit", r));
    await expect(bouncerQuery(agentHost, key, UNBANNED)).rejects.toThrow(/ECONNREFUSED/);
  });
});

suite("the generated LAN whitelist in a real CrowdSec agent", () => {
  const work = mkdtempSync(join(tmpdir(), "crowdsec-wl-lab-"));
  const spec = domainSpec();
  const LAN = "10.0.10.7"; // in the fixture's homelab:lanCidrs
  const DOCKER = "172.18.0.5";
  const PUBLIC = "203.0.113.50";
  let config = "";
  let lapi: ChildProcess | undefined;

  /** Replays `client=<ip>` lines through the agent (`-dsn`, `-no-api`) and returns the banned addresses. */
  function replay(ips: readonly string[]): string[] {
    const log = join(work, `replay-${ips.join("_")}.log`);
    writeFileSync(log, ips.map((ip) => `client=${ip}\n`).join(""));
    const r = spawnSync(
      "crowdsec",
      ["-c", config, "-dsn", `file://${log}`, "-type", "lab", "-no-api"],
      { encoding: "utf8", timeout: 120000 },
    );
    if (r.status !== 0) throw new Error(`crowdsec replay: ${r.stderr}`);
    const decisions = JSON.parse(cscliWith(config)("decisions", "list", "-o", "json")) as
      { decisions: { value: string }[] }[] | null;
    return (decisions ?? []).flatMap((a) => a.decisions.map((d) => d.value)).sort();
  }

  beforeAll(async () => {
    const port = await freePort();
    config = writeLabConfig(work, `127.0.0.1:${port}`);
    mkdirSync(join(work, "etc", "parsers", "s00-raw"), { recursive: true });
    mkdirSync(join(work, "etc", "parsers", "s02-enrich"), { recursive: true });
    mkdirSync(join(work, "etc", "scenarios"), { recursive: true });
    // Grok patterns as the package installs them (the %{IP} of the lab parser).
    spawnSync("cp", ["-r", "/etc/crowdsec/patterns", join(work, "etc", "patterns")]);
    writeFileSync(
      join(work, "etc", "parsers", "s00-raw", "lab.yaml"),
      [
        "name: lab/raw",
        'description: lab lines "client=<ip>"',
        "filter: \"evt.Line.Labels.type == 'lab'\"",
        "onsuccess: next_stage",
        "grok:",
        '  pattern: "client=%{IP:source_ip}"',
        "  apply_on: Line.Raw",
        "statics:",
        "  - meta: source_ip",
        "    expression: evt.Parsed.source_ip",
        "  - meta: log_type",
        "    value: lab",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(work, "etc", "scenarios", "lab.yaml"),
      [
        "type: trigger",
        "name: lab/any-line",
        "description: one line is enough",
        "filter: \"evt.Meta.log_type == 'lab'\"",
        "groupby: evt.Meta.source_ip",
        "blackhole: 1m",
        "labels:",
        "  remediation: true",
        "",
      ].join("\n"),
    );
    lapi = await startLapi(config, port);
    cscliWith(config)("machines", "add", "lab", "--auto");
  });

  afterAll(() => {
    lapi?.kill();
    rmSync(work, { recursive: true, force: true });
  });

  it("without the whitelist, the lab scenario bans any address, the LAN's too", () => {
    expect(replay(["10.0.10.8"])).toEqual(["10.0.10.8"]);
  });

  it("with it, the owner's LAN and Docker's addresses are never banned, a public one is", () => {
    writeFileSync(
      join(work, "etc", "parsers", "s02-enrich", "homelab-lan.yaml"),
      crowdsecLanWhitelist(spec),
    );
    expect(replay([LAN, DOCKER, "127.0.0.1", PUBLIC])).toEqual(["10.0.10.8", PUBLIC].sort());
  });
});

// ---------------------------------------------------------------------------------------
// The generated Caddyfile in a real Caddy, its bouncer call answered from the real LAPI.

/**
 * A stand-in for the bouncer, which cannot run here: a port of controler.go ForwardAuth and
 * gin v1.7.7's ClientIP. When the peer is a trusted proxy, X-Forwarded-For is read from the
 * right and the first untrusted address (or the left-most) is the client; the LAPI is asked
 * with the bouncer's query and its verdict; an error reaching the LAPI is a 403.
 */
function standInBouncer(trusted: readonly string[], agentHost: string, key: string): http.Server {
  const list = new net.BlockList();
  for (const cidr of trusted) {
    const [addr, bits] = cidr.split("/");
    list.addSubnet(addr, Number(bits), addr.includes(":") ? "ipv6" : "ipv4");
  }
  const isTrusted = (ip: string) => list.check(ip, ip.includes(":") ? "ipv6" : "ipv4");
  const clientIp = (req: http.IncomingMessage): string => {
    const peer = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    const header = String(req.headers["x-forwarded-for"] ?? "");
    if (!isTrusted(peer) || header === "") return peer;
    const items = header.split(",").map((s) => s.trim());
    for (let i = items.length - 1; i >= 0; i--)
      if (i === 0 || !isTrusted(items[i])) return items[i];
    return peer;
  };
  return http.createServer((req, res) => {
    if (req.method !== "GET" || !req.url?.startsWith("/api/v1/forwardAuth")) {
      res.writeHead(404).end();
      return;
    }
    bouncerQuery(agentHost, key, clientIp(req))
      .then((reply) => bouncerVerdict(reply))
      .catch(() => 403 as const)
      .then((status) => res.writeHead(status).end(status === 403 ? "Forbidden" : ""));
  });
}

describe("a real Caddy with the generated Caddyfile: a banned client gets 403", () => {
  const work = mkdtempSync(join(tmpdir(), "crowdsec-caddy-lab-"));
  const key = generatedKey();
  const BANNED_CLIENT = "127.0.0.2";
  const OTHER_CLIENT = "127.0.0.3";
  const reached: string[] = [];
  const servers: http.Server[] = [];
  let lapi: ChildProcess | undefined;
  let caddy: ChildProcess | undefined;
  let httpPort = 0;
  let config = "";

  const listen = (server: http.Server): Promise<number> => {
    servers.push(server);
    return new Promise((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
    );
  };
  const get = (from: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get(
        {
          host: "127.0.0.1",
          port: httpPort,
          path: "/",
          localAddress: from,
          headers: { Host: "whoami.localhost", ...headers },
        },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
    });

  beforeAll(async () => {
    const lapiPort = await freePort();
    const agentHost = `127.0.0.1:${lapiPort}`;
    config = writeLabConfig(join(work, "crowdsec"), agentHost);
    const registered = spawnSync("bash", ["-c", ENTRYPOINT_REGISTRATION], {
      env: { PATH: process.env.PATH ?? "", LAB_CONFIG: config, [CROWDSEC_BOUNCER_KEY_ENV]: key },
      encoding: "utf8",
    });
    expect(registered.stdout).toContain("Registered bouncer for edge");
    lapi = await startLapi(config, lapiPort);
    cscliWith(config)("machines", "add", "lab", "--auto");
    cscliWith(config)("decisions", "add", "--ip", BANNED_CLIENT, "--reason", "lab ban");

    const base = localhostSpec({ proxy: "caddy" });
    const spec = withApp(
      withApp(
        withApp(
          { ...base, apps: base.apps.filter((a) => a.name === "whoami") },
          app("caddy", "local"),
        ),
        app("crowdsec", "local"),
      ),
      app("crowdsec-bouncer", "local"),
    );
    // 127.0.0.1 stands for the Docker network address Caddy calls the bouncer from.
    const bouncerPort = await listen(
      standInBouncer([...bouncerTrustedProxies(spec), "127.0.0.1/32"], agentHost, key),
    );
    const appPort = await listen(
      http.createServer((req, res) => {
        reached.push(String(req.headers["x-forwarded-for"]));
        res.writeHead(200).end("app");
      }),
    );
    httpPort = await freePort();
    const metricsPort = await freePort();
    const edits: [string, string][] = [
      ["\tadmin off\n", `\tadmin off\n\thttp_port ${httpPort}\n`],
      ["http://:8082 {", `http://:${metricsPort} {`],
      ["http://crowdsec-bouncer:8080", `http://127.0.0.1:${bouncerPort}`],
      ["http://whoami:8080", `http://127.0.0.1:${appPort}`],
    ];
    let text = caddyfile(spec, def);
    for (const [from, to] of edits) {
      if (text.split(from).length !== 2) throw new Error(`expected one ${from}`);
      text = text.replace(from, to);
    }
    const file = join(work, "Caddyfile");
    writeFileSync(file, text);
    const env = { ...process.env, HOME: work, XDG_DATA_HOME: work, XDG_CONFIG_HOME: work };
    let log = "";
    caddy = spawn("caddy", ["run", "--config", file, "--adapter", "caddyfile"], { env });
    caddy.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 30000;
    for (;;) {
      const ok = await get(OTHER_CLIENT)
        .then(() => true)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline || caddy.exitCode !== null)
        throw new Error(`caddy did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    reached.length = 0;
  });

  afterAll(async () => {
    caddy?.kill();
    lapi?.kill();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(work, { recursive: true, force: true });
  });

  it("answers a banned client 403 Forbidden and never calls the app", async () => {
    expect(await get(BANNED_CLIENT)).toEqual({ status: 403, body: "Forbidden" });
    expect(reached).toEqual([]);
  });

  it("passes a client without a ban through to the app", async () => {
    expect(await get(OTHER_CLIENT)).toEqual({ status: 200, body: "app" });
    expect(reached).toEqual([OTHER_CLIENT]);
  });

  it("does not let a banned client name another address in X-Forwarded-For", async () => {
    const spoofed = await get(BANNED_CLIENT, { "X-Forwarded-For": OTHER_CLIENT });
    expect(spoofed.status).toBe(403);
  });

  it("lets the client in once the decision is deleted", async () => {
    cscliWith(config)("decisions", "delete", "--ip", BANNED_CLIENT);
    expect((await get(BANNED_CLIENT)).status).toBe(200);
  });

  it("fails closed while CrowdSec is down: 403 for everyone", async () => {
    lapi?.kill();
    await new Promise((r) => lapi?.once("exit", r));
    expect((await get(OTHER_CLIENT)).status).toBe(403);
  });
});
