import { CATALOG } from "../catalog";
import type { AppDefinition } from "../catalog/types";
import type { AppSpec, HomelabSpec } from "../config/spec";
import { appHost, appUrl, lanCidrs } from "./proxy/traefik";

/**
 * Catalog env values that depend on the stack (domain, mode, other apps' URLs) are written as
 * `{{name}}` or `{{name:<app>}}` templates and rendered here, so the catalog stays static
 * data and every app still gets concrete values:
 *
 * | template | value |
 * |---|---|
 * | `{{url}}`, `{{url:<app>}}` | public URL of this / another app |
 * | `{{host}}`, `{{host:<app>}}` | its fully-qualified host name |
 * | `{{scheme}}`, `{{https}}` | `https`/`http`, `true`/`false` by mode |
 * | `{{domain}}`, `{{timezone}}`, `{{uid}}`, `{{gid}}` | from the stack |
 * | `{{trustedProxies}}` | LAN ranges and Docker's bridge range, space-separated |
 */

const TEMPLATE = /\{\{([a-zA-Z]+)(?::([a-z0-9-]+))?\}\}/g;
/** Where Docker's bridge networks live: the edge proxy reaches same-host apps from there. */
export const DOCKER_BRIDGES = "172.16.0.0/12";

/** The placed app of that name, or where it would be served with its catalog subdomain. */
function subdomainOf(spec: HomelabSpec, name: string): Pick<AppSpec, "subdomain"> {
  const placed = spec.apps.find((a) => a.name === name);
  if (placed) return placed;
  const def = CATALOG.get(name);
  if (!def) throw new Error(`template refers to unknown app ${name}`);
  return { subdomain: def.route?.subdomain ?? name };
}

export function renderTemplate(value: string, spec: HomelabSpec, app: AppSpec): string {
  return value.replace(TEMPLATE, (whole, key: string, other: string | undefined) => {
    const target = other ? subdomainOf(spec, other) : app;
    const https = spec.mode === "domain";
    switch (key) {
      case "url":
        return appUrl(spec, target);
      case "host":
        return appHost(spec, target);
      case "scheme":
        return https ? "https" : "http";
      case "https":
        return String(https);
      case "domain":
        return spec.domain;
      case "timezone":
        return spec.timezone;
      case "uid":
        return String(spec.owner.uid);
      case "gid":
        return String(spec.owner.gid);
      case "trustedProxies":
        return [...new Set([...lanCidrs(spec), DOCKER_BRIDGES])].sort().join(" ");
      default:
        throw new Error(`${app.name}: unknown template ${whole}`);
    }
  });
}

/** The definition with its env templates rendered for this stack and placement. */
export function withTemplates(def: AppDefinition, spec: HomelabSpec, app: AppSpec): AppDefinition {
  const env = def.env ?? {};
  if (!Object.values(env).some((v) => v.includes("{{"))) return def;
  return {
    ...def,
    env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, renderTemplate(v, spec, app)])),
  };
}
