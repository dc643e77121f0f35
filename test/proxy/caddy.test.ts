/**
 * `homelab:proxy: caddy`: the generated Caddyfile read back block by block against values
 * written out here by hand, and the whole program on the Caddy fixture. The lab suite
 * (caddy.lab.test.ts) hands the same files to the real Caddy and sends it real requests.
 */
import { CATALOG } from "../../catalog";
import { ConfigError } from "../../config/errors";
import { parseSpec } from "../../plan/resolve";
import type { HomelabSpec } from "../../config/spec";
import { LABELS } from "../../plan/labels";
import { accessControlRules } from "../../plan/proxy/authelia";
import { CADDYFILE_PATH, caddyfile, caddySecretFiles } from "../../plan/proxy/caddy";
import type { Evaluation } from "../../scripts/evaluate";
import { renderMermaid } from "../../scripts/render";
import {
  container,
  containers,
  labelsOf,
  run,
  runCached,
  stackConfig,
  withConfig,
} from "../helpers/harness";
import { appRoute, block, caddyTree, findBlock, type CaddyBlock } from "./caddyTree";
import { app, def, domainSpec, localhostSpec, withApp } from "./fixture";

/** The fixture's specs with Caddy in Traefik's place. */
function caddySpec(base: HomelabSpec, over: Partial<HomelabSpec> = {}): HomelabSpec {
  const edge = base.hosts.find((h) => h.edge)?.name ?? "";
  const apps = base.apps.filter((a) => a.name !== "traefik");
  return { ...withApp({ ...base, apps }, app("caddy", edge)), proxy: "caddy", ...over };
}

const tree = (spec: HomelabSpec): CaddyBlock => caddyTree(caddyfile(spec, def));

describe("domain mode with Cloudflare DNS", () => {
  const spec = caddySpec(domainSpec());
  const t = tree(spec);
  const site = block(t, "*.lab.example.org");

  it("serves every app under one wildcard site whose certificate comes by DNS-01 from the token file", () => {
    expect(t.lines).toEqual([
      "",
      "(security-headers)",
      "(client-headers)",
      "(authelia)",
      "http://:8082",
      "*.lab.example.org",
    ]);
    expect(block(site, "tls").lines).toEqual([
      "dns cloudflare {file./run/secrets/cf_dns_api_token}",
      "resolvers 1.1.1.1 1.0.0.1",
    ]);
    expect(caddySecretFiles(spec)).toEqual([
      { secret: "cloudflare:apiToken", path: "/run/secrets/cf_dns_api_token" },
    ]);
  });

  it("registers the ACME account on Let's Encrypt production, or staging when asked", () => {
    const global = block(t, "");
    expect(global.lines).toEqual([
      "admin off",
      "email owner@example.org",
      "acme_ca https://acme-v02.api.letsencrypt.org/directory",
      "servers",
    ]);
    // HTTP/3 would advertise UDP 443, which is not published.
    expect(block(global, "servers").lines).toEqual(["protocols h1 h2"]);
    const staging = tree(
      caddySpec(domainSpec({ tls: { email: "owner@example.org", staging: true } })),
    );
    expect(block(staging, "").lines).toContain(
      "acme_ca https://acme-staging-v02.api.letsencrypt.org/directory",
    );
  });

  it("matches each routed app by its host name, and answers 404 for other names", () => {
    const matchers = site.lines.filter((l) => l.startsWith("@"));
    expect(matchers).toEqual([
      "@authelia host auth.lab.example.org",
      "@grafana host grafana.lab.example.org",
      "@immich host photos.lab.example.org",
      "@jellyfin host jellyfin.lab.example.org",
      "@portainer host portainer.lab.example.org",
      "@vaultwarden host vault.lab.example.org",
      "@whoami host whoami.lab.example.org",
    ]);
    expect(site.children.filter((b) => b.head === "handle").map((b) => b.lines)).toEqual([
      ['respond "Not Found" 404'],
    ]);
  });

  it("sends an admin app through forward-auth to its container on the proxy network", () => {
    expect(appRoute(t, "whoami", "")?.lines).toEqual([
      "import client-headers",
      "import authelia",
      "reverse_proxy http://whoami:8080",
    ]);
  });

  it("reaches apps on other hosts at their LAN address; ports below 1024 moved to 10000 + port", () => {
    expect(appRoute(t, "jellyfin", "")?.lines).toEqual([
      "import client-headers",
      "import authelia",
      "reverse_proxy http://10.0.10.5:8096",
    ]);
    // Heimdall listens on 80.
    const moved = tree(withApp(spec, app("heimdall", "nas")));
    expect(appRoute(moved, "heimdall", "")?.lines).toEqual([
      "import client-headers",
      "import authelia",
      "reverse_proxy http://10.0.10.5:10080",
    ]);
  });

  it("reaches a host-network app on the edge at the host's own address", () => {
    const t2 = tree(withApp(spec, app("homeassistant", "atlas")));
    expect(appRoute(t2, "homeassistant", "")?.lines).toEqual([
      "import client-headers",
      "reverse_proxy http://10.0.10.2:8123",
    ]);
  });

  it("lets apps with their own login and the portal through without forward-auth", () => {
    expect(appRoute(t, "vaultwarden", "")?.lines).toEqual([
      "import client-headers",
      "reverse_proxy http://vaultwarden:8222",
    ]);
    expect(appRoute(t, "authelia", "")?.lines).toEqual([
      "import client-headers",
      "reverse_proxy http://authelia:9091",
    ]);
  });

  it("refuses clients outside homelab:lanCidrs before any auth work, and skips a self-signed certificate check", () => {
    const route = appRoute(t, "portainer", "");
    expect(route?.lines).toEqual([
      "import client-headers",
      "@portainer-outside not remote_ip 10.0.10.0/24 192.168.1.0/24",
      'respond @portainer-outside "Forbidden" 403',
      "import authelia",
      "reverse_proxy https://portainer:9443",
    ]);
    expect(block(route as CaddyBlock, "transport http").lines).toEqual([
      "tls_insecure_skip_verify",
    ]);
  });

  it("keeps bypass paths behind forward-auth: Authelia's rules bypass exactly those paths", () => {
    // Splitting them into an unauthenticated route would keep a second copy of the paths.
    expect(appRoute(t, "jellyfin", "")?.lines).toContain("import authelia");
    const rules = accessControlRules(spec, spec.apps, def);
    expect(rules).toContainEqual({
      domain: ["jellyfin.lab.example.org"],
      // Everything but the web UI under /web/.
      resources: ["^/[^w/]", "^/w[^e]", "^/we[^b]", "^/web[^/]"],
      policy: "bypass",
    });
  });

  it("asks Authelia's forward-auth endpoint and copies only its four identity headers", () => {
    expect(block(t, "(authelia)").lines).toEqual(["forward_auth http://authelia:9091"]);
    expect(block(t, "forward_auth http://authelia:9091").lines).toEqual([
      // The trailing `?` keeps the client's query string away from Authelia.
      "uri /api/authz/forward-auth?",
      "copy_headers Remote-User Remote-Groups Remote-Email Remote-Name",
    ]);
  });

  it("removes what a client says about its identity or its request, and pins the scheme and port", () => {
    expect(block(t, "(client-headers)").lines).toEqual([
      "request_header -Remote-User",
      "request_header -Remote-Groups",
      "request_header -Remote-Email",
      "request_header -Remote-Name",
      "request_header -X-Forwarded-Host",
      "request_header -X-Forwarded-Uri",
      "request_header -X-Forwarded-Method",
      "request_header -X-Original-Url",
      "request_header -X-Original-Method",
      "request_header X-Forwarded-Proto https",
      "request_header X-Forwarded-Port 443",
    ]);
    // Every route starts with it, protected or not.
    for (const name of ["authelia", "grafana", "immich", "jellyfin", "portainer", "vaultwarden"])
      expect(appRoute(t, name, "")?.lines[0]).toBe("import client-headers");
  });

  it("sets Traefik's security headers on every response, HSTS included", () => {
    expect(site.lines.slice(1, 3)).toEqual(["log", "import security-headers"]);
    expect(block(block(t, "(security-headers)"), "header").lines).toEqual([
      "defer",
      'Strict-Transport-Security "max-age=31536000; includeSubDomains; preload"',
      "X-Content-Type-Options nosniff",
      "X-Frame-Options DENY",
      "Referrer-Policy strict-origin-when-cross-origin",
    ]);
  });

  it("serves Prometheus metrics on the unpublished port the catalog declares", () => {
    expect(block(t, "http://:8082").lines).toEqual(["metrics /metrics"]);
    expect(CATALOG.get("caddy")?.metrics).toEqual({ port: 8082, path: "/metrics" });
  });

  it("trusts no forwarded client address when records are DNS-only", () => {
    expect(findBlock(t, "(trust-cloudflare)")).toBeUndefined();
    expect(caddyfile(spec, def)).not.toContain("trusted_proxies");
  });
});

describe("behind Cloudflare's proxy", () => {
  const spec = caddySpec(
    domainSpec({ dns: { provider: "cloudflare", zone: "", target: "ddns", proxied: true } }),
  );
  const t = tree(spec);

  it("trusts Cloudflare's ranges on every upstream call, forward-auth included", () => {
    const trust = block(t, "(trust-cloudflare)").lines;
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatch(/^trusted_proxies 173\.245\.48\.0\/20 103\.21\.244\.0\/22 /);
    expect(trust[0]).toMatch(/ 2a06:98c0::\/29 2c0f:f248::\/32$/);
    expect(block(t, "forward_auth http://authelia:9091").lines).toContain(
      "import trust-cloudflare",
    );
    expect(block(t, "reverse_proxy http://whoami:8080").lines).toEqual(["import trust-cloudflare"]);
    expect(block(t, "reverse_proxy https://portainer:9443").lines).toEqual([
      "transport http",
      "import trust-cloudflare",
    ]);
  });
});

describe("domain mode without a DNS provider", () => {
  const spec = caddySpec(
    domainSpec({ dns: { provider: "none", zone: "", target: "", proxied: false } }),
  );
  const t = tree(spec);

  it("gives every app its own site, so each gets its own certificate by HTTP-01", () => {
    expect(t.lines.filter((l) => l.includes("lab.example.org"))).toEqual([
      "auth.lab.example.org",
      "grafana.lab.example.org",
      "photos.lab.example.org",
      "jellyfin.lab.example.org",
      "portainer.lab.example.org",
      "vault.lab.example.org",
      "whoami.lab.example.org",
    ]);
    expect(findBlock(t, "tls")).toBeUndefined();
    expect(caddySecretFiles(spec)).toEqual([]);
    expect(appRoute(t, "whoami", "whoami.lab.example.org")?.lines).toEqual([
      "import client-headers",
      "import authelia",
      "reverse_proxy http://whoami:8080",
    ]);
  });
});

describe("domain mode without SSO", () => {
  it("has no forward-auth at all", () => {
    const text = caddyfile(
      caddySpec(domainSpec({ sso: { provider: "none", usersFromConfig: false } })),
      def,
    );
    expect(text).not.toContain("import authelia");
    expect(text).not.toContain("forward_auth");
  });
});

describe("localhost mode", () => {
  const spec = caddySpec(localhostSpec());
  const t = tree(spec);

  it("serves plain http on <app>.localhost: no ACME, no HSTS, no LAN filter", () => {
    expect(t.lines).toEqual([
      "",
      "(security-headers)",
      "(client-headers)",
      "http://:8082",
      "http://portainer.localhost",
      "http://whoami.localhost",
    ]);
    expect(block(t, "").lines).toEqual(["admin off", "servers"]);
    expect(block(t, "header").lines).not.toContainEqual(
      expect.stringContaining("Strict-Transport-Security"),
    );
    expect(appRoute(t, "portainer", "http://portainer.localhost")?.lines).toEqual([
      "import client-headers",
      "reverse_proxy https://portainer:9443",
    ]);
    expect(block(t, "(client-headers)").lines.slice(-1)).toEqual([
      "request_header -X-Forwarded-Port",
    ]);
  });
});

it("names homelab:tls.email when a hand-built domain spec has none", () => {
  expect(() => caddyfile(caddySpec(domainSpec({ tls: undefined })), def)).toThrow(
    "homelab:tls.email",
  );
});

describe("the homelab:proxy key", () => {
  function problems(edit: (c: Record<string, unknown>) => void): string[] {
    try {
      parseSpec(withConfig(stackConfig("dev"), edit));
    } catch (e) {
      if (e instanceof ConfigError) return e.issues.map((i) => `${i.key}: ${i.message}`);
      throw e;
    }
    return [];
  }

  it("is traefik by default and names the allowed values when it is anything else", () => {
    expect(parseSpec(stackConfig("dev")).proxy).toBe("traefik");
    expect(problems((c) => (c["homelab:proxy"] = "nginx"))).toEqual([
      "homelab:proxy: must be one of traefik, caddy",
    ]);
  });

  it("runs exactly one proxy: the other one, or what needs it, cannot be switched on", () => {
    const spec = parseSpec(withConfig(stackConfig("dev"), (c) => (c["homelab:proxy"] = "caddy")));
    expect(
      spec.apps.filter((a) => ["traefik", "caddy"].includes(a.name)).map((a) => a.name),
    ).toEqual(["caddy"]);
    expect(
      problems((c) => {
        c["homelab:proxy"] = "caddy";
        c["homelab:apps"] = { traefik: { enabled: true }, fail2ban: { enabled: true } };
      }).sort(),
    ).toEqual([
      "homelab:apps.fail2ban.enabled: needs homelab:proxy traefik",
      "homelab:apps.traefik.enabled: needs homelab:proxy traefik",
    ]);
  });
});

describe("the program with Caddy (good/caddy-two-hosts.yaml)", () => {
  const stack = "good/caddy-two-hosts.yaml";
  const uploadsOf = (ev: Evaluation, id: string) =>
    (container(ev, id).inputs.uploads ?? []) as { file: string; content: string }[];

  it("runs Caddy, not Traefik, on the edge with 80/443 as the only published ports", async () => {
    const ev = await runCached(stack);
    const apps = containers(ev).map((c) => labelsOf(c)[LABELS.app]);
    expect(apps).toContain("caddy");
    expect(apps).not.toContain("traefik");
    const caddy = container(ev, "caddy");
    const image = ev.resources.find((r) => r.name === "caddy-image");
    expect(image?.inputs.name).toBe("iarekylew00t/caddy-cloudflare:2.11.2");
    expect(labelsOf(caddy)[LABELS.host]).toBe("gate");
    expect(
      (caddy.inputs.ports as { internal: number; external: number }[]).map((p) => [
        p.internal,
        p.external,
      ]),
    ).toEqual([
      [80, 80],
      [443, 443],
    ]);
    expect(caddy.inputs.networksAdvanced).toEqual([
      expect.objectContaining({ aliases: ["caddy"] }),
    ]);
    // No route files: Traefik's watched directory does not exist here.
    expect(ev.resources.filter((r) => r.name.includes("-route-"))).toEqual([]);
  });

  it("runs as the owner, binds 80/443 by the container's port range, keeps only the capability its binary needs", async () => {
    const ev = await runCached(stack);
    const caddy = container(ev, "caddy");
    expect(caddy.inputs.user).toBe("1000:1000");
    expect(caddy.inputs.sysctls).toEqual({ "net.ipv4.ip_unprivileged_port_start": "0" });
    expect(caddy.inputs.capabilities).toEqual({ drops: ["ALL"], adds: ["CAP_NET_BIND_SERVICE"] });
    expect(caddy.inputs.securityOpts).toEqual(["no-new-privileges:true"]);
  });

  it("draws the routes of the offline plan from Caddy", async () => {
    const ev = await runCached(stack);
    const urls = ev.outputs.urls as Record<string, string>;
    const diagram = renderMermaid(parseSpec(stackConfig(stack)), ev, urls);
    expect(diagram).toContain("  internet --> gate_caddy\n");
    expect(diagram).toContain("  gate_caddy --> vault_jellyfin\n");
  });

  it("uploads the Caddyfile and the Cloudflare token, the token as a secret", async () => {
    const ev = await runCached(stack);
    const uploads = uploadsOf(ev, "caddy");
    expect(uploads.map((u) => u.file).sort()).toEqual([
      CADDYFILE_PATH,
      "/run/secrets/cf_dns_api_token",
    ]);
    expect(uploads.find((u) => u.file === "/run/secrets/cf_dns_api_token")?.content).toBe(
      "<secret cloudflare:apiToken>",
    );
    const caddyfileText = uploads.find((u) => u.file === CADDYFILE_PATH)?.content ?? "";
    expect(caddyfileText).not.toContain("<secret");
    expect(caddyfileText).toContain("*.example.org {");
    expect(container(ev, "caddy").secretPaths.some((p) => p.startsWith("uploads"))).toBe(true);
  });

  it("re-creates only Caddy when an app is added (its routes are one file), besides the new app", async () => {
    const base = await runCached(stack);
    const added = await run(
      withConfig(stackConfig(stack), (c) => {
        c["homelab:apps"] = { dozzle: { enabled: true } };
      }),
    );
    expect(added.error).toBeUndefined();
    const inputs = (ev: Evaluation) =>
      new Map(containers(ev).map((c) => [c.name, JSON.stringify(c.inputs)]));
    const a = inputs(base);
    const b = inputs(added);
    expect([...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k))).toEqual([
      "caddy-container",
    ]);
    expect([...b.keys()].filter((k) => !a.has(k))).toEqual(["dozzle-container"]);
    const after = caddyTree(
      uploadsOf(added, "caddy").find((u) => u.file === CADDYFILE_PATH)?.content ?? "",
    );
    expect(appRoute(after, "dozzle", "")?.lines).toEqual([
      "import client-headers",
      "import authelia",
      "reverse_proxy http://dozzle:8080",
    ]);
    expect(block(after, "reverse_proxy http://dozzle:8080").lines).toEqual([
      "import trust-cloudflare",
    ]);
  });
});
