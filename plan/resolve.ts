/**
 * The resolve stage: the stack file as config/ read it, plus the catalog, become the spec the
 * program deploys. Placement (plan/placement.ts) and every check that needs an app's
 * definition run here, and every problem of both stages is reported in one ConfigError.
 */
import { CATALOG } from "../catalog";
import type { AppDefinition } from "../catalog/types";
import { ConfigError, type ConfigIssue } from "../config/errors";
import { k, NS, readStack, stackInput, type StackInput } from "../config/load";
import { keySchemas, type KeyName, type RawConfig } from "../config/schema";
import { proxyOf, type AppSpec, type HomelabSpec, type HostSpec } from "../config/spec";
import { prometheusHost, publishedPorts } from "./container";
import { dataServiceIssues, withoutIdleDatabases } from "./dataServices";
import { uptimeIssues } from "./observability/uptime";
import { appsNeedingSso } from "./overrides";
import { placeApps, type Conditions } from "./placement";
import { DIRECT_SUBDOMAIN, needsDirectTarget } from "./proxy/dns";
import { rehearse } from "./rehearse";
import { resolveTier } from "./storage";

/**
 * The SSO portal and its session store, and CrowdSec's bouncer: forward-auth reaches them on
 * the edge's network.
 */
const EDGE_ONLY_APPS: ReadonlySet<string> = new Set([
  "authelia",
  "authelia-redis",
  "crowdsec-bouncer",
]);

/** Apps that only make sense on the edge: whatever publishes 80/443, and the SSO portal. */
function edgeOnly(def: AppDefinition): boolean {
  return (
    EDGE_ONLY_APPS.has(def.name) || (def.ports ?? []).some((p) => p.host === 80 || p.host === 443)
  );
}

/** Checks that need the placed apps and their definitions: names, ports, hosts, tiers, partners. */
function checkApps(
  apps: readonly AppSpec[],
  hosts: readonly HostSpec[],
  raw: RawConfig,
  present: ReadonlySet<string>,
  issues: ConfigIssue[],
): void {
  const bySubdomain = new Map<string, string>();
  const ports = new Map<string, string>();
  const memory = new Map<string, number>();
  const pinned = (name: string) => raw.apps?.[name]?.host !== undefined;
  // The data tree is where the apps placed by default went; blame the ones pinned elsewhere.
  const dataApps = apps.filter((a) => CATALOG.get(a.name)?.data !== undefined);
  const dataHostOf = dataApps.find((a) => !pinned(a.name)) ?? dataApps[0];
  const required = new Map<string, string[]>();
  const prometheusOn = prometheusHost({ apps });
  for (const app of apps) {
    const def = CATALOG.get(app.name);
    const host = hosts.find((h) => h.name === app.host);
    if (!def || !host) continue;
    if (def.route && !def.perHost) {
      const owner = bySubdomain.get(app.subdomain);
      if (owner) {
        issues.push({
          key: k("apps", [app.name, "subdomain"]),
          message: `"${app.subdomain}" is already used by ${owner}`,
        });
      } else bySubdomain.set(app.subdomain, app.name);
    }
    const stack = { prometheusOn, hostCount: hosts.length, mode: raw.mode ?? "domain" };
    const published = publishedPorts(def, host, stack).map((p) => `${p.external}/${p.protocol}`);
    for (const port of published) {
      const taken = ports.get(`${host.name}:${port}`);
      if (taken) {
        issues.push({
          key: k("apps", [app.name, "host"]),
          message: `port ${port} on host ${host.name} is already published by ${taken}`,
        });
      } else ports.set(`${host.name}:${port}`, app.name);
    }
    const edgeDecided = hosts.filter((h) => h.edge).length === 1;
    if (edgeDecided && !host.edge && edgeOnly(def)) {
      issues.push({
        key: k("apps", [app.name, "host"]),
        message: `${app.name} ${def.ports?.some((p) => p.host === 80 || p.host === 443) ? "publishes 80/443" : "is reached by the edge proxy by container name"}, so it runs on the edge host only`,
      });
    }
    memory.set(host.name, (memory.get(host.name) ?? 0) + app.memoryMb);
    for (const cls of new Set([
      ...(def.volumes ?? []).map((v) => v.class),
      ...(def.data ? ["data" as const] : []),
    ])) {
      if (resolveTier(cls, host, raw.storage ?? {}) === undefined) {
        issues.push({
          key: k("storage", [cls]),
          message: `maps to ${raw.storage?.[cls]}, which host ${host.name} (running ${app.name}) lacks; it has ${Object.keys(host.storage).join(", ")}`,
        });
      }
    }
    if (def.data && dataHostOf && dataHostOf.host !== app.host) {
      issues.push({
        key: k("apps", [app.name, "host"]),
        message: `the shared /data tree is on ${dataHostOf.host} (${dataHostOf.name}); apps that mount it must run on one host so hardlinks and moves work`,
      });
    }
    const partner = def.colocateWith ? apps.find((a) => a.name === def.colocateWith) : undefined;
    if (partner && partner.host !== app.host) {
      const blamed = pinned(partner.name) && !pinned(app.name) ? partner : app;
      issues.push({
        key: k("apps", [blamed.name, "host"]),
        message: `${app.name} reaches ${partner.name} by container name, so both must be on one host (${app.name} is on ${app.host}, ${partner.name} on ${partner.host})`,
      });
    }
    if (def.networkOf) {
      const owner = apps.find((a) => a.name === def.networkOf);
      if (!owner) {
        issues.push({
          key: k("apps", [def.networkOf, "enabled"]),
          message: `required because ${app.name} runs in its network namespace`,
        });
      } else if (owner.host !== app.host) {
        const blamed = pinned(owner.name) && !pinned(app.name) ? owner : app;
        issues.push({
          key: k("apps", [blamed.name, "host"]),
          message: `${app.name} runs in ${owner.name}'s network namespace, so both must be on one host (${app.name} is on ${app.host}, ${owner.name} on ${owner.host})`,
        });
      }
    }
    // Recyclarr has nothing to sync without Sonarr or Radarr (plan/wiring/recyclarr.ts).
    if (app.name === "recyclarr" && !apps.some((a) => a.name === "sonarr" || a.name === "radarr"))
      issues.push({
        key: k("apps", ["recyclarr", "enabled"]),
        message: "Recyclarr syncs Sonarr and Radarr: enable at least one of them",
      });
    for (const req of def.requires ?? []) {
      const name = req.replace(`${NS}:`, "");
      const set = name in keySchemas ? raw[name as KeyName] !== undefined : present.has(req);
      if (!set) required.set(req, [...(required.get(req) ?? []), app.name]);
    }
  }
  for (const [key, by] of required) {
    issues.push({
      key,
      message: `required because ${by.join(" and ")} ${by.length === 1 ? "is" : "are"} enabled (or switch ${by.length === 1 ? "it" : "them"} off with homelab:apps.<name>.enabled: false)`,
    });
  }
  const tmpfsMb = raw.media?.transcodeTmpfsMb;
  for (const app of apps) {
    const scratch = CATALOG.get(app.name)?.volumes?.some((v) => v.class === "transcode");
    if (tmpfsMb !== undefined && scratch && tmpfsMb >= app.memoryMb) {
      issues.push({
        key: k("media", ["transcodeTmpfsMb"]),
        message: `${tmpfsMb} MB does not fit in ${app.name}'s memory limit of ${app.memoryMb} MB (tmpfs pages count against it); raise homelab:apps.${app.name}.memoryMb`,
      });
    }
  }
  for (const host of hosts) {
    const used = memory.get(host.name) ?? 0;
    if (host.memoryMb !== undefined && used > host.memoryMb) {
      issues.push({
        key: k("hosts", [host.name, "memoryMb"]),
        message: `apps placed on ${host.name} reserve ${used} MB of memory, more than its ${host.memoryMb} MB`,
      });
    }
  }
}

function missingApp(name: string): AppDefinition {
  throw new Error(`unknown app ${name}`);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** CrowdSec's bouncer asks CrowdSec for every request: without it, every request would get 403. */
function bouncerIssues(apps: readonly AppSpec[]): ConfigIssue[] {
  const has = (name: string) => apps.some((a) => a.name === name);
  return has("crowdsec-bouncer") && !has("crowdsec")
    ? [
        {
          key: k("apps", ["crowdsec-bouncer", "enabled"]),
          message:
            "needs crowdsec, which it asks about every request (it would answer 403 to all); disable it with crowdsec",
        },
      ]
    : [];
}

/** Every companion enabled with its app, on its app's host (DESIGN §2: one home per app). */
function companionIssues(apps: readonly AppSpec[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const def of CATALOG.values()) {
    const owner = def.companionOf;
    if (!owner) continue;
    const companions = apps.filter((a) => a.name === def.name);
    for (const o of apps.filter((a) => a.name === owner)) {
      if (companions.length === 0) {
        issues.push({
          key: k("apps", [def.name, "enabled"]),
          message: `required because ${owner} is enabled`,
        });
      } else if (!companions.some((c) => c.host === o.host)) {
        issues.push({
          key: k("apps", [def.name, "host"]),
          message: `must be ${o.host}, where ${owner} runs (they share a host-local network or directory)`,
        });
      }
    }
  }
  return issues;
}

/**
 * Validates a whole stack and returns the frozen spec, or throws one ConfigError listing every
 * problem: the stack file's own (config/), then the apps' (placement, checks, a rehearsal of
 * every generator), all before the first resource.
 */
export function parseSpec(input: StackInput): HomelabSpec {
  const { settings, raw, present, broken, issues } = readStack(input);
  const { hosts, mode, dns, sso } = settings;
  const conditions: Conditions = {
    sso: sso.provider === "authelia" && mode === "domain",
    ddns: dns.provider === "cloudflare" && dns.target === "ddns",
    traefik: proxyOf(settings) === "traefik",
    caddy: proxyOf(settings) === "caddy",
  };
  const apps = withoutIdleDatabases(
    placeApps(raw, hosts, settings.profiles, conditions, issues, broken.hosts),
  );
  checkApps(apps, hosts, raw, present, issues);
  if (needsDirectTarget({ dns })) {
    for (const app of apps.filter((a) => a.subdomain === DIRECT_SUBDOMAIN)) {
      issues.push({
        key: k("apps", [app.name, "subdomain"]),
        message: `"${DIRECT_SUBDOMAIN}" is the DNS-only name the DDNS updater keeps under a proxied apex; choose another`,
      });
    }
  }
  if (mode === "domain" && sso.provider === "none") {
    const exposed = appsNeedingSso(apps, (name) => CATALOG.get(name) ?? missingApp(name));
    if (exposed.length > 0) {
      issues.push({
        key: k("sso", ["provider"]),
        message: `none in domain mode would publish ${exposed.join(", ")} to the internet without any login; use authelia (or switch those apps off)`,
      });
    }
  }
  const spec: HomelabSpec = { ...settings, apps };
  // Checks that need the placed apps (database servers next to their consumers) join the
  // same report. Then, on an otherwise valid spec, a rehearsal of every generator that could
  // still refuse a value (it would only echo problems already listed): all before any resource.
  issues.push(...dataServiceIssues(spec), ...companionIssues(apps), ...bouncerIssues(apps));
  issues.push(...uptimeIssues(spec));
  if (issues.length === 0) issues.push(...rehearse(spec));
  if (issues.length > 0) throw new ConfigError(issues);
  return deepFreeze(spec);
}

/** The running stack's spec (what the program deploys). */
export function loadSpec(): HomelabSpec {
  return parseSpec(stackInput());
}
