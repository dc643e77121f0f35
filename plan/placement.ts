import { CATALOG } from "../catalog";
import type { AppDefinition } from "../catalog/types";
import type { ConfigIssue } from "../config/errors";
import { k } from "../config/load";
import type { RawConfig } from "../config/schema";
import type { AppSpec, HostSpec, Profile } from "../config/spec";
import { authOverrideProblem, envOverrideProblem } from "./overrides";

/** Hosts ordered so that defaults are stable: the edge first, then by name. */
function ordered(hosts: readonly HostSpec[]): HostSpec[] {
  return [...hosts].sort((a, b) => Number(b.edge) - Number(a.edge) || a.name.localeCompare(b.name));
}

const GPU_PREFERENCE = { nvidia: 0, intel: 1, amd: 2, none: 3 } as const;

/**
 * The host that holds the shared data tree by default: one with an HDD tier, a GPU for
 * transcoding preferred; the edge when no host has an HDD.
 */
export function dataHost(hosts: readonly HostSpec[]): HostSpec {
  const withHdd = ordered(hosts).filter((h) => h.storage.hdd !== undefined);
  const gpu = withHdd.find((h) => h.gpu !== "none");
  return gpu ?? withHdd[0] ?? ordered(hosts)[0];
}

/** The best GPU host for compute (NVIDIA first), or the edge when there is none. */
export function gpuHost(hosts: readonly HostSpec[]): HostSpec {
  return [...ordered(hosts)].sort((a, b) => GPU_PREFERENCE[a.gpu] - GPU_PREFERENCE[b.gpu])[0];
}

/** Where an app runs when `homelab:apps.<name>.host` does not say. */
export function defaultHost(def: AppDefinition, hosts: readonly HostSpec[]): HostSpec {
  const edge = ordered(hosts)[0];
  if (def.placement === "edge") return edge;
  if (def.placement === "data" || def.data !== undefined) return dataHost(hosts);
  if (def.placement === "gpu") return gpuHost(hosts);
  return edge;
}

/** Switches an app's `enabledWhen` names, as decided by the stack's settings. */
export type Conditions = Record<NonNullable<AppDefinition["enabledWhen"]>, boolean>;

const CONDITION_KEYS: Readonly<Record<keyof Conditions, string>> = {
  sso: "homelab:sso.provider authelia in domain mode",
  ddns: "homelab:dns.provider cloudflare with target ddns",
  traefik: "homelab:proxy traefik",
  caddy: "homelab:proxy caddy",
};

function isEnabled(
  def: AppDefinition,
  raw: RawConfig,
  profiles: readonly Profile[],
  conditions: Conditions,
  issues: ConfigIssue[],
): boolean {
  const override = raw.apps?.[def.name]?.enabled;
  if (def.enabledWhen && !conditions[def.enabledWhen]) {
    if (override) {
      issues.push({
        key: k("apps", [def.name, "enabled"]),
        message: `needs ${CONDITION_KEYS[def.enabledWhen]}`,
      });
    }
    return false;
  }
  if (override !== undefined) return override;
  if (def.always) return true;
  return profiles.includes(def.profile) && def.defaultEnabled !== false;
}

/**
 * Where an unpinned app goes when a partner decides for it: an app pinned into its network
 * namespace (qBittorrent pinned → Gluetun follows), the app it is colocated with, or, for
 * apps of the shared data tree, the host an owner pinned a data app to. Undefined: default.
 */
function followedHost(
  def: AppDefinition,
  raw: RawConfig,
  hosts: readonly HostSpec[],
  profiles: readonly Profile[],
  conditions: Conditions,
): HostSpec | undefined {
  const enabled = (d: AppDefinition) => isEnabled(d, raw, profiles, conditions, []);
  const pinnedHost = (name: string) => hosts.find((h) => h.name === raw.apps?.[name]?.host);
  for (const tenant of CATALOG.values()) {
    if (tenant.networkOf === def.name && enabled(tenant) && pinnedHost(tenant.name))
      return pinnedHost(tenant.name);
  }
  const partnerName = def.colocateWith ?? def.companionOf;
  const partner = partnerName ? CATALOG.get(partnerName) : undefined;
  if (partner && enabled(partner)) {
    return (
      pinnedHost(partner.name) ??
      followedHost(partner, raw, hosts, profiles, conditions) ??
      defaultHost(partner, hosts)
    );
  }
  if (def.data !== undefined || def.placement === "data") {
    const pinnedData = [...CATALOG.values()]
      .filter((d) => d.data !== undefined && !d.perHost && enabled(d))
      .map((d) => pinnedHost(d.name))
      .filter((h): h is HostSpec => h !== undefined);
    const first = pinnedData[0];
    if (first && pinnedData.every((h) => h.name === first.name)) return first;
  }
  return undefined;
}

/**
 * An image built on its host needs Docker's classic image store: the provider documents its
 * builds as requiring the containerd store to be off (kreuzwerker/terraform-provider-docker
 * docs/resources/image.md@v4.5.0, issue #534).
 */
function imageBuildProblem(def: AppDefinition, host: HostSpec): ConfigIssue | undefined {
  if (!def.image.build || !host.containerdImageStore) return undefined;
  return {
    key: k("hosts", [host.name, "containerdImageStore"]),
    message:
      `${def.name}'s image is built on its host, and the Docker provider cannot build under ` +
      `the containerd image store: place ${def.name} on another host (homelab:apps.${def.name}.host)`,
  };
}

/**
 * Every enabled app on its host(s): the owner's pin, else the partner it follows, else its
 * default host. Problems with the owner's per-app keys join `issues`.
 */
export function placeApps(
  raw: RawConfig,
  hosts: readonly HostSpec[],
  profiles: readonly Profile[],
  conditions: Conditions,
  issues: ConfigIssue[],
  brokenHosts: ReadonlySet<string> = new Set(),
): AppSpec[] {
  for (const name of Object.keys(raw.apps ?? {}).sort()) {
    if (!CATALOG.has(name))
      issues.push({ key: k("apps", [name]), message: "unknown app (see the README's app list)" });
  }
  if (hosts.length === 0) return [];
  const apps: AppSpec[] = [];
  for (const def of CATALOG.values()) {
    if (!isEnabled(def, raw, profiles, conditions, issues)) continue;
    const o = raw.apps?.[def.name] ?? {};
    if (o.host !== undefined && def.perHost) {
      issues.push({
        key: k("apps", [def.name, "host"]),
        message: "this app runs on every host and cannot be pinned",
      });
    }
    for (const key of Object.keys(o.env ?? {}).sort()) {
      const problem = envOverrideProblem(def, key);
      if (problem) issues.push({ key: k("apps", [def.name, "env", key]), message: problem });
    }
    const authProblem = o.auth !== undefined ? authOverrideProblem(def, o.auth) : undefined;
    if (def.route && authProblem)
      issues.push({ key: k("apps", [def.name, "auth"]), message: authProblem });
    if (!def.route && (o.subdomain !== undefined || o.auth !== undefined)) {
      issues.push({
        key: k("apps", [def.name, o.subdomain !== undefined ? "subdomain" : "auth"]),
        message: "this app is not routed through the proxy",
      });
    }
    let placed: readonly HostSpec[];
    if (def.perHost) placed = hosts;
    else if (o.host !== undefined) {
      const host = hosts.find((h) => h.name === o.host);
      if (!host && brokenHosts.has(o.host)) continue;
      if (!host) {
        issues.push({
          key: k("apps", [def.name, "host"]),
          message: `unknown host "${o.host}" (hosts: ${hosts.map((h) => h.name).join(", ")})`,
        });
        continue;
      }
      placed = [host];
    } else
      placed = [followedHost(def, raw, hosts, profiles, conditions) ?? defaultHost(def, hosts)];
    for (const host of placed) {
      const buildProblem = imageBuildProblem(def, host);
      if (buildProblem) issues.push(buildProblem);
      apps.push({
        name: def.name,
        host: host.name,
        subdomain: o.subdomain ?? def.route?.subdomain ?? def.name,
        memoryMb: o.memoryMb ?? def.memoryMb,
        cpus: o.cpus ?? def.cpus,
        env: Object.fromEntries(Object.entries(o.env ?? {}).sort(([a], [b]) => a.localeCompare(b))),
        auth: o.auth ?? def.route?.auth ?? "two_factor",
      });
    }
  }
  return apps;
}
