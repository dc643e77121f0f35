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

suite("CrowdSec's LAPI with the bouncer key registered as the image does", () => {
  const work = mkdtempSync(join(tmpdir(), "crowdsec-lab-"));
  const config = join(work, "config.yaml");
  const key = generatedKey();
  let lapi: ChildProcess | undefined;
  let agentHost = "";

  const cscli = (...args: string[]) => {
    const r = spawnSync("cscli", ["-c", config, ...args], { encoding: "utf8", timeout: 60000 });
    if (r.status !== 0) throw new Error(`cscli ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const register = (env: Record<string, string>) =>
    spawnSync("bash", ["-c", ENTRYPOINT_REGISTRATION], {
      env: { PATH: process.env.PATH ?? "", LAB_CONFIG: config, ...env },
      encoding: "utf8",
      timeout: 60000,
    });

  beforeAll(async () => {
    const port = await freePort();
    agentHost = `127.0.0.1:${port}`;
    for (const d of ["etc", "data", "hub"]) mkdirSync(join(work, d));
    writeFileSync(join(work, "hub", ".index.json"), "{}");
    writeFileSync(join(work, "etc", "simulation.yaml"), "simulation: false\n");
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
    // The entrypoint registers bouncers before it starts the LAPI, against the same database.
    const first = register({ [CROWDSEC_BOUNCER_KEY_ENV]: key });
    expect(first.stdout).toContain("Registered bouncer for edge");
    lapi = spawn("crowdsec", ["-c", config, "-no-cs"], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, "127.0.0.1", () => (s.end(), resolve(true)));
        s.on("error", () => resolve(false));
      });
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
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
