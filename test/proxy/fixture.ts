import { CATALOG } from "../../catalog";
import type { AppDefinition } from "../../catalog/types";
import type { AppSpec, HomelabSpec, HostSpec } from "../../config/spec";

/**
 * Apps the catalog does not have, for router features no catalog app uses today (an HTTPS
 * backend, a LAN-only admin UI). Every other app is the catalog's own definition.
 */
const TEST_DEFS: readonly AppDefinition[] = [
  {
    name: "portainer",
    profile: "infra",
    description: "Container admin UI",
    image: { repository: "portainer/portainer-ce", tag: "2.21.4" },
    route: { port: 9443, auth: "two_factor", lanOnly: true, scheme: "https" },
    health: { none: "distroless" },
    memoryMb: 128,
  },
  {
    name: "immich",
    profile: "media",
    description: "Photos",
    image: { repository: "ghcr.io/immich-app/immich-server", tag: "v1.122.0" },
    route: { port: 2283, subdomain: "photos", auth: "one_factor", bypassPaths: ["^/api/.*"] },
    health: { none: "checked by the app" },
    memoryMb: 2048,
  },
  {
    name: "paperless",
    profile: "productivity",
    description: "Documents; not in the base specs, used to test adding an app",
    image: { repository: "ghcr.io/paperless-ngx/paperless-ngx", tag: "2.13.5" },
    route: { port: 8000, subdomain: "docs", auth: "one_factor" },
    health: { none: "test" },
    memoryMb: 512,
  },
];

for (const d of TEST_DEFS)
  if (CATALOG.has(d.name)) throw new Error(`test app ${d.name} would shadow the catalog's`);

const DEFS = new Map<string, AppDefinition>([
  ...[...CATALOG.entries()],
  ...TEST_DEFS.map((d): [string, AppDefinition] => [d.name, d]),
]);

/** Definition lookup over the catalog plus the test-only apps. */
export function def(name: string): AppDefinition {
  const d = DEFS.get(name);
  if (!d) throw new Error(`fixture has no app ${name}`);
  return d;
}

/** An AppSpec as config/ would produce it: catalog defaults, optional overrides. */
export function app(name: string, host: string, over: Partial<AppSpec> = {}): AppSpec {
  const d = def(name);
  return {
    name,
    host,
    subdomain: d.route?.subdomain ?? name,
    memoryMb: d.memoryMb,
    env: {},
    auth: d.route?.auth ?? "bypass",
    ...over,
  };
}

const atlas: HostSpec = {
  name: "atlas",
  docker: { kind: "ssh", url: "ssh://ops@10.0.10.2", user: "ops", host: "10.0.10.2", port: 22 },
  address: "10.0.10.2",
  edge: true,
  gpu: "none",
  storage: { ssd: "/srv/ssd" },
  ssh: { user: "ops", port: 22 },
};

const nas: HostSpec = {
  name: "nas",
  docker: { kind: "ssh", url: "ssh://ops@10.0.10.5", user: "ops", host: "10.0.10.5", port: 22 },
  address: "10.0.10.5",
  edge: false,
  gpu: "intel",
  renderGroup: 105,
  storage: { ssd: "/srv/ssd", hdd: "/mnt/tank" },
  ssh: { user: "ops", port: 22 },
};

const local: HostSpec = {
  name: "local",
  docker: { kind: "unix", url: "unix:///var/run/docker.sock", socketPath: "/var/run/docker.sock" },
  address: "127.0.0.1",
  edge: true,
  gpu: "none",
  storage: { ssd: "/var/lib/homelab" },
};

function base(): Omit<HomelabSpec, "mode" | "domain" | "hosts" | "apps" | "dns" | "sso"> {
  return {
    project: "homelab",
    stack: "test",
    timezone: "Europe/Berlin",
    owner: { uid: 1000, gid: 1000 },
    lanCidrs: ["10.0.10.0/24", "192.168.1.0/24"],
    storage: {},
    profiles: ["core", "media"],
    tls: { email: "owner@example.org", staging: false },
    backup: {
      schedule: "0 3 * * *",
      checkSchedule: "0 5 * * 0",
      checkReadData: "5%",
      repositories: [{ url: "local", retention: { daily: 7, weekly: 4, monthly: 6 } }],
      include: [],
    },
    alerting: { receiver: "none" },
    observability: { retentionDays: 30, logRetentionDays: 14 },
    secretsPresent: ["cloudflare:apiToken"],
  };
}

function sortApps(apps: AppSpec[]): AppSpec[] {
  return [...apps].sort((a, b) => a.name.localeCompare(b.name));
}

/** Domain mode, Cloudflare DNS, Authelia, an edge (`atlas`) and a storage host (`nas`). */
export function domainSpec(over: Partial<HomelabSpec> = {}): HomelabSpec {
  return {
    ...base(),
    mode: "domain",
    domain: "lab.example.org",
    hosts: [atlas, nas],
    apps: sortApps([
      app("traefik", "atlas"),
      app("authelia", "atlas"),
      app("whoami", "atlas"),
      app("portainer", "atlas"),
      app("vaultwarden", "atlas"),
      app("grafana", "atlas"),
      app("postgres", "atlas"),
      app("jellyfin", "nas"),
      app("immich", "nas"),
    ]),
    dns: { provider: "cloudflare", zone: "example.org", target: "203.0.113.7", proxied: false },
    sso: { provider: "authelia", usersFromConfig: false },
    ...over,
  };
}

/** The embedded default: one local host, localhost mode, no SSO, no DNS. */
export function localhostSpec(over: Partial<HomelabSpec> = {}): HomelabSpec {
  return {
    ...base(),
    mode: "localhost",
    domain: "localhost",
    tls: undefined,
    hosts: [local],
    apps: sortApps([app("traefik", "local"), app("whoami", "local"), app("portainer", "local")]),
    dns: { provider: "none", zone: "", target: "", proxied: false },
    sso: { provider: "none", usersFromConfig: false },
    secretsPresent: [],
    ...over,
  };
}

/** The same spec with one more app, as `homelab:apps` would add it. */
export function withApp(spec: HomelabSpec, extra: AppSpec): HomelabSpec {
  return { ...spec, apps: sortApps([...spec.apps, extra]) };
}

export function appNamed(spec: HomelabSpec, name: string): AppSpec {
  const a = spec.apps.find((x) => x.name === name);
  if (!a) throw new Error(`spec has no app ${name}`);
  return a;
}

/** Parsed YAML, navigated by a dotted path (array indices as numbers). */
export function dig(doc: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((cur, key) => {
    if (cur === null || typeof cur !== "object") return undefined;
    return (cur as Record<string, unknown>)[key];
  }, doc);
}
