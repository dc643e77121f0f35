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
 * What cannot run here: the bouncer itself (a Go binary in a distroless image; no Docker
 * engine and no Go toolchain in this lab), so the 403 a client sees from the proxy is not
 * tested end to end. Debian ships CrowdSec 1.4.6, the image runs 1.6.11: the LAPI route,
 * its `type`/`ip` filters, the X-Api-Key check and `cscli bouncers add -k` are in both.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { definitionOf } from "../../catalog";
import { crowdsecLanWhitelist } from "../../plan/proxy/crowdsec";
import { domainSpec } from "./fixture";
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

const missing = ensureCrowdsec();
if (missing) console.warn(`SKIPPED test/proxy/crowdsec.lab.test.ts: ${missing}`);
const suite = missing ? describe.skip : describe;

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
