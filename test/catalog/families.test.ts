import { CATALOG, definitionOf } from "../../catalog";
import { MOSQUITTO_CONF_PATH } from "../../catalog/home";
import { PIHOLE_RECORDS_FILE } from "../../catalog/infra";
import { serviceApps } from "../../catalog/services";
import { parse as parseYaml } from "yaml";
import { COLLABORA_HOOK_PATH } from "../../components/cloudStack";
import { parseSpec } from "../../plan/resolve";
import { hostByName } from "../../config/spec";
import { instanceId } from "../../plan/container";
import { connectionFor } from "../../plan/dataServices";
import { LABELS } from "../../plan/labels";
import { localRecords, localRecordsFile } from "../../plan/pihole";
import { HA_HTTP_SEED, HA_START_SCRIPT } from "../../plan/homeAssistant";
import { homepageRemoteServices } from "../../plan/homepage";
import { appUrl } from "../../plan/proxy/traefik";
import type { RegisteredResource } from "../../scripts/evaluate";
import {
  container,
  containers,
  envOf,
  labelsOf,
  runCached,
  stackConfig,
  writtenContent,
} from "../helpers/harness";

/**
 * What makes each service family work, checked on the stack that enables every profile
 * (one evaluation for the whole file).
 */

const STACK = "good/everything.yaml";
const spec = parseSpec(stackConfig(STACK));
const evaluation = () => runCached(STACK);

interface Volume {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}
interface Port {
  internal: number;
  external: number;
  protocol: string;
  ip?: string;
}
interface Upload {
  file: string;
  content: string;
  permissions?: string;
}

const volumes = (c: RegisteredResource) => (c.inputs.volumes ?? []) as Volume[];
const ports = (c: RegisteredResource) => (c.inputs.ports ?? []) as Port[];
const uploads = (c: RegisteredResource) => (c.inputs.uploads ?? []) as Upload[];
const networks = (c: RegisteredResource) =>
  ((c.inputs.networksAdvanced ?? []) as { name: string }[]).map((n) => n.name).sort();
const exceptions = (c: RegisteredResource): Record<string, string> =>
  JSON.parse(labelsOf(c)[LABELS.exceptions] ?? "{}") as Record<string, string>;
const hostOf = (c: RegisteredResource) => labelsOf(c)[LABELS.host];
const upload = (c: RegisteredResource, path: string) => uploads(c).find((u) => u.file === path);

/** Whether an IPv4 CIDR holds an address. */
function cidrContains(cidr: string, address: string): boolean {
  const toInt = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const [net, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(address) / size) === Math.floor(toInt(net) / size);
}

describe("the stack with every profile", () => {
  it("evaluates without error", async () => {
    const ev = await evaluation();
    expect(ev.error).toBeUndefined();
  });

  it("enables every service app but the documented opt-ins", () => {
    const enabled = new Set(spec.apps.map((a) => a.name));
    const missing = serviceApps.filter((d) => !enabled.has(d.name)).map((d) => d.name);
    // DuckDNS needs homelab:duckdnsToken, a secret key the loader does not know yet.
    expect(missing).toEqual(["duckdns"]);
  });

  it("creates a container for every enabled app", async () => {
    const ev = await evaluation();
    const names = new Set(containers(ev).map((c) => c.name));
    for (const app of spec.apps) {
      expect(names).toContain(`${instanceId(definitionOf(app.name), app)}-container`);
    }
  });
});

describe("cloud", () => {
  it("Collabora is reachable from Nextcloud: same host and network, each pointing at the other's URL", async () => {
    const ev = await evaluation();
    const nextcloud = container(ev, "nextcloud");
    const collabora = container(ev, "collabora");
    const ncApp = spec.apps.find((a) => a.name === "nextcloud");
    const coApp = spec.apps.find((a) => a.name === "collabora");
    if (!ncApp || !coApp) throw new Error("cloud apps missing");
    expect(hostOf(collabora)).toBe(hostOf(nextcloud));
    expect(networks(nextcloud)).toEqual(expect.arrayContaining(networks(collabora)));
    // Collabora lets the Nextcloud it serves open documents (WOPI host allow-list).
    expect(envOf(collabora).aliasgroup1).toBe(appUrl(spec, ncApp));
    // Nextcloud Office is pointed at Collabora on every start.
    const hook = upload(nextcloud, COLLABORA_HOOK_PATH);
    // Nextcloud runs its hooks as www-data: a root-owned 0744 file would stop its start.
    expect(hook?.permissions).toBe("0755");
    expect(hook?.content).toContain(`richdocuments wopi_url --value='${appUrl(spec, coApp)}'`);
    expect(envOf(nextcloud).NEXTCLOUD_TRUSTED_DOMAINS).toBe("nextcloud.home.example.com");
  });

  it("Nextcloud's cron job runs the same installation, once its directory exists", async () => {
    const ev = await evaluation();
    const nextcloud = container(ev, "nextcloud");
    const cron = container(ev, "nextcloud-cron");
    const html = volumes(nextcloud).find((v) => v.containerPath === "/var/www/html");
    expect(volumes(cron)).toContainEqual(
      expect.objectContaining({ hostPath: html?.hostPath, containerPath: "/var/www/html" }),
    );
    expect(cron.inputs.command).toEqual(["/cron.sh"]);
    const dirs = ev.resources.find((r) => r.name === "nextcloud-dirs-mkdir");
    expect(cron.dependencies).toContain(dirs?.urn);
    expect(exceptions(cron).hostAccess).toContain(String(html?.hostPath));
  });

  it("Nextcloud's cron job reads the same runtime configuration as the web server", async () => {
    const ev = await evaluation();
    const web = envOf(container(ev, "nextcloud"));
    const cron = container(ev, "nextcloud-cron");
    // The image's config/redis.config.php and reverse-proxy.config.php build config.php from
    // these env names on every PHP run, cron.php included (nextcloud/docker 33/apache/config):
    // without them background jobs lock through another backend and write links with the
    // wrong base URL.
    const runtime = ["REDIS_HOST", "REDIS_HOST_PASSWORD", "OVERWRITECLIURL", "OVERWRITEPROTOCOL"];
    for (const key of [...runtime, "TRUSTED_PROXIES"]) expect(web[key]).toBeTruthy();
    for (const key of [...runtime, "TRUSTED_PROXIES"]) expect(envOf(cron)[key]).toBe(web[key]);
    expect(cron.dependencies).toContain(container(ev, "nextcloud-redis").urn);
    // The Redis password arrives as a secret, as it does for the web server.
    expect(labelsOf(cron)[LABELS.secretEnv]).toContain("REDIS_HOST_PASSWORD");
  });

  it("Nextcloud and Immich use their caches with generated passwords", async () => {
    const ev = await evaluation();
    const nextcloud = container(ev, "nextcloud");
    const immich = container(ev, "immich-server");
    expect(envOf(nextcloud).REDIS_HOST).toBe("nextcloud-redis");
    expect(envOf(nextcloud).REDIS_HOST_PASSWORD).toMatch(/^mock-/);
    expect(envOf(immich).REDIS_PASSWORD).toMatch(/^mock-/);
    expect(envOf(immich).DB_HOSTNAME).toBe("immich-postgres");
    expect(immich.dependencies).toContain(container(ev, "immich-postgres").urn);
  });

  it("Immich machine learning runs the CUDA image with the GPU device request on the NVIDIA host", async () => {
    const ev = await evaluation();
    const ml = container(ev, "immich-machine-learning");
    expect(hostOf(ml)).toBe("forge");
    expect(hostByName(spec, "forge").gpu).toBe("nvidia");
    const requests = ml.inputs.deviceRequests as { driver: string; capabilities: string[] }[];
    expect(requests).toEqual([expect.objectContaining({ driver: "nvidia" })]);
    expect(requests[0].capabilities).toContain("compute");
    const image = ev.resources.find((r) => r.name === "immich-machine-learning-image");
    expect(String(image?.inputs.name)).toMatch(/immich-machine-learning:v[\d.]+-cuda$/);
  });

  it("the Immich server on the data host reaches machine learning on the GPU host over the LAN", async () => {
    const ev = await evaluation();
    const server = container(ev, "immich-server");
    const ml = container(ev, "immich-machine-learning");
    const forge = hostByName(spec, "forge").address;
    expect(envOf(server).IMMICH_MACHINE_LEARNING_URL).toBe(`http://${forge}:3003`);
    expect(ports(ml)).toContainEqual({
      internal: 3003,
      external: 3003,
      protocol: "tcp",
      ip: forge,
    });
  });

  it("photos and music live on the shared data tree", async () => {
    const ev = await evaluation();
    expect(volumes(container(ev, "immich-server"))).toContainEqual(
      expect.objectContaining({
        hostPath: "/mnt/storage/data/media/photos",
        containerPath: "/data/media/photos",
      }),
    );
    expect(volumes(container(ev, "navidrome"))).toContainEqual(
      expect.objectContaining({
        hostPath: "/mnt/storage/data/media/music",
        containerPath: "/data/media/music",
      }),
    );
  });
});

describe("data services", () => {
  const consumers = spec.apps.filter((a) => connectionFor(a.name) !== undefined);

  it("every database consumer of the stack is enabled here", () => {
    expect(consumers.map((a) => a.name).sort()).toEqual([
      "bookstack",
      "gitea",
      "n8n",
      "nextcloud",
      "outline",
      "wordpress",
    ]);
  });

  it("every consumer has its own database, role and password, created by its own init before it starts", async () => {
    const ev = await evaluation();
    const users = new Set<string>();
    const passwords = new Set<string>();
    for (const app of consumers) {
      const conn = connectionFor(app.name);
      if (!conn) continue;
      const env = Object.values(envOf(container(ev, app.name))).join("\n");
      expect(env).toContain(conn.user);
      users.add(conn.user);
      const init = container(ev, `${app.name}-db-init`);
      expect(hostOf(init)).toBe(app.host);
      expect(String((init.inputs.command as string[])[2])).toContain(conn.database);
      const password = envOf(init).APP_DB_PASSWORD;
      expect(env).toContain(password);
      passwords.add(password);
      // server → init → app
      expect(init.dependencies).toContain(container(ev, `${conn.engine}-${app.host}`).urn);
      expect(container(ev, app.name).dependencies).toContain(init.urn);
    }
    expect(users.size).toBe(consumers.length);
    expect(passwords.size).toBe(consumers.length);
  });

  it("database passwords are secret inputs and declared secret env", async () => {
    const ev = await evaluation();
    for (const app of consumers) {
      const c = container(ev, app.name);
      expect(c.secretPaths).toContain("envs");
      expect(labelsOf(c)["homelab.secretEnv"]).toBeTruthy();
    }
  });

  it("databases and caches sit on the internal network only, unpublished and never routed", async () => {
    const ev = await evaluation();
    const internal = serviceApps.filter((d) => d.internalOnly).map((d) => d.name);
    expect(internal).toEqual(
      expect.arrayContaining([
        "postgres",
        "mariadb",
        "redis",
        "influxdb",
        "meilisearch",
        "immich-postgres",
      ]),
    );
    for (const c of containers(ev).filter((x) => internal.includes(labelsOf(x)[LABELS.app]))) {
      expect(networks(c)).toEqual(["internal"]);
      expect(ports(c)).toEqual([]);
      expect(Object.keys(labelsOf(c)).some((k) => k.startsWith("traefik."))).toBe(false);
      expect(labelsOf(c)[LABELS.database]).toBe("true");
      expect(labelsOf(c)[LABELS.classes].split(",")).toContain("database");
    }
  });

  it("PostgreSQL and MariaDB run exactly on the hosts of their consumers; the single services once", async () => {
    const ev = await evaluation();
    const ids = new Set(containers(ev).map((c) => c.name));
    for (const engine of ["postgres", "mariadb"] as const) {
      const consumerHosts = new Set(
        spec.apps.filter((a) => connectionFor(a.name)?.engine === engine).map((a) => a.host),
      );
      expect(consumerHosts.size).toBeGreaterThan(0);
      for (const host of spec.hosts) {
        const present = ids.has(`${engine}-${host.name}-container`);
        expect([engine, host.name, present]).toEqual([
          engine,
          host.name,
          consumerHosts.has(host.name),
        ]);
      }
    }
    // The GPU box runs no app with a shared database: no idle server there (about 1 GB).
    expect(ids.has("postgres-forge-container")).toBe(false);
    expect(ids.has("mariadb-forge-container")).toBe(false);
    for (const name of ["redis", "influxdb", "meilisearch"])
      expect(container(ev, name)).toBeDefined();
  });

  it("KaraKeep searches through the shared Meilisearch of its host", async () => {
    const ev = await evaluation();
    const karakeep = container(ev, "karakeep");
    expect(envOf(karakeep).MEILI_ADDR).toBe("http://meilisearch:7700");
    expect(envOf(karakeep).MEILI_MASTER_KEY).toMatch(/^mock-/);
    expect(hostOf(container(ev, "meilisearch"))).toBe(hostOf(karakeep));
  });
});

describe("productivity", () => {
  it("Vaultwarden: admin token generated and secret, sign-ups off", async () => {
    const ev = await evaluation();
    const vw = container(ev, "vaultwarden");
    expect(envOf(vw).SIGNUPS_ALLOWED).toBe("false");
    expect(envOf(vw).ADMIN_TOKEN).toMatch(/^mock-/);
    expect(vw.secretPaths).toContain("envs");
    expect(labelsOf(vw)["homelab.secretEnv"].split(",")).toContain("ADMIN_TOKEN");
    expect(envOf(vw).DOMAIN).toBe("https://vault.home.example.com");
  });

  it("Outline gets a 32-byte hex secret key and its own Redis", async () => {
    const ev = await evaluation();
    const env = envOf(container(ev, "outline"));
    expect(env.SECRET_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(env.REDIS_URL).toMatch(/^redis:\/\/:mock-\w+@outline-redis:6379$/);
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/outline:mock-\w+@postgres:5432\/outline$/);
  });

  it("n8n keeps webhooks reachable while the editor needs two factors", () => {
    const route = definitionOf("n8n").route;
    expect(route?.auth).toBe("two_factor");
    expect(route?.bypassPaths).toContain("^/webhook/");
  });
});

describe("home", () => {
  it("Home Assistant runs on the host network as a declared exception", async () => {
    const ev = await evaluation();
    const ha = container(ev, "homeassistant");
    expect(ha.inputs.networkMode).toBe("host");
    expect(exceptions(ha).hostNetwork).toMatch(/mDNS/);
  });

  it("Home Assistant on another host trusts the proxy's connections from the edge (no 400 for forwarded requests)", async () => {
    const ev = await evaluation();
    const ha = container(ev, "homeassistant");
    // Its `http` integration answers 400 to a request carrying X-Forwarded-For unless
    // use_x_forwarded_for is on and the peer is a trusted proxy (http/forwarded.py). Traefik
    // on the edge reaches this host over the LAN, masqueraded to the edge's address.
    const http = parseYaml(upload(ha, HA_HTTP_SEED)?.content ?? "") as {
      use_x_forwarded_for?: boolean;
      trusted_proxies?: string[];
    };
    expect(http.use_x_forwarded_for).toBe(true);
    const edge = hostByName(spec, "gateway");
    expect(edge.edge).toBe(true);
    expect(http.trusted_proxies?.some((net) => cidrContains(net, edge.address))).toBe(true);
    // The settings reach configuration.yaml through a script s6-overlay runs before Home
    // Assistant starts: executable, as cont-init runs each file itself.
    expect(HA_START_SCRIPT.startsWith("/etc/cont-init.d/")).toBe(true);
    expect(upload(ha, HA_START_SCRIPT)?.content).toContain(`cp '${HA_HTTP_SEED}'`);
    expect(upload(ha, HA_START_SCRIPT)?.permissions).toBe("0755");
  });

  it("Mosquitto requires a password built from a generated secret and serves the internal network", async () => {
    const ev = await evaluation();
    const broker = container(ev, "mosquitto");
    expect(networks(broker)).toContain("internal");
    expect(upload(broker, MOSQUITTO_CONF_PATH)?.content).toContain("allow_anonymous false");
    expect(upload(broker, "/run/secrets/password")?.content).toMatch(/^mock-/);
    expect(String((broker.inputs.command as string[])[2])).toContain("mosquitto_passwd -U");
    expect(networks(container(ev, "nodered"))).toContain("internal");
    expect(hostOf(container(ev, "nodered"))).toBe(hostOf(broker));
  });
});

describe("games", () => {
  it("TeamSpeak and CS2 publish their UDP/TCP ports, on the games class (NVMe)", async () => {
    const ev = await evaluation();
    const ts = container(ev, "teamspeak");
    const cs2 = container(ev, "cs2");
    expect(ports(ts)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ external: 9987, protocol: "udp" }),
        expect.objectContaining({ external: 30033, protocol: "tcp" }),
      ]),
    );
    expect(ports(cs2)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ external: 27015, protocol: "udp" }),
        expect.objectContaining({ external: 27015, protocol: "tcp" }),
        expect.objectContaining({ external: 27020, protocol: "udp" }),
      ]),
    );
    for (const c of [ts, cs2]) {
      expect(labelsOf(c)[LABELS.classes]).toBe("games");
      expect(volumes(c).every((v) => v.hostPath.startsWith("/mnt/nvme/games/"))).toBe(true);
    }
    for (const def of [definitionOf("teamspeak"), definitionOf("cs2")]) {
      for (const p of def.ports ?? []) expect(p.reason).toBeTruthy();
    }
  });
});

describe("infra and security", () => {
  it("Pi-hole publishes DNS and has one local record per routed app, pointing at the edge", async () => {
    const ev = await evaluation();
    const pihole = container(ev, "pihole");
    expect(ports(pihole)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ external: 53, protocol: "udp" }),
        expect.objectContaining({ external: 53, protocol: "tcp" }),
      ]),
    );
    const routed = spec.apps.filter((a) => {
      const d = CATALOG.get(a.name);
      return d?.route !== undefined && !d.perHost;
    });
    const records = localRecords(spec);
    expect(records.map((r) => r.app).sort()).toEqual(routed.map((a) => a.name).sort());
    expect(new Set(records.map((r) => r.address))).toEqual(new Set(["10.0.10.2"]));
    // The file on the host, in the directory dnsmasq watches.
    const file = ev.resources.find((r) => r.name === "pihole-homelab-hosts-write");
    if (!file) throw new Error("no records file");
    expect(String(file.inputs.create)).toContain(
      `/srv/ssd/config/pihole/hosts/${PIHOLE_RECORDS_FILE}`,
    );
    const content = writtenContent(file);
    expect(content).toBe(localRecordsFile(spec));
    expect(content).toContain("10.0.10.2 nextcloud.home.example.com");
    expect(content.split("\n").filter((l) => /^\d/.test(l))).toHaveLength(routed.length);
  });

  it("Homepage discovers edge apps by label and lists the others from a generated file", async () => {
    const ev = await evaluation();
    const homepage = container(ev, "homepage");
    expect(networks(homepage)).toContain("socket-proxy");
    expect(upload(homepage, "/app/config/docker.yaml")?.content).toContain("socket-proxy");
    const pihole = labelsOf(container(ev, "pihole"));
    expect(pihole["homepage.group"]).toBe("Infrastructure");
    expect(pihole["homepage.href"]).toBe("https://pihole.home.example.com");
    const file = ev.resources.find((r) => r.name === "homepage-services-yaml-write");
    if (!file) throw new Error("no services file");
    const services = writtenContent(file);
    expect(services).toBe(homepageRemoteServices(spec));
    expect(services).toContain("https://photos.home.example.com");
    expect(services).not.toContain("pihole");
  });

  it("Dozzle reads logs through the socket proxy, never the socket", async () => {
    const ev = await evaluation();
    const dozzle = container(ev, "dozzle");
    expect(envOf(dozzle).DOCKER_HOST).toBe("tcp://socket-proxy:2375");
    expect(networks(dozzle)).toContain("socket-proxy");
    expect(volumes(dozzle)).toEqual([]);
  });

  it("Sablier marks the idle-able apps and talks to Docker through the socket proxy", async () => {
    const ev = await evaluation();
    for (const name of ["bookstack", "heimdall", "jupyter", "mlflow", "organizr", "wordpress"]) {
      if (!spec.apps.some((a) => a.name === name)) continue;
      expect(labelsOf(container(ev, name))["sablier.group"]).toBe(name);
    }
    const sablier = container(ev, "sablier");
    expect(envOf(sablier).DOCKER_HOST).toBe("tcp://socket-proxy:2375");
    expect(networks(sablier)).toEqual(["proxy", "socket-proxy"]);
    expect(volumes(sablier)).toEqual([]);
  });

  it("WireGuard publishes 51820/udp and adds NET_ADMIN and NET_RAW (iptables-legacy) beyond root's file access, with reasons", async () => {
    const ev = await evaluation();
    const wg = container(ev, "wg-easy");
    expect(ports(wg)).toContainEqual(expect.objectContaining({ external: 51820, protocol: "udp" }));
    expect((wg.inputs.capabilities as { adds: string[] }).adds).toEqual([
      "CAP_CHOWN",
      "CAP_DAC_OVERRIDE",
      "CAP_FOWNER",
      "CAP_NET_ADMIN",
      "CAP_NET_RAW",
    ]);
    expect(exceptions(wg).capAdd).toMatch(
      /^NET_ADMIN,NET_RAW: .+raw socket.+; CHOWN,DAC_OVERRIDE,FOWNER: runs as root/,
    );
  });

  it("CrowdSec and Fail2ban read Traefik's access log read-only on the logs class", async () => {
    const ev = await evaluation();
    const traefikLogs = volumes(container(ev, "traefik")).find(
      (v) => v.containerPath === "/var/log/traefik",
    );
    for (const name of ["crowdsec", "fail2ban"]) {
      const c = container(ev, name);
      expect(volumes(c)).toContainEqual(
        expect.objectContaining({
          hostPath: traefikLogs?.hostPath,
          containerPath: "/var/log/traefik",
          readOnly: true,
        }),
      );
      expect(labelsOf(c)[LABELS.classes].split(",")).toContain("logs");
    }
    expect(
      upload(container(ev, "crowdsec"), "/etc/crowdsec/acquis.d/homelab.yaml")?.content,
    ).toContain("docker_host: tcp://socket-proxy:2375");
  });

  it("Backrest opens the local repository of its host's backup job", async () => {
    const ev = await evaluation();
    const backrest = container(ev, "backrest");
    const repo = volumes(container(ev, `backup-${hostOf(backrest)}`)).find(
      (v) => v.containerPath === "/repo",
    );
    expect(volumes(backrest)).toContainEqual(
      expect.objectContaining({ hostPath: repo?.hostPath, containerPath: "/repos/local" }),
    );
  });
});
