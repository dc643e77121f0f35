import { parse } from "yaml";
import type { HomelabSpec } from "../../config/spec";
import {
  ACME_STORAGE,
  LE_PRODUCTION,
  LE_STAGING,
  appUrl,
  middlewaresConfig,
  remoteRouteFileName,
  remoteRoutePort,
  remoteRoutesConfig,
  routerLabels,
  traefikSecretEnv,
  traefikStaticConfig,
} from "../../plan/proxy/traefik";
import { app, appNamed, def, dig, domainSpec, localhostSpec, withApp } from "./fixture";

/** Parse a generated file and return a getter for dotted paths. */
function yamlAt(text: string): (path: string) => unknown {
  const doc: unknown = parse(text);
  return (path) => dig(doc, path);
}

describe("traefikStaticConfig, domain mode", () => {
  const at = yamlAt(traefikStaticConfig(domainSpec()));

  it("redirects web :80 permanently to websecure :443", () => {
    expect(at("entryPoints.web.address")).toBe(":80");
    expect(at("entryPoints.web.http.redirections.entryPoint")).toEqual({
      to: "websecure",
      scheme: "https",
      permanent: true,
    });
    expect(at("entryPoints.websecure.address")).toBe(":443");
  });

  it("puts one wildcard certificate on the websecure entrypoint", () => {
    expect(at("entryPoints.websecure.http.tls")).toEqual({
      certResolver: "letsencrypt",
      domains: [{ main: "lab.example.org", sans: ["*.lab.example.org"] }],
    });
  });

  it("resolves certificates with ACME DNS-01 through Cloudflare on production", () => {
    expect(at("certificatesResolvers.letsencrypt.acme.email")).toBe("owner@example.org");
    expect(at("certificatesResolvers.letsencrypt.acme.storage")).toBe(ACME_STORAGE);
    expect(ACME_STORAGE).toBe("/certs/acme.json");
    expect(at("certificatesResolvers.letsencrypt.acme.caServer")).toBe(LE_PRODUCTION);
    expect(at("certificatesResolvers.letsencrypt.acme.dnsChallenge.provider")).toBe("cloudflare");
    expect(at("certificatesResolvers.letsencrypt.acme.httpChallenge")).toBeUndefined();
  });

  it("switches to the Let's Encrypt staging CA", () => {
    const staging = yamlAt(
      traefikStaticConfig(domainSpec({ tls: { email: "owner@example.org", staging: true } })),
    );
    expect(staging("certificatesResolvers.letsencrypt.acme.caServer")).toBe(LE_STAGING);
  });

  it("reads Docker through the socket proxy, only labelled containers, on the proxy network", () => {
    expect(at("providers.docker")).toEqual({
      endpoint: "tcp://socket-proxy:2375",
      exposedByDefault: false,
      network: "proxy",
      watch: true,
    });
    const custom = yamlAt(traefikStaticConfig(domainSpec(), "edge_proxy"));
    expect(custom("providers.docker.network")).toBe("edge_proxy");
  });

  it("watches the dynamic directory", () => {
    expect(at("providers.file")).toEqual({ directory: "/etc/traefik/dynamic", watch: true });
  });

  it("exposes metrics on :8082, ping, a secure dashboard and JSON access logs", () => {
    expect(at("entryPoints.metrics.address")).toBe(":8082");
    expect(at("metrics.prometheus.entryPoint")).toBe("metrics");
    expect(at("ping.entryPoint")).toBe("traefik");
    expect(at("entryPoints.traefik.address")).toBe(":8080");
    expect(at("api")).toEqual({ dashboard: true, insecure: false });
    expect(at("accessLog.filePath")).toBe("/var/log/traefik/access.log");
    expect(at("accessLog.format")).toBe("json");
    expect(at("log.level")).toBe("INFO");
  });

  it("makes only web and websecure default entrypoints", () => {
    const eps = at("entryPoints") as Record<string, { asDefault?: boolean }>;
    const defaults = Object.keys(eps).filter((name) => eps[name].asDefault === true);
    expect(defaults.sort()).toEqual(["web", "websecure"]);
  });

  it("falls back to HTTP-01 per host without a DNS provider", () => {
    const spec = domainSpec({ dns: { provider: "none", zone: "", target: "", proxied: false } });
    const d = yamlAt(traefikStaticConfig(spec));
    expect(d("certificatesResolvers.letsencrypt.acme.httpChallenge")).toEqual({
      entryPoint: "web",
    });
    expect(d("certificatesResolvers.letsencrypt.acme.dnsChallenge")).toBeUndefined();
    expect(d("entryPoints.websecure.http.tls")).toEqual({ certResolver: "letsencrypt" });
    expect(traefikSecretEnv(spec)).toEqual({});
  });

  it("requires an ACME e-mail in domain mode", () => {
    expect(() => traefikStaticConfig(domainSpec({ tls: undefined }))).toThrow(/tls.email/);
  });

  it("passes the Cloudflare token as a _FILE env var lego understands", () => {
    expect(traefikSecretEnv(domainSpec())).toEqual({
      CF_DNS_API_TOKEN_FILE: "/run/secrets/cf_dns_api_token",
    });
  });

  it("is deterministic", () => {
    expect(traefikStaticConfig(domainSpec())).toBe(traefikStaticConfig(domainSpec()));
  });
});

describe("traefikStaticConfig, localhost mode", () => {
  const at = yamlAt(traefikStaticConfig(localhostSpec()));

  it("serves plain HTTP on :80 without redirect or ACME", () => {
    expect(at("entryPoints.web.address")).toBe(":80");
    expect(at("entryPoints.web.http")).toBeUndefined();
    expect(at("entryPoints.websecure")).toBeUndefined();
    expect(at("certificatesResolvers")).toBeUndefined();
    expect(traefikSecretEnv(localhostSpec())).toEqual({});
  });

  it("still uses the socket proxy and the file provider", () => {
    expect(at("providers.docker.exposedByDefault")).toBe(false);
    expect(at("providers.file.watch")).toBe(true);
  });
});

describe("middlewaresConfig", () => {
  const at = yamlAt(middlewaresConfig(domainSpec()));

  it("sends HSTS for a year with subdomains and preload, and the usual headers", () => {
    expect(at("http.middlewares.security-headers.headers")).toEqual({
      stsSeconds: 31536000,
      stsIncludeSubdomains: true,
      stsPreload: true,
      contentTypeNosniff: true,
      frameDeny: true,
      referrerPolicy: "strict-origin-when-cross-origin",
    });
  });

  it("forward-auths to Authelia with the identity headers", () => {
    expect(at("http.middlewares.authelia.forwardAuth")).toEqual({
      address: "http://authelia:9091/api/authz/forward-auth",
      trustForwardHeader: true,
      authResponseHeaders: ["Remote-User", "Remote-Groups", "Remote-Email", "Remote-Name"],
    });
  });

  it("allows lan-only apps from homelab:lanCidrs", () => {
    expect(at("http.middlewares.lan-only.ipAllowList.sourceRange")).toEqual([
      "10.0.10.0/24",
      "192.168.1.0/24",
    ]);
  });

  it("falls back to private ranges when no LAN is configured", () => {
    const d = yamlAt(middlewaresConfig(domainSpec({ lanCidrs: [] })));
    expect(d("http.middlewares.lan-only.ipAllowList.sourceRange")).toContain("192.168.0.0/16");
  });

  it("rate-limits the SSO portal", () => {
    expect(at("http.middlewares.sso-ratelimit.rateLimit.average")).toBeGreaterThan(0);
    expect(at("http.middlewares.sso-ratelimit.rateLimit.burst")).toBeGreaterThan(0);
  });

  it("offers a transport for self-signed HTTPS backends", () => {
    expect(at("http.serversTransports.insecure-https")).toEqual({ insecureSkipVerify: true });
  });

  it("has no forward-auth when SSO is off", () => {
    const d = yamlAt(
      middlewaresConfig(domainSpec({ sso: { provider: "none", usersFromConfig: false } })),
    );
    expect(d("http.middlewares.authelia")).toBeUndefined();
    expect(d("http.middlewares.sso-ratelimit")).toBeUndefined();
  });

  it("in localhost mode has no HSTS, no LAN filter and no SSO", () => {
    const d = yamlAt(middlewaresConfig(localhostSpec()));
    expect(d("http.middlewares.security-headers.headers.stsSeconds")).toBeUndefined();
    expect(d("http.middlewares.security-headers.headers.contentTypeNosniff")).toBe(true);
    expect(d("http.middlewares.lan-only")).toBeUndefined();
    expect(d("http.middlewares.authelia")).toBeUndefined();
  });

  it("depends on settings only, never on the apps", () => {
    const spec = domainSpec();
    expect(middlewaresConfig({ ...spec, apps: [] })).toBe(middlewaresConfig(spec));
  });
});

describe("routerLabels", () => {
  const spec = domainSpec();
  const labels = (name: string, s: HomelabSpec = spec): Record<string, string> =>
    routerLabels(s, appNamed(s, name), def(name));
  const middlewares = (l: Record<string, string>, name: string): string[] =>
    l[`traefik.http.routers.${name}.middlewares`].split(",");

  it("routes by Host on websecure over the proxy network, without a per-router resolver", () => {
    const l = labels("whoami");
    expect(l["traefik.enable"]).toBe("true");
    expect(l["traefik.docker.network"]).toBe("proxy");
    expect(l["traefik.http.routers.whoami.rule"]).toBe("Host(`whoami.lab.example.org`)");
    expect(l["traefik.http.routers.whoami.entrypoints"]).toBe("websecure");
    expect(l["traefik.http.services.whoami.loadbalancer.server.port"]).toBe("8080");
    expect(Object.keys(l).some((k) => k.includes("certresolver"))).toBe(false);
    expect(Object.keys(l).some((k) => k.endsWith(".tls"))).toBe(false);
  });

  it("puts an admin app behind headers, the LAN filter and forward-auth, in that order", () => {
    const l = labels("portainer");
    expect(middlewares(l, "portainer")).toEqual([
      "security-headers@file",
      "lan-only@file",
      "authelia@file",
    ]);
    expect(l["traefik.http.services.portainer.loadbalancer.server.scheme"]).toBe("https");
    expect(l["traefik.http.services.portainer.loadbalancer.serverstransport"]).toBe(
      "insecure-https@file",
    );
  });

  it("keeps forward-auth off a bypass app", () => {
    expect(middlewares(labels("vaultwarden"), "vaultwarden")).toEqual(["security-headers@file"]);
    expect(labels("vaultwarden")["traefik.http.routers.vaultwarden.rule"]).toBe(
      "Host(`vault.lab.example.org`)",
    );
  });

  it("honours the owner's auth override", () => {
    const open = { ...appNamed(spec, "grafana"), auth: "bypass" as const };
    expect(middlewares(routerLabels(spec, open, def("grafana")), "grafana")).not.toContain(
      "authelia@file",
    );
  });

  it("rate-limits the portal instead of forward-authing it", () => {
    expect(middlewares(labels("authelia"), "authelia")).toEqual([
      "security-headers@file",
      "sso-ratelimit@file",
    ]);
  });

  it("serves the dashboard from api@internal behind SSO", () => {
    const l = labels("traefik");
    expect(l["traefik.http.routers.traefik.service"]).toBe("api@internal");
    expect(l["traefik.http.routers.traefik.rule"]).toBe("Host(`traefik.lab.example.org`)");
    expect(middlewares(l, "traefik")).toContain("authelia@file");
    expect(Object.keys(l).some((k) => k.startsWith("traefik.http.services."))).toBe(false);
  });

  it("has no forward-auth when SSO is off", () => {
    const s = domainSpec({ sso: { provider: "none", usersFromConfig: false } });
    expect(middlewares(labels("portainer", s), "portainer")).toEqual([
      "security-headers@file",
      "lan-only@file",
    ]);
  });

  it("in localhost mode routes <sub>.localhost on web, forward-auth only with explicit SSO", () => {
    const s = localhostSpec();
    const l = labels("portainer", s);
    expect(l["traefik.http.routers.portainer.rule"]).toBe("Host(`portainer.localhost`)");
    expect(l["traefik.http.routers.portainer.entrypoints"]).toBe("web");
    expect(middlewares(l, "portainer")).toEqual(["security-headers@file"]);
    const withSso = localhostSpec({ sso: { provider: "authelia", usersFromConfig: false } });
    expect(middlewares(labels("portainer", withSso), "portainer")).toContain("authelia@file");
  });

  it("refuses an app without a route", () => {
    expect(() => labels("postgres")).toThrow(/no route/);
  });

  it("produces string values only", () => {
    for (const a of spec.apps.filter((x) => def(x.name).route)) {
      for (const v of Object.values(routerLabels(spec, a, def(a.name)))) {
        expect(typeof v).toBe("string");
      }
    }
  });
});

describe("remote routes", () => {
  const spec = domainSpec();

  it("returns nothing for apps on the edge", () => {
    expect(remoteRoutesConfig(spec, appNamed(spec, "whoami"), def("whoami"))).toBeUndefined();
  });

  it("routes a non-edge app to its published port on the host's LAN address", () => {
    const jellyfin = appNamed(spec, "jellyfin");
    const at = yamlAt(remoteRoutesConfig(spec, jellyfin, def("jellyfin")) ?? "");
    expect(remoteRoutePort(def("jellyfin"))).toBe(8096);
    expect(at("http.routers.jellyfin")).toEqual({
      rule: "Host(`jellyfin.lab.example.org`)",
      entryPoints: ["websecure"],
      middlewares: ["security-headers@file", "authelia@file"],
      service: "jellyfin",
    });
    expect(at("http.services.jellyfin.loadBalancer.servers")).toEqual([
      { url: "http://10.0.10.5:8096" },
    ]);
    expect(remoteRouteFileName(jellyfin)).toBe("app-jellyfin.yml");
  });

  it("keeps the policy's middlewares and the backend scheme for remote apps", () => {
    const portainer = app("portainer", "nas");
    const moved = { ...spec, apps: spec.apps.map((a) => (a.name === "portainer" ? portainer : a)) };
    const at = yamlAt(remoteRoutesConfig(moved, portainer, def("portainer")) ?? "");
    expect(at("http.routers.portainer.middlewares")).toEqual([
      "security-headers@file",
      "lan-only@file",
      "authelia@file",
    ]);
    expect(at("http.services.portainer.loadBalancer.servers.0.url")).toBe("https://10.0.10.5:9443");
    expect(at("http.services.portainer.loadBalancer.serversTransport")).toBe("insecure-https@file");
  });

  it("adding an app adds one file and changes no other proxy input", () => {
    const render = (s: HomelabSpec): Map<string, string> => {
      const files = new Map<string, string>([
        ["traefik.yml", traefikStaticConfig(s)],
        ["middlewares.yml", middlewaresConfig(s)],
      ]);
      for (const a of s.apps) {
        const text = remoteRoutesConfig(s, a, def(a.name));
        if (text) files.set(remoteRouteFileName(a), text);
      }
      return files;
    };
    const before = render(spec);
    const after = render(withApp(spec, app("paperless", "nas")));
    expect([...after.keys()].filter((k) => !before.has(k))).toEqual(["app-paperless.yml"]);
    for (const [name, text] of before) expect(after.get(name)).toBe(text);
  });
});

describe("appUrl", () => {
  it("is https on the domain or http on localhost", () => {
    expect(appUrl(domainSpec(), { subdomain: "whoami" })).toBe("https://whoami.lab.example.org");
    expect(appUrl(localhostSpec(), { subdomain: "whoami" })).toBe("http://whoami.localhost");
  });
});
