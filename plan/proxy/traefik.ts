/**
 * Traefik v3 configuration as pure functions of the spec (DESIGN §5, §7).
 *
 * - The static file (`traefik.yml`) depends on settings only.
 * - The shared dynamic file (`middlewares.yml`) depends on settings only.
 * - Apps on the edge host are routed by their own container labels (`routerLabels`).
 * - Apps on other hosts get ONE dynamic file each (`remoteRoutesConfig`), so adding an
 *   app adds a file and changes no other input: Traefik watches the directory.
 */
import { stringify } from "yaml";
import { definitionOf } from "../../catalog";
import {
  CROWDSEC_BOUNCER_APP,
  CROWDSEC_BOUNCER_AUTH_PATH,
  CROWDSEC_BOUNCER_PORT,
} from "../../catalog/security";
import type { AppDefinition, RouteDefinition } from "../../catalog/types";
import { hostByName, type AppSpec, type HomelabSpec } from "../../config/spec";

/** Docker network Traefik reaches routed containers on (one per host, DESIGN §5). */
export const PROXY_NETWORK = "proxy";
/** Where the shared dynamic file and the per-app remote route files live in the container. */
export const DYNAMIC_DIR = "/etc/traefik/dynamic";
/** Static configuration path inside the Traefik container. */
export const STATIC_CONFIG_PATH = "/etc/traefik/traefik.yml";
/** ACME account and certificates (config class, `certs` sub-directory). */
export const ACME_STORAGE = "/certs/acme.json";
/** JSON access log read by CrowdSec / fail2ban (logs class). */
export const ACCESS_LOG = "/var/log/traefik/access.log";
/** The Docker socket proxy, on the host's private socket network. */
export const DOCKER_ENDPOINT = "tcp://socket-proxy:2375";
/** File name of the shared dynamic configuration in {@link DYNAMIC_DIR}. */
export const MIDDLEWARES_FILE = "middlewares.yml";
/** Forward-auth target: the Authelia container on the edge host's proxy network. */
export const AUTHELIA_AUTHZ_URL = "http://authelia:9091/api/authz/forward-auth";
/** Catalog name of the SSO portal; its router gets the rate limit instead of forward-auth. */
export const SSO_PORTAL_APP = "authelia";
/** Catalog name of the proxy itself; its router serves the dashboard (`api@internal`). */
export const PROXY_APP = "traefik";

export const ENTRYPOINT_PORTS = { web: 80, websecure: 443, metrics: 8082, traefik: 8080 } as const;

/** Let's Encrypt directories; staging issues untrusted certs without production rate limits. */
export const LE_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
export const LE_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

/** Names of the shared middlewares, as routers reference them (`<name>@file`). */
export const MIDDLEWARES = {
  securityHeaders: "security-headers",
  authelia: "authelia",
  lanOnly: "lan-only",
  ssoRateLimit: "sso-ratelimit",
  forwardedStrip: "strip-forwarded",
  crowdsec: "crowdsec",
} as const;

/** The CrowdSec bouncer's forward-auth endpoint, on the edge host's proxy network. */
export const CROWDSEC_BOUNCER_URL = `http://${CROWDSEC_BOUNCER_APP}:${CROWDSEC_BOUNCER_PORT}${CROWDSEC_BOUNCER_AUTH_PATH}`;

/** Whether the edge proxy asks CrowdSec's bouncer before every route (CrowdSec is enabled). */
export function crowdsecBouncing(spec: HomelabSpec): boolean {
  return spec.apps.some((a) => a.name === CROWDSEC_BOUNCER_APP);
}

/**
 * Headers a client could send through Cloudflare (whose addresses Traefik trusts in proxied
 * mode) to make Authelia judge another request than the real one: `X-Forwarded-Host:
 * auth.<domain>` would match the portal's bypass rule. Removed before forward-auth, so
 * Traefik fills them from the request itself (method, host, URI); the scheme and port are
 * pinned, since only the HTTPS entrypoint carries routers in domain mode.
 */
export const CLIENT_FORWARDED_HEADERS: Readonly<Record<string, string>> = {
  "X-Forwarded-Host": "",
  "X-Forwarded-Uri": "",
  "X-Forwarded-Method": "",
  "X-Original-Url": "",
  "X-Original-Method": "",
  "X-Forwarded-Proto": "https",
  "X-Forwarded-Port": "443",
};
/** Servers transport for apps that only speak HTTPS with a self-signed certificate. */
/** Cloudflare's published proxy ranges (cloudflare.com/ips). */
export const CLOUDFLARE_RANGES = [
  "173.245.48.0/20",
  "103.21.244.0/22",
  "103.22.200.0/22",
  "103.31.4.0/22",
  "141.101.64.0/18",
  "108.162.192.0/18",
  "190.93.240.0/20",
  "188.114.96.0/20",
  "197.234.240.0/22",
  "198.41.128.0/17",
  "162.158.0.0/15",
  "104.16.0.0/13",
  "104.24.0.0/14",
  "172.64.0.0/13",
  "131.0.72.0/22",
  "2400:cb00::/32",
  "2606:4700::/32",
  "2803:f800::/32",
  "2405:b500::/32",
  "2405:8100::/32",
  "2a06:98c0::/29",
  "2c0f:f248::/32",
] as const;

/** Whether requests reach Traefik through Cloudflare's proxy. */
export function cloudflareProxied(spec: HomelabSpec): boolean {
  return spec.mode === "domain" && spec.dns.provider === "cloudflare" && spec.dns.proxied;
}

export const INSECURE_TRANSPORT = "insecure-https";

/**
 * Env var → in-container file path for Traefik's secrets. lego (Traefik's ACME library)
 * reads `CF_DNS_API_TOKEN` (alias `CLOUDFLARE_DNS_API_TOKEN`) and accepts the `_FILE`
 * suffix on every provider variable, so the token never appears in env or config.
 */
export const TRAEFIK_SECRET_ENV: Readonly<Record<string, { secret: string; path: string }>> = {
  CF_DNS_API_TOKEN_FILE: { secret: "cloudflare:apiToken", path: "/run/secrets/cf_dns_api_token" },
};

/** The secret env Traefik needs for this spec: the DNS token only for the DNS-01 challenge. */
export function traefikSecretEnv(spec: HomelabSpec): Record<string, string> {
  if (acmeChallenge(spec) !== "cloudflare") return {};
  return Object.fromEntries(Object.entries(TRAEFIK_SECRET_ENV).map(([k, v]) => [k, v.path]));
}

const HEADER = "# Generated by homelab (Pulumi). Do not edit: changes are overwritten.\n";

function toYaml(doc: unknown): string {
  return HEADER + stringify(doc, { lineWidth: 0 });
}

function isDomainMode(spec: HomelabSpec): boolean {
  return spec.mode === "domain";
}

/** SSO is on only when explicitly configured (in either mode). */
export function ssoEnabled(spec: HomelabSpec): boolean {
  return spec.sso.provider === "authelia";
}

/** Whether the edge proxy asks Authelia before the app: SSO on, not the portal, not `bypass`. */
export function asksAuthelia(spec: HomelabSpec, app: Pick<AppSpec, "name" | "auth">): boolean {
  return ssoEnabled(spec) && app.name !== SSO_PORTAL_APP && app.auth !== "bypass";
}

/** The entrypoint routers attach to: HTTPS in domain mode, plain HTTP on localhost. */
export function routerEntrypoint(spec: HomelabSpec): "web" | "websecure" {
  return isDomainMode(spec) ? "websecure" : "web";
}

/** The fully-qualified host an app is served on. */
export function appHost(spec: HomelabSpec, app: Pick<AppSpec, "subdomain">): string {
  return isDomainMode(spec) ? `${app.subdomain}.${spec.domain}` : `${app.subdomain}.localhost`;
}

/** Public URL of an app: `https://<sub>.<domain>` or `http://<sub>.localhost`. */
export function appUrl(spec: HomelabSpec, app: Pick<AppSpec, "subdomain">): string {
  return `${isDomainMode(spec) ? "https" : "http"}://${appHost(spec, app)}`;
}

function hostRule(spec: HomelabSpec, app: AppSpec): string {
  return `Host(\`${appHost(spec, app)}\`)`;
}

function routeOf(app: AppSpec, def: AppDefinition): RouteDefinition {
  if (!def.route) throw new Error(`app ${app.name} has no route in the catalog`);
  return def.route;
}

/** DNS-01 through Cloudflare gives the wildcard; without a DNS provider, HTTP-01 per host. */
function acmeChallenge(spec: HomelabSpec): "cloudflare" | "http" | "none" {
  if (!isDomainMode(spec)) return "none";
  return spec.dns.provider === "cloudflare" ? "cloudflare" : "http";
}

/** Private ranges used for `lan-only` when `homelab:lanCidrs` is empty. */
export const DEFAULT_LAN_CIDRS: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "fc00::/7",
];

export function lanCidrs(spec: HomelabSpec): string[] {
  return [...(spec.lanCidrs.length > 0 ? spec.lanCidrs : DEFAULT_LAN_CIDRS)];
}

/**
 * `/etc/traefik/traefik.yml`. Mounts the CoreStack provides: `/certs` (config class, `certs`),
 * `/etc/traefik/dynamic` (config class, `dynamic`, read-only), `/var/log/traefik` (logs).
 */
export function traefikStaticConfig(
  spec: HomelabSpec,
  proxyNetwork: string = PROXY_NETWORK,
): string {
  const challenge = acmeChallenge(spec);
  const domainMode = isDomainMode(spec);
  // Large uploads (photos, cloud sync) outlive v3's 60s default read timeout.
  const transport = { respondingTimeouts: { readTimeout: "600s" } };

  const entryPoints: Record<string, unknown> = {};
  if (domainMode) {
    entryPoints.web = {
      address: `:${ENTRYPOINT_PORTS.web}`,
      asDefault: true,
      http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } },
    };
    const tls: Record<string, unknown> = { certResolver: "letsencrypt" };
    // One wildcard certificate for every app: no per-router resolver, no name leaks to CT
    // logs per app, and adding an app never waits for issuance.
    if (challenge === "cloudflare")
      tls.domains = [{ main: spec.domain, sans: [`*.${spec.domain}`] }];
    entryPoints.websecure = {
      address: `:${ENTRYPOINT_PORTS.websecure}`,
      asDefault: true,
      transport,
      http: { tls },
      // Behind Cloudflare's proxy the peer is a Cloudflare edge: trust its X-Forwarded-For.
      ...(cloudflareProxied(spec)
        ? { forwardedHeaders: { trustedIPs: [...CLOUDFLARE_RANGES] } }
        : {}),
    };
  } else {
    entryPoints.web = { address: `:${ENTRYPOINT_PORTS.web}`, asDefault: true, transport };
  }
  entryPoints.metrics = { address: `:${ENTRYPOINT_PORTS.metrics}` };
  entryPoints.traefik = { address: `:${ENTRYPOINT_PORTS.traefik}` };

  const doc: Record<string, unknown> = {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    log: { level: "INFO" },
    accessLog: {
      filePath: ACCESS_LOG,
      format: "json",
      bufferingSize: 100,
      fields: { headers: { defaultMode: "drop", names: { "User-Agent": "keep" } } },
    },
    api: { dashboard: true, insecure: false },
    ping: { entryPoint: "traefik" },
    metrics: {
      prometheus: {
        entryPoint: "metrics",
        addEntryPointsLabels: true,
        addRoutersLabels: true,
        addServicesLabels: true,
      },
    },
    entryPoints,
    providers: {
      docker: {
        endpoint: DOCKER_ENDPOINT,
        exposedByDefault: false,
        network: proxyNetwork,
        watch: true,
      },
      file: { directory: DYNAMIC_DIR, watch: true },
    },
  };

  if (challenge !== "none") {
    const email = spec.tls?.email;
    if (!email) throw new Error("homelab:tls.email is required in domain mode (ACME account)");
    const acme: Record<string, unknown> = {
      email,
      storage: ACME_STORAGE,
      caServer: spec.tls?.staging ? LE_STAGING : LE_PRODUCTION,
    };
    if (challenge === "cloudflare") {
      // Public resolvers for the propagation check: a local Pi-hole may answer for the zone.
      acme.dnsChallenge = { provider: "cloudflare", resolvers: ["1.1.1.1:53", "1.0.0.1:53"] };
    } else {
      acme.httpChallenge = { entryPoint: "web" };
    }
    doc.certificatesResolvers = { letsencrypt: { acme } };
  }
  return toYaml(doc);
}

/**
 * The shared dynamic file (`middlewares.yml`). Depends on settings and on whether CrowdSec
 * runs, never on the routed apps, so adding an app never rewrites it.
 */
export function middlewaresConfig(spec: HomelabSpec): string {
  const domainMode = isDomainMode(spec);
  const headers: Record<string, unknown> = {};
  if (domainMode) {
    Object.assign(headers, { stsSeconds: 31536000, stsIncludeSubdomains: true, stsPreload: true });
  }
  // No browserXssFilter: X-XSS-Protection is obsolete and ignored by current browsers;
  // the option still exists in v3 but adds nothing.
  Object.assign(headers, {
    contentTypeNosniff: true,
    frameDeny: true,
    referrerPolicy: "strict-origin-when-cross-origin",
  });

  const middlewares: Record<string, unknown> = {
    [MIDDLEWARES.securityHeaders]: { headers },
  };
  if (domainMode) {
    middlewares[MIDDLEWARES.lanOnly] = { ipAllowList: { sourceRange: lanCidrs(spec) } };
  }
  if (crowdsecBouncing(spec)) {
    // Forward-auth asks with GET and X-Forwarded-For (client-supplied copies are already
    // removed by the entrypoint unless the peer is trusted); the bouncer's 403 is the answer.
    middlewares[MIDDLEWARES.crowdsec] = {
      forwardAuth: { address: CROWDSEC_BOUNCER_URL, trustForwardHeader: true },
    };
  }
  if (ssoEnabled(spec)) {
    middlewares[MIDDLEWARES.authelia] = {
      forwardAuth: {
        address: AUTHELIA_AUTHZ_URL,
        trustForwardHeader: true,
        authResponseHeaders: ["Remote-User", "Remote-Groups", "Remote-Email", "Remote-Name"],
      },
    };
    if (cloudflareProxied(spec)) {
      middlewares[MIDDLEWARES.forwardedStrip] = {
        headers: { customRequestHeaders: { ...CLIENT_FORWARDED_HEADERS } },
      };
    }
    // Per client IP; Authelia's own regulation bans accounts/IPs after failed logins.
    middlewares[MIDDLEWARES.ssoRateLimit] = {
      rateLimit: {
        average: 60,
        period: "1m",
        burst: 30,
        // Behind Cloudflare every request comes from an edge address: limit per real client.
        ...(cloudflareProxied(spec) ? { sourceCriterion: { ipStrategy: { depth: 1 } } } : {}),
      },
    };
  }

  return toYaml({
    http: {
      middlewares,
      serversTransports: { [INSECURE_TRANSPORT]: { insecureSkipVerify: true } },
    },
  });
}

/**
 * Middlewares a router uses, in order: headers outermost (so auth redirects and 403s carry
 * them), then CrowdSec's bouncer on every router (bypass ones and the portal too, so a banned
 * address never reaches a login), then the LAN filter before any auth work, then the portal
 * rate limit or forward-auth (behind Cloudflare preceded by the removal of client-supplied
 * forwarding headers).
 *
 * Apps with `bypassPaths` (media API/stream paths) still get forward-auth: Authelia's
 * access rules bypass exactly those paths, so native clients work while the web UI stays
 * behind SSO. Splitting them into a second unauthenticated router would duplicate the
 * path list in labels and in Authelia and let the two drift apart.
 */
export function routerMiddlewares(spec: HomelabSpec, app: AppSpec, def: AppDefinition): string[] {
  const route = routeOf(app, def);
  const out: string[] = [`${MIDDLEWARES.securityHeaders}@file`];
  if (crowdsecBouncing(spec)) out.push(`${MIDDLEWARES.crowdsec}@file`);
  if (route.lanOnly && isDomainMode(spec)) out.push(`${MIDDLEWARES.lanOnly}@file`);
  if (ssoEnabled(spec) && app.name === SSO_PORTAL_APP) out.push(`${MIDDLEWARES.ssoRateLimit}@file`);
  else if (asksAuthelia(spec, app)) {
    if (cloudflareProxied(spec)) out.push(`${MIDDLEWARES.forwardedStrip}@file`);
    out.push(`${MIDDLEWARES.authelia}@file`);
  }
  return out;
}

/**
 * Docker labels routing an app on the edge host. TLS comes from the entrypoint (wildcard),
 * so there is no per-router resolver.
 */
export function routerLabels(
  spec: HomelabSpec,
  app: AppSpec,
  def: AppDefinition,
  proxyNetwork: string = PROXY_NETWORK,
): Record<string, string> {
  const route = routeOf(app, def);
  const r = `traefik.http.routers.${app.name}`;
  const s = `traefik.http.services.${app.name}`;
  const labels: Record<string, string> = {
    "traefik.enable": "true",
    "traefik.docker.network": proxyNetwork,
    [`${r}.rule`]: hostRule(spec, app),
    [`${r}.entrypoints`]: routerEntrypoint(spec),
    [`${r}.middlewares`]: routerMiddlewares(spec, app, def).join(","),
  };
  if (app.name === PROXY_APP) {
    // The dashboard is an internal service; the API is never served insecurely.
    labels[`${r}.service`] = "api@internal";
    return labels;
  }
  labels[`${r}.service`] = app.name;
  labels[`${s}.loadbalancer.server.port`] = String(route.port);
  if (route.scheme === "https") {
    labels[`${s}.loadbalancer.server.scheme`] = "https";
    labels[`${s}.loadbalancer.serverstransport`] = `${INSECURE_TRANSPORT}@file`;
  }
  return labels;
}

/**
 * Port an app on a non-edge host is published on, bound to that host's LAN address.
 * Convention: the route's container port, published on the same host port.
 */
export function remoteRoutePort(def: AppDefinition): number {
  if (!def.route) throw new Error(`app ${def.name} has no route in the catalog`);
  // Privileged ports stay free on every host but the edge (80/443 belong to the proxy).
  return def.route.port < 1024 ? 10000 + def.route.port : def.route.port;
}

/** File name of an app's remote route in {@link DYNAMIC_DIR}. */
export function remoteRouteFileName(app: Pick<AppSpec, "name">): string {
  return `app-${app.name}.yml`;
}

/** Whether an app runs on a host other than the edge and so needs a file route. */
export function isRemote(spec: HomelabSpec, app: AppSpec): boolean {
  return !hostByName(spec, app.host).edge;
}

/**
 * One dynamic file for an app on a non-edge host: its router and a service pointing at
 * `<scheme>://<host address>:<published port>`. Undefined for apps on the edge (routed by
 * labels) and for apps without a route.
 */
export function remoteRoutesConfig(
  spec: HomelabSpec,
  app: AppSpec,
  def: AppDefinition = definitionOf(app.name),
): string | undefined {
  const host = hostByName(spec, app.host);
  if (host.edge || !def.route) return undefined;
  const scheme = def.route.scheme ?? "http";
  const service: Record<string, unknown> = {
    servers: [{ url: `${scheme}://${host.address}:${remoteRoutePort(def)}` }],
    passHostHeader: true,
  };
  if (scheme === "https") service.serversTransport = `${INSECURE_TRANSPORT}@file`;
  return toYaml({
    http: {
      routers: {
        [app.name]: {
          rule: hostRule(spec, app),
          entryPoints: [routerEntrypoint(spec)],
          middlewares: routerMiddlewares(spec, app, def),
          service: app.name,
        },
      },
      services: { [app.name]: { loadBalancer: service } },
    },
  });
}
