import { definitionOf } from "../../catalog";
import { proxyOf, type HomelabSpec } from "../../config/spec";
import { parseSpec } from "../../plan/resolve";
import type { Evaluation, RegisteredResource } from "../../scripts/evaluate";
import { LABELS } from "../../plan/labels";
import { CADDYFILE_PATH } from "../../plan/proxy/caddy";
import { remoteRoutePort } from "../../plan/proxy/traefik";
import { HA_HTTP_SEED } from "../../plan/homeAssistant";
import { parse as parseYaml } from "yaml";
import { appRoute, caddyTree, type CaddyBlock } from "./caddyTree";
import {
  CONTAINER,
  containers,
  goodStacks,
  labelsOf,
  ofType,
  runCached,
  stackConfig,
  writtenContent,
} from "../helpers/harness";

const DNS = "cloudflare:index/dnsRecord:DnsRecord";

/** The Caddyfile uploaded to the Caddy container of a stack that runs Caddy. */
function caddyfileOf(ev: Evaluation): CaddyBlock {
  const caddy = containers(ev).find((c) => labelsOf(c)[LABELS.app] === "caddy");
  const uploads = (caddy?.inputs.uploads ?? []) as { file: string; content: string }[];
  const text = uploads.find((u) => u.file === CADDYFILE_PATH)?.content;
  if (text === undefined) throw new Error("no Caddyfile uploaded to the caddy container");
  return caddyTree(text);
}

function siteOf(spec: HomelabSpec, subdomain: string): string {
  return spec.mode === "localhost"
    ? `http://${subdomain}.localhost`
    : `${subdomain}.${spec.domain}`;
}

describe.each(goodStacks())("reverse proxy over %s", (stack) => {
  const spec = parseSpec(stackConfig(stack));
  const routed = spec.apps.filter((a) => {
    const def = definitionOf(a.name);
    return def.route !== undefined && !def.perHost;
  });

  it("routes every app with a route: labels on the edge, a route file for other hosts", async () => {
    const ev = await runCached(stack);
    if (proxyOf(spec) === "caddy") {
      // Caddy: every route in its one Caddyfile, to the container or the other host's LAN port.
      const tree = caddyfileOf(ev);
      for (const app of routed) {
        const def = definitionOf(app.name);
        const host = spec.hosts.find((h) => h.name === app.host);
        const route = appRoute(tree, app.name, siteOf(spec, app.subdomain));
        expect(route).toBeDefined();
        const upstream = host?.edge
          ? `${def.name}:${def.route?.port}`
          : `${host?.address}:${remoteRoutePort(def)}`;
        expect(route?.lines).toContain(
          `reverse_proxy ${def.route?.scheme ?? "http"}://${upstream}`,
        );
      }
      // No Traefik runs, so no container carries its routing labels.
      const traefikLabels = containers(ev).flatMap((c) =>
        Object.keys(labelsOf(c)).filter((k) => k.startsWith("traefik.")),
      );
      expect(traefikLabels).toEqual([]);
      return;
    }
    const files = ev.resources.filter(
      (r) => r.type.startsWith("command:") && r.name.includes("-route-"),
    );
    for (const app of routed) {
      const host = spec.hosts.find((h) => h.name === app.host);
      const c = containers(ev).find(
        (r) => labelsOf(r)[LABELS.app] === app.name && labelsOf(r)[LABELS.host] === app.host,
      );
      if (!c) {
        // Apps that share another container's network are routed through that container.
        continue;
      }
      if (host?.edge) {
        const labels = labelsOf(c);
        expect(labels["traefik.enable"]).toBe("true");
        expect(labels[`traefik.http.routers.${app.name}.rule`]).toBe(
          `Host(\`${app.subdomain}.${spec.mode === "localhost" ? "localhost" : spec.domain}\`)`,
        );
      } else {
        const file = files.find((f) => f.name.endsWith(`-route-${app.name}-write`));
        expect(file).toBeDefined();
        const content = writtenContent(file as RegisteredResource);
        expect(content).toContain(`://${host?.address}:${remoteRoutePort(definitionOf(app.name))}`);
        expect(content).toContain(`${app.subdomain}.${spec.domain}`);
      }
    }
  });

  it("has exactly one DNS record per routed app with Cloudflare, none otherwise; streaming never proxied", async () => {
    const ev = await runCached(stack);
    const records = ofType(ev, DNS);
    if (spec.dns.provider !== "cloudflare" || spec.mode !== "domain") {
      expect(records).toHaveLength(0);
      return;
    }
    expect(records.map((r) => r.inputs.name).sort()).toEqual(
      routed.map((a) => `${a.subdomain}.${spec.domain}`).sort(),
    );
    for (const r of records) {
      const app = routed.find((a) => `${a.subdomain}.${spec.domain}` === r.inputs.name);
      const def = definitionOf(app?.name ?? "");
      const proxied =
        spec.dns.proxied &&
        !def.route?.streaming &&
        !def.route?.lanOnly &&
        !def.route?.largeUploads;
      expect(r.inputs.proxied).toBe(proxied);
      // A DNS-only CNAME never chains to the proxied apex (that would proxy it after all).
      if (spec.dns.target === "ddns")
        expect(r.inputs.content).toBe(
          spec.dns.proxied && !proxied ? `direct.${spec.domain}` : spec.domain,
        );
      expect(String(r.inputs.comment)).toContain(`${spec.project}/${spec.stack}`);
      expect(r.inputs.type).toBe(spec.dns.target === "ddns" ? "CNAME" : "A");
    }
  });

  it("publishes 80/443 on the edge only and mounts the Docker socket only in the socket proxy", async () => {
    const ev = await runCached(stack);
    for (const c of containers(ev)) {
      const labels = labelsOf(c);
      const host = spec.hosts.find((h) => h.name === labels[LABELS.host]);
      const ports = (c.inputs.ports ?? []) as { external: number }[];
      if (ports.some((p) => p.external === 80 || p.external === 443)) {
        expect(host?.edge).toBe(true);
        expect(labels[LABELS.app]).toBe(proxyOf(spec));
      }
      const volumes = (c.inputs.volumes ?? []) as { hostPath: string }[];
      if (volumes.some((v) => v.hostPath.endsWith("docker.sock")))
        expect(labels[LABELS.app]).toBe("socket-proxy");
    }
  });

  it("puts every admin app behind SSO when SSO is on", async () => {
    const ev = await runCached(stack);
    if (proxyOf(spec) === "caddy") {
      const tree = caddyfileOf(ev);
      for (const app of routed) {
        const route = appRoute(tree, app.name, siteOf(spec, app.subdomain));
        const wantsSso =
          spec.sso.provider === "authelia" && app.auth !== "bypass" && app.name !== "authelia";
        expect(route?.lines.includes("import authelia")).toBe(wantsSso);
      }
      return;
    }
    for (const c of containers(ev)) {
      const labels = labelsOf(c);
      const app = spec.apps.find((a) => a.name === labels[LABELS.app]);
      const middlewares = labels[`traefik.http.routers.${app?.name}.middlewares`];
      if (!app || middlewares === undefined) continue;
      const wantsSso = spec.sso.provider === "authelia" && app.auth !== "bypass";
      expect(middlewares.split(",").includes("authelia@file")).toBe(wantsSso);
      if (spec.sso.provider === "authelia" && app.auth === "two_factor")
        expect(middlewares).toContain("authelia@file");
    }
  });

  it("keeps the Cloudflare token and generated secrets secret and out of labels", async () => {
    const ev = await runCached(stack);
    const secrets = Object.values((ev.outputs.generatedSecrets ?? {}) as Record<string, string>);
    for (const c of ofType(ev, CONTAINER)) {
      const labelText = JSON.stringify(c.inputs.labels);
      for (const s of [...secrets, "<secret cloudflare:apiToken>"])
        expect(labelText).not.toContain(s);
      const uploads = (c.inputs.uploads ?? []) as { content?: string }[];
      uploads.forEach((u, i) => {
        if (u.content?.includes("<secret ") || secrets.some((s) => u.content?.includes(s))) {
          expect(c.secretPaths.some((p) => p === "uploads" || p.startsWith(`uploads.${i}`))).toBe(
            true,
          );
        }
      });
    }
  });
});

describe("localhost mode", () => {
  it("serves plain http on <app>.localhost without ACME, DNS or SSO", async () => {
    const ev = await runCached("dev");
    const traefik = containers(ev).find((c) => labelsOf(c)[LABELS.app] === "traefik");
    const staticConfig = (
      (traefik?.inputs.uploads ?? []) as { file: string; content: string }[]
    ).find((u) => u.file.endsWith("traefik.yml"));
    expect(staticConfig?.content).not.toContain("certificatesResolvers");
    expect(staticConfig?.content).not.toContain("websecure");
    expect(ofType(ev, DNS)).toHaveLength(0);
    expect(containers(ev).some((c) => labelsOf(c)[LABELS.app] === "authelia")).toBe(false);
    expect((ev.outputs.urls as Record<string, string>).whoami).toBe("http://whoami.localhost");
  });
});

describe("domain mode", () => {
  it("gets one wildcard certificate through Cloudflare DNS-01 with the token as a secret file", async () => {
    const ev = await runCached("prod");
    const traefik = containers(ev).find((c) => labelsOf(c)[LABELS.app] === "traefik");
    const uploads = (traefik?.inputs.uploads ?? []) as { file: string; content: string }[];
    const staticConfig = uploads.find((u) => u.file.endsWith("traefik.yml"))?.content ?? "";
    expect(staticConfig).toContain("*.home.example.com");
    expect(staticConfig).toContain("provider: cloudflare");
    expect(uploads.find((u) => u.file === "/run/secrets/cf_dns_api_token")?.content).toBe(
      "<secret cloudflare:apiToken>",
    );
    expect(traefik?.secretPaths.some((p) => p.startsWith("uploads"))).toBe(true);
  });
});

describe("behind Cloudflare's proxy", () => {
  it("trusts Cloudflare's forwarded client address and rate-limits the portal per client", async () => {
    const ev = await runCached("good/fixed-ip-two-hosts.yaml");
    const traefik = containers(ev).find((c) => labelsOf(c)[LABELS.app] === "traefik");
    const uploads = (traefik?.inputs.uploads ?? []) as { file: string; content: string }[];
    const staticConfig = uploads.find((u) => u.file.endsWith("traefik.yml"))?.content ?? "";
    expect(staticConfig).toContain("trustedIPs");
    expect(staticConfig).toContain("173.245.48.0/20");
    const middlewares = ev.resources.find((r) => r.name.endsWith("-middlewares-write"));
    expect(writtenContent(middlewares as RegisteredResource)).toContain("depth: 1");
  });

  it("does not trust forwarded headers when records are DNS-only", async () => {
    const ev = await runCached("prod");
    const traefik = containers(ev).find((c) => labelsOf(c)[LABELS.app] === "traefik");
    const uploads = (traefik?.inputs.uploads ?? []) as { file: string; content: string }[];
    expect(uploads.find((u) => u.file.endsWith("traefik.yml"))?.content).not.toContain(
      "trustedIPs",
    );
  });
});

describe("Authelia users", () => {
  it("reads the owner's users file from the container, never leaving it in the data directory", async () => {
    const ev = await runCached("prod");
    const authelia = containers(ev).find((c) => labelsOf(c)[LABELS.app] === "authelia");
    const uploads = (authelia?.inputs.uploads ?? []) as { file: string; content: string }[];
    expect(uploads.map((u) => u.file)).toEqual(
      expect.arrayContaining(["/etc/authelia/configuration.yml", "/etc/authelia/users.yml"]),
    );
    expect(uploads.every((u) => !u.file.startsWith("/config/"))).toBe(true);
    // No generated admin: the start script only makes the sign-in key, then starts Authelia.
    const command = (authelia?.inputs.command ?? []) as string[];
    expect(command.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(command[2]).not.toContain("users.yml");
    expect(command[2].split("\n").pop()).toBe(
      "exec authelia --config /etc/authelia/configuration.yml",
    );
    const config = uploads.find((u) => u.file.endsWith("configuration.yml"))?.content ?? "";
    expect(config).toContain("path: /etc/authelia/users.yml");
  });

  it("bootstraps one admin into the data directory when no users file is configured", async () => {
    const ev = await runCached("good/fixed-ip-two-hosts.yaml");
    const authelia = containers(ev).find((c) => labelsOf(c)[LABELS.app] === "authelia");
    const command = (authelia?.inputs.command ?? []) as string[];
    expect(command.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(command[2]).toContain("/config/users.yml");
    expect(command[2]).toContain("exec authelia --config '/etc/authelia/configuration.yml'");
  });
});

describe("a host-network app on the edge (lab-one-host: Home Assistant)", () => {
  const STACK = "good/lab-one-host.yaml";

  it("is reached at the host, not at Traefik's own loopback", async () => {
    const ev = await runCached(STACK);
    const ha = containers(ev).find((c) => labelsOf(c)[LABELS.app] === "homeassistant");
    expect(ha?.inputs.networkMode).toBe("host");
    expect(
      labelsOf(ha ?? containers(ev)[0])["traefik.http.routers.homeassistant.rule"],
    ).toBeDefined();
    // Traefik's Docker provider resolves a host-network container to host.docker.internal,
    // and to 127.0.0.1 (its own loopback: 502) when that name does not resolve
    // (traefik/traefik pkg/provider/docker/config.go getIPAddress@v3.5.3).
    const traefik = containers(ev).find((c) => labelsOf(c)[LABELS.app] === "traefik");
    expect(traefik?.inputs.hosts).toContainEqual({
      host: "host.docker.internal",
      ip: "host-gateway",
    });
  });

  it("trusts Traefik's connections, which arrive from Traefik's Docker network", async () => {
    const ev = await runCached(STACK);
    const ha = containers(ev).find((c) => labelsOf(c)[LABELS.app] === "homeassistant");
    const seed = ((ha?.inputs.uploads ?? []) as { file: string; content: string }[]).find(
      (u) => u.file === HA_HTTP_SEED,
    );
    const http = parseYaml(seed?.content ?? "") as { trusted_proxies?: string[] };
    // Docker's default address pools put user networks such as `proxy` in 172.17-31.x.
    expect(http.trusted_proxies).toContain("172.16.0.0/12");
  });
});
