/**
 * What the program does with hostile or careless input that it makes safe instead of
 * refusing (refusals are the `test/fixtures/bad/hostile-*.yaml` fixtures, checked in
 * config.test.ts): an edge with no way around SSO, no socket outside the socket proxy, no
 * secret on a command line, pinned SSH host keys, defaults that fit a small stack.
 */
import * as random from "@pulumi/random";
import { parse } from "yaml";
import { ConfigError } from "../config/errors";
import { parseSpec } from "../plan/resolve";
import { evaluate, type Evaluation, type RegisteredResource } from "../scripts/evaluate";
import {
  container,
  containers,
  envOf,
  goodStacks,
  labelsOf,
  ofType,
  run,
  runCached,
  stackConfig,
  withConfig,
  hostFileContent,
} from "./helpers/harness";

const PROXIED = "good/proxied-ddns-vpn.yaml";
const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";

function record(ev: Evaluation, app: string): RegisteredResource {
  const found = ofType(ev, DNS_RECORD).find((r) => r.name === `core-dns-${app}`);
  if (!found) throw new Error(`no DNS record for ${app}`);
  return found;
}

describe("nothing registered means nothing registered", () => {
  it("the recorder sees a resource registered before a failure (so a zero is meaningful)", async () => {
    const ev = await evaluate(stackConfig("dev"), () => {
      new random.RandomString("before-the-error", { length: 8 });
      throw new Error("late failure");
    });
    expect(ev.error?.message).toBe("late failure");
    expect(ev.resources.map((r) => r.name)).toEqual(["before-the-error"]);
  });

  it("a value that only the backup generator would refuse fails before any resource", async () => {
    const ev = await run(
      withConfig(stackConfig("dev"), (c) => {
        c["homelab:backup"] = { schedule: "30 3 * * * /bin/sh -c id" };
      }),
    );
    expect(ev.error).toBeInstanceOf(ConfigError);
    expect((ev.error as ConfigError).issues.map((i) => i.key)).toEqual(["homelab:backup.schedule"]);
    expect(ev.resources).toHaveLength(0);
  });
});

describe("secrets set without --secret", () => {
  it("name the key and the command that fixes it", () => {
    const stack = stackConfig("prod");
    let error: unknown;
    try {
      parseSpec({
        ...stack,
        secretKeys: stack.secretKeys.filter((k) => k !== "homelab:vpnPrivateKey"),
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issue = (error as ConfigError).issues.find((i) => i.key === "homelab:vpnPrivateKey");
    expect(issue?.message).toContain("pulumi config set --secret homelab:vpnPrivateKey");
    expect((error as ConfigError).issues).toHaveLength(1);
  });
});

describe("env overrides", () => {
  it("still tune what the program does not manage", async () => {
    const ev = await run(
      withConfig(stackConfig("dev"), (c) => {
        c["homelab:apps"] = { whoami: { env: { WHOAMI_NAME: "lab" } } };
      }),
    );
    expect(ev.error).toBeUndefined();
    expect(envOf(container(ev, "whoami")).WHOAMI_NAME).toBe("lab");
  });
});

describe("behind Cloudflare's proxy", () => {
  let ev: Evaluation;
  beforeAll(async () => {
    ev = await runCached(PROXIED);
    expect(ev.error).toBeUndefined();
  });

  it("strips client forwarding headers before forward-auth", () => {
    const doc = parse(hostFileContent(ev, "core-middlewares")) as {
      http: { middlewares: Record<string, { headers?: { customRequestHeaders?: unknown } }> };
    };
    expect(doc.http.middlewares["strip-forwarded"].headers?.customRequestHeaders).toEqual({
      "X-Forwarded-Host": "",
      "X-Forwarded-Uri": "",
      "X-Forwarded-Method": "",
      "X-Original-Url": "",
      "X-Original-Method": "",
      "X-Forwarded-Proto": "https",
      "X-Forwarded-Port": "443",
    });
    expect(labelsOf(container(ev, "sonarr"))["traefik.http.routers.sonarr.middlewares"]).toBe(
      "security-headers@file,strip-forwarded@file,authelia@file",
    );
    // The portal and apps with their own login have no forward-auth, so nothing to strip.
    expect(labelsOf(container(ev, "authelia"))["traefik.http.routers.authelia.middlewares"]).toBe(
      "security-headers@file,sso-ratelimit@file",
    );
  });

  it("keeps DNS-only records DNS-only: streaming, uploads and LAN-only point at direct.<domain>", () => {
    for (const app of ["jellyfin", "nextcloud", "immich-server"]) {
      expect([app, record(ev, app).inputs.content, record(ev, app).inputs.proxied]).toEqual([
        app,
        "direct.example.net",
        false,
      ]);
    }
    expect(record(ev, "sonarr").inputs).toMatchObject({ content: "example.net", proxied: true });
    const ddns = envOf(container(ev, "cloudflare-ddns"));
    expect(ddns.DOMAINS).toBe("example.net,direct.example.net");
    expect(ddns.PROXIED).toBe("!is(direct.example.net)");
  });

  it("derives the LAN from the host's address, so the VPN's 10.x address is no conflict", () => {
    expect(parseSpec(stackConfig(PROXIED)).lanCidrs).toEqual(["192.168.7.0/24"]);
    expect(envOf(container(ev, "gluetun")).FIREWALL_OUTBOUND_SUBNETS).toBe("192.168.7.0/24");
  });
});

describe("without Cloudflare's proxy", () => {
  it("routes protected apps straight to forward-auth (Traefik drops client X-Forwarded-* itself)", async () => {
    const ev = await runCached("prod");
    // Sonarr runs on the nas: the edge routes it through a file of its own.
    const doc = parse(hostFileContent(ev, "core-route-sonarr")) as {
      http: { routers: Record<string, { middlewares: string[] }> };
    };
    expect(doc.http.routers.sonarr.middlewares).toEqual(["security-headers@file", "authelia@file"]);
  });
});

describe.each(goodStacks())("%s", (stack) => {
  let ev: Evaluation;
  beforeAll(async () => {
    ev = await runCached(stack);
  });

  it("no container but the socket proxy can reach the Docker socket", () => {
    for (const c of containers(ev)) {
      if (labelsOf(c)["homelab.app"] === "socket-proxy") continue;
      const paths = ((c.inputs.volumes ?? []) as { hostPath?: string }[]).map((v) => v.hostPath);
      for (const p of ["/var/run/docker.sock", "/run/docker.sock"])
        expect([c.name, paths.includes(p)]).toEqual([c.name, false]);
      // A directory holding the socket only as a user the socket (root:docker 0660) refuses.
      const user = String(c.inputs.user ?? "");
      const unprivileged = /^[1-9]\d*:[1-9]\d*$/.test(user) && !c.inputs.groupAdds;
      for (const p of ["/", "/run", "/var/run"])
        expect([c.name, p, paths.includes(p) && !unprivileged]).toEqual([c.name, p, false]);
    }
  });

  it("cAdvisor reads the engine through the socket proxy", () => {
    for (const c of containers(ev).filter((r) => labelsOf(r)["homelab.app"] === "cadvisor")) {
      expect(c.inputs.command).toContain("--docker=tcp://socket-proxy:2375");
      const nets = (c.inputs.networksAdvanced as { name: string }[]).map((n) => n.name);
      expect(nets).toContain("socket-proxy");
    }
  });

  it("passes no secret on a command line (argv is readable by every user of the host)", () => {
    const secretArg = /(--password|\s-P|\s-p)\s+("?\$\(cat |'?mock-)/;
    for (const c of containers(ev)) {
      const health = (c.inputs.healthcheck as { tests?: string[] } | undefined)?.tests ?? [];
      const argv = [
        ...((c.inputs.command ?? []) as string[]),
        ...((c.inputs.entrypoints ?? []) as string[]),
        ...health,
      ].join(" ");
      expect([c.name, secretArg.test(argv)]).toEqual([c.name, false]);
    }
  });

  it("pins the host key of every SSH connection", () => {
    const hosts = parseSpec(stackConfig(stack)).hosts;
    for (const cmd of ofType(ev, "command:remote:Command")) {
      const conn = cmd.inputs.connection as { host: string; hostKey?: string };
      const host = hosts.find(
        (h) => h.address === conn.host || (h.docker.kind === "ssh" && h.docker.host === conn.host),
      );
      expect(conn.hostKey).toBeDefined();
      expect(conn.hostKey).toBe(host?.ssh?.hostKey);
    }
    // The Docker provider's own ssh:// connection is offered the same key, strictly.
    for (const h of hosts.filter((x) => x.docker.kind === "ssh")) {
      const provider = ev.resources.find((r) => r.name === `${h.name}-docker`);
      // Provider inputs reach the engine JSON-encoded.
      const raw = provider?.inputs.sshOpts;
      const opts = (typeof raw === "string" ? JSON.parse(raw) : (raw ?? [])) as string[];
      expect(opts).toEqual(
        expect.arrayContaining([
          "StrictHostKeyChecking=yes",
          `KnownHostsCommand=/bin/echo %H ${h.ssh?.hostKey ?? "missing"}`,
        ]),
      );
    }
  });

  it("binds 80/443 to loopback in localhost mode", () => {
    const spec = parseSpec(stackConfig(stack));
    const traefik = containers(ev).find((c) => labelsOf(c)["homelab.app"] === "traefik");
    const web = ((traefik?.inputs.ports ?? []) as { external: number; ip?: string }[]).filter(
      (p) => p.external === 80 || p.external === 443,
    );
    for (const p of web)
      expect([p.external, p.ip]).toEqual([
        p.external,
        spec.mode === "localhost" ? "127.0.0.1" : undefined,
      ]);
  });
});
