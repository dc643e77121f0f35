import { stringify } from "yaml";
import { CATALOG } from "../catalog";
import type { AppDefinition } from "../catalog/types";
import type { AppSpec, HomelabSpec } from "../config/spec";
import { appUrl } from "./proxy/traefik";

/**
 * Homepage, the dashboard, reads `homepage.*` container labels through the socket proxy of
 * its host (the edge). Apps on other hosts are not visible there, so they are listed in a
 * generated services file instead. Both come from each app's `route.dashboard`.
 */


/** The name people know an app by: its `displayName`, else its catalog name in words. */
export function displayName(app: string): string {
  return (
    CATALOG.get(app)?.displayName ??
    app
      .split("-")
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(" ")
  );
}

/** True for apps that belong on the dashboard. */
function listed(def: AppDefinition): boolean {
  return Boolean(def.route?.dashboard) && !def.perHost;
}

/** The labels Homepage's Docker discovery reads; empty for apps without a dashboard entry. */
export function homepageLabels(
  spec: HomelabSpec,
  app: AppSpec,
  def: AppDefinition,
): Record<string, string> {
  const dash = def.route?.dashboard;
  if (!dash || !listed(def)) return {};
  return {
    "homepage.group": dash.group,
    "homepage.name": displayName(def.name),
    "homepage.icon": dash.icon,
    "homepage.href": appUrl(spec, app),
    "homepage.description": dash.description,
  };
}

/** Homepage's `docker.yaml`: the edge host's read-only socket proxy. */
export function homepageDockerConfig(): string {
  return stringify({ edge: { host: "socket-proxy", port: 2375 } });
}

/**
 * Homepage's `services.yaml` for apps on hosts other than the edge (labels cannot be read
 * there): groups and entries sorted, so the file only changes when that app list does.
 */
export function homepageRemoteServices(spec: HomelabSpec): string {
  const edge = spec.hosts.find((h) => h.edge)?.name;
  const groups = new Map<string, Record<string, Record<string, string>>[]>();
  const remote = spec.apps
    .filter((a) => a.host !== edge)
    .map((a) => ({ app: a, def: CATALOG.get(a.name) }))
    .filter((x): x is { app: AppSpec; def: AppDefinition } => x.def !== undefined && listed(x.def))
    .sort((a, b) => displayName(a.app.name).localeCompare(displayName(b.app.name)));
  for (const { app, def } of remote) {
    const dash = def.route?.dashboard;
    if (!dash) continue;
    const entries = groups.get(dash.group) ?? [];
    entries.push({
      [displayName(app.name)]: {
        href: appUrl(spec, app),
        icon: dash.icon,
        description: dash.description,
      },
    });
    groups.set(dash.group, entries);
  }
  const doc = [...groups.keys()].sort().map((g) => ({ [g]: groups.get(g) }));
  return doc.length ? stringify(doc) : "[]\n";
}
