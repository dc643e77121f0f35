/**
 * CrowdSec blocks: the edge proxy asks CrowdSec's forward-auth bouncer before anything else on
 * every route, and the bouncer asks CrowdSec with a key CrowdSec itself registers at start.
 */
import { parse } from "yaml";
import type { HomelabSpec } from "../../config/spec";
import { caddyfile } from "../../plan/proxy/caddy";
import { bouncerTrustedProxies, crowdsecLanWhitelist } from "../../plan/proxy/crowdsec";
import { parseSpec } from "../../plan/resolve";
import {
  middlewaresConfig,
  remoteRoutesConfig,
  routerLabels,
  routerMiddlewares,
} from "../../plan/proxy/traefik";
import {
  container,
  envOf,
  labelsOf,
  run,
  runCached,
  stackConfig,
  withConfig,
} from "../helpers/harness";
import { app, appNamed, def, dig, domainSpec, localhostSpec, withApp } from "./fixture";

/** A spec with CrowdSec and its bouncer on the edge host, as the security profile places them. */
function withCrowdsec(spec: HomelabSpec): HomelabSpec {
  const edge = spec.hosts.find((h) => h.edge)?.name ?? "";
  return withApp(withApp(spec, app("crowdsec", edge)), app("crowdsec-bouncer", edge));
}

const chain = (spec: HomelabSpec, name: string): string[] =>
  routerLabels(spec, appNamed(spec, name), def(name))[
    `traefik.http.routers.${name}.middlewares`
  ].split(",");

describe("Traefik asks the bouncer first on every router", () => {
  const spec = withCrowdsec(domainSpec());

  it("declares the bouncer as a forward-auth middleware on the edge's proxy network", () => {
    const doc: unknown = parse(middlewaresConfig(spec));
    expect(dig(doc, "http.middlewares.crowdsec.forwardAuth")).toEqual({
      address: "http://crowdsec-bouncer:8080/api/v1/forwardAuth",
      trustForwardHeader: true,
    });
  });

  it("puts it right after the headers, before the LAN filter and Authelia", () => {
    expect(chain(spec, "portainer")).toEqual([
      "security-headers@file",
      "crowdsec@file",
      "lan-only@file",
      "authelia@file",
    ]);
  });

  it("also on bypass routes, the SSO portal and the dashboard, which Authelia does not guard", () => {
    expect(chain(spec, "vaultwarden")).toEqual(["security-headers@file", "crowdsec@file"]);
    expect(chain(spec, "authelia")).toEqual([
      "security-headers@file",
      "crowdsec@file",
      "sso-ratelimit@file",
    ]);
    expect(chain(spec, "traefik").slice(0, 2)).toEqual(["security-headers@file", "crowdsec@file"]);
  });

  it("and on the file routes of apps on other hosts", () => {
    const route: unknown = parse(remoteRoutesConfig(spec, appNamed(spec, "jellyfin")) ?? "");
    expect(dig(route, "http.routers.jellyfin.middlewares")).toEqual(
      routerMiddlewares(spec, appNamed(spec, "jellyfin"), def("jellyfin")),
    );
    expect((dig(route, "http.routers.jellyfin.middlewares") as string[])[1]).toBe("crowdsec@file");
  });

  it("behind Cloudflare, before the removal of forwarding headers and Authelia", () => {
    const proxied = withCrowdsec(
      domainSpec({ dns: { ...domainSpec().dns, proxied: true } as HomelabSpec["dns"] }),
    );
    expect(chain(proxied, "grafana")).toEqual([
      "security-headers@file",
      "crowdsec@file",
      "strip-forwarded@file",
      "authelia@file",
    ]);
  });

  it("has no bouncer without CrowdSec", () => {
    const plain = domainSpec();
    expect(middlewaresConfig(plain)).not.toContain("crowdsec");
    for (const name of ["portainer", "vaultwarden", "authelia", "traefik"])
      expect(chain(plain, name)).not.toContain("crowdsec@file");
  });
});

describe("Caddy asks the bouncer first on every route", () => {
  const routeOf = (file: string, name: string, host: string): string => {
    const start = file.indexOf(`@${name} host ${host}`);
    if (start < 0) throw new Error(`no route for ${name}`);
    const end = file.indexOf("\n\t}", start);
    return file.slice(start, end);
  };

  it("as a forward_auth snippet to the bouncer's route", () => {
    const file = caddyfile(withCrowdsec(domainSpec()), def);
    expect(file).toContain(
      "(crowdsec) {\n\tforward_auth http://crowdsec-bouncer:8080 {\n\t\turi /api/v1/forwardAuth\n\t}\n}",
    );
  });

  it("imported after the client headers and before the LAN filter and Authelia", () => {
    const file = caddyfile(withCrowdsec(domainSpec()), def);
    const portainer = routeOf(file, "portainer", "portainer.lab.example.org");
    const order = ["import client-headers", "import crowdsec", "not remote_ip", "import authelia"];
    const at = order.map((s) => portainer.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it("on bypass routes and the portal too", () => {
    const file = caddyfile(withCrowdsec(domainSpec()), def);
    for (const [name, host] of [
      ["vaultwarden", "vault.lab.example.org"],
      ["authelia", "auth.lab.example.org"],
    ]) {
      const route = routeOf(file, name, host);
      expect(route).toContain("import crowdsec");
      expect(route).not.toContain("import authelia");
    }
  });

  it("behind Cloudflare, trusting Cloudflare's forwarding on the bouncer call", () => {
    const proxied = withCrowdsec(
      domainSpec({ dns: { ...domainSpec().dns, proxied: true } as HomelabSpec["dns"] }),
    );
    expect(caddyfile(proxied, def)).toMatch(
      /\(crowdsec\) \{\n\tforward_auth [^\n]+\{\n\t\turi \/api\/v1\/forwardAuth\n\t\timport trust-cloudflare\n/,
    );
  });

  it("in localhost mode too, and not at all without CrowdSec", () => {
    expect(caddyfile(withCrowdsec(localhostSpec()), def)).toContain("import crowdsec");
    expect(caddyfile(domainSpec(), def)).not.toContain("crowdsec");
  });
});

describe("the bouncer's trusted proxies", () => {
  it("are Docker's private ranges, and Cloudflare's edges only behind its proxy", () => {
    const direct = bouncerTrustedProxies(domainSpec());
    expect(direct).toEqual(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]);
    const proxied = bouncerTrustedProxies(
      domainSpec({ dns: { ...domainSpec().dns, proxied: true } as HomelabSpec["dns"] }),
    );
    expect(proxied).toEqual(
      expect.arrayContaining([...direct, "173.245.48.0/20", "2400:cb00::/32"]),
    );
  });

  it("never trust everything (the image's default 0.0.0.0/0 lets a client name its address)", () => {
    expect(bouncerTrustedProxies(domainSpec())).not.toContain("0.0.0.0/0");
  });
});

describe("the bouncer's container and key", () => {
  const stack = "good/everything.yaml";

  it("gets the key CrowdSec registers, from the same protected generated secret", async () => {
    const ev = await runCached(stack);
    const bouncer = envOf(container(ev, "crowdsec-bouncer"));
    const crowdsec = envOf(container(ev, "crowdsec"));
    expect(bouncer.CROWDSEC_BOUNCER_API_KEY).toBeTruthy();
    expect(bouncer.CROWDSEC_BOUNCER_API_KEY).toBe(crowdsec.BOUNCER_KEY_edge);
    const key = ev.resources.find((r) => r.name === "crowdsec-bouncerKey");
    expect(key?.type).toBe("random:index/randomPassword:RandomPassword");
    expect(key?.protect).toBe(true);
    expect(key?.inputs).toMatchObject({ length: 32, special: false });
  });

  it("declares the key env as secret on both containers, never in labels or argv", async () => {
    const ev = await runCached(stack);
    const key = envOf(container(ev, "crowdsec")).BOUNCER_KEY_edge;
    for (const [name, env] of [
      ["crowdsec", "BOUNCER_KEY_edge"],
      ["crowdsec-bouncer", "CROWDSEC_BOUNCER_API_KEY"],
    ]) {
      const c = container(ev, name);
      expect(labelsOf(c)["homelab.secretEnv"].split(",")).toContain(env);
      const visible = JSON.stringify([labelsOf(c), c.inputs.command, c.inputs.entrypoints]);
      expect(visible).not.toContain(key);
    }
  });

  it("publishes no port and joins only the proxy network, where Traefik and the LAPI are", async () => {
    const ev = await runCached(stack);
    const c = container(ev, "crowdsec-bouncer");
    expect(c.inputs.ports).toBeUndefined();
    expect((c.inputs.networksAdvanced as { name: string }[]).map((n) => n.name)).toEqual(["proxy"]);
    expect(envOf(c).CROWDSEC_AGENT_HOST).toBe("crowdsec:8080");
    expect(envOf(c).TRUSTED_PROXIES.split(",")).not.toContain("0.0.0.0/0");
  });
});

describe("stack checks", () => {
  const security = (edit: (apps: Record<string, Record<string, unknown>>) => void) =>
    withConfig(stackConfig("good/everything.yaml"), (c) => {
      const apps = (c["homelab:apps"] ?? {}) as Record<string, Record<string, unknown>>;
      edit(apps);
      c["homelab:apps"] = apps;
    });

  it("refuses the bouncer without CrowdSec, naming the key, and registers nothing", async () => {
    const config = security((apps) => {
      apps.crowdsec = { ...apps.crowdsec, enabled: false };
    });
    expect(() => parseSpec(config)).toThrow(
      /homelab:apps\.crowdsec-bouncer\.enabled: needs crowdsec/,
    );
    const ev = await run(config);
    expect(String(ev.error)).toMatch(/crowdsec-bouncer\.enabled/);
    expect(ev.resources).toEqual([]);
  });

  it("refuses the bouncer off the edge host, where the proxy could not reach it", () => {
    const spec = parseSpec(stackConfig("good/everything.yaml"));
    const other = spec.hosts.find((h) => !h.edge);
    if (!other) throw new Error("everything.yaml has a second host");
    const config = security((apps) => {
      apps["crowdsec-bouncer"] = { ...apps["crowdsec-bouncer"], host: other.name };
    });
    expect(() => parseSpec(config)).toThrow(/homelab:apps\.crowdsec-bouncer\.host/);
  });

  it("drops the bouncer with CrowdSec when the owner disables both", () => {
    const config = security((apps) => {
      apps.crowdsec = { enabled: false };
      apps["crowdsec-bouncer"] = { enabled: false };
    });
    const spec = parseSpec(config);
    expect(spec.apps.map((a) => a.name)).not.toContain("crowdsec-bouncer");
    expect(middlewaresConfig(spec)).not.toContain("crowdsec");
  });
});

describe("CrowdSec's LAN whitelist", () => {
  it("covers the owner's LAN, the private ranges and loopback", () => {
    const doc = parse(crowdsecLanWhitelist(domainSpec())) as {
      name: string;
      whitelist: { cidr: string[] };
    };
    expect(doc.name).toBe("homelab/lan-whitelist");
    expect(doc.whitelist.cidr).toEqual(
      expect.arrayContaining(["10.0.10.0/24", "192.168.1.0/24", "172.16.0.0/12", "127.0.0.0/8"]),
    );
    expect(doc.whitelist.cidr).not.toContain("0.0.0.0/0");
  });

  it("is uploaded into CrowdSec's enrich stage", async () => {
    const ev = await runCached("good/everything.yaml");
    const uploads = container(ev, "crowdsec").inputs.uploads as { file: string; content: string }[];
    const file = uploads.find(
      (u) => u.file === "/etc/crowdsec/parsers/s02-enrich/homelab-lan.yaml",
    );
    expect(file?.content).toContain("whitelist:");
  });
});
