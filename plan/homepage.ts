import { stringify } from "yaml";
import { CATALOG } from "../catalog";
import type { AppDefinition } from "../catalog/types";
import { HOMEPAGE_CONFIG_DIR } from "../catalog/web";
import { hostByName, type AppSpec, type HomelabSpec } from "../config/spec";
import { appUrl, remoteRoutePort } from "./proxy/traefik";

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

/** Where Homepage reads the widgets' keys: files the program writes next to its config. */
export const HOMEPAGE_KEYS_DIR = `${HOMEPAGE_CONFIG_DIR}/keys`;

/** One widget key: the app secret it holds, the file and the variable naming that file. */
export interface WidgetKeyFile {
  app: string;
  secret: string;
  /** `HOMEPAGE_FILE_<NAME>`: Homepage replaces `{{<variable>}}` with the file's content. */
  variable: string;
  /** Path inside the Homepage container. */
  path: string;
}

/**
 * Every widget key of the catalog, enabled or not. Homepage reads each `HOMEPAGE_FILE_*`
 * file whenever it substitutes a config string (src/utils/config/config.js@v1.12.3,
 * substituteEnvironmentVars), so every variable needs a file: an app not enabled gets an
 * empty one. Listing the catalog rather than the stack keeps Homepage's env, and so its
 * container, unchanged when an app is added.
 */
export function widgetKeyFiles(): WidgetKeyFile[] {
  return [...CATALOG.values()]
    .filter((def) => listed(def) && def.route?.dashboard?.widget)
    .map((def) => {
      const secret = def.route?.dashboard?.widget?.secret ?? "";
      const id = `${def.name}_${secret}`.toUpperCase().replace(/[^A-Z0-9]/g, "_");
      return {
        app: def.name,
        secret,
        variable: `HOMEPAGE_FILE_${id}`,
        path: `${HOMEPAGE_KEYS_DIR}/${def.name}.${secret}`,
      };
    })
    .sort((a, b) => a.variable.localeCompare(b.variable));
}

/** Homepage's env naming the key files (paths only: the keys stay in the files). */
export function homepageKeyEnv(): Record<string, string> {
  return Object.fromEntries(widgetKeyFiles().map((k) => [k.variable, k.path]));
}

/**
 * Where Homepage (on the edge, on the `proxy` network) reaches an app's API: by container
 * name on the shared network when the app is on the edge too; otherwise at the port the app
 * publishes on its host's LAN address for the edge proxy (plan/container publishedPorts),
 * since container names do not resolve across hosts.
 */
export function widgetUrl(spec: HomelabSpec, app: AppSpec, def: AppDefinition): string {
  if (!def.route) throw new Error(`app ${def.name} has no route in the catalog`);
  const scheme = def.route.scheme ?? "http";
  const host = hostByName(spec, app.host);
  return host.edge
    ? `${scheme}://${def.name}:${def.route.port}`
    : `${scheme}://${host.address}:${remoteRoutePort(def)}`;
}

/** The widget entry of an app, its key a placeholder for the key file; undefined without one. */
export function homepageWidget(
  spec: HomelabSpec,
  app: AppSpec,
  def: AppDefinition,
): { type: string; url: string; key: string } | undefined {
  const widget = def.route?.dashboard?.widget;
  if (!widget || !listed(def)) return undefined;
  const file = widgetKeyFiles().find((k) => k.app === def.name && k.secret === widget.secret);
  if (!file) return undefined;
  return { type: widget.type, url: widgetUrl(spec, app, def), key: `{{${file.variable}}}` };
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
    ...widgetLabels(homepageWidget(spec, app, def)),
  };
}

function widgetLabels(widget: ReturnType<typeof homepageWidget>): Record<string, string> {
  if (!widget) return {};
  return {
    "homepage.widget.type": widget.type,
    "homepage.widget.url": widget.url,
    "homepage.widget.key": widget.key,
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
  const groups = new Map<string, Record<string, Record<string, unknown>>[]>();
  const remote = spec.apps
    .filter((a) => a.host !== edge)
    .map((a) => ({ app: a, def: CATALOG.get(a.name) }))
    .filter((x): x is { app: AppSpec; def: AppDefinition } => x.def !== undefined && listed(x.def))
    .sort((a, b) => displayName(a.app.name).localeCompare(displayName(b.app.name)));
  for (const { app, def } of remote) {
    const dash = def.route?.dashboard;
    if (!dash) continue;
    const widget = homepageWidget(spec, app, def);
    const entries = groups.get(dash.group) ?? [];
    entries.push({
      [displayName(app.name)]: {
        href: appUrl(spec, app),
        icon: dash.icon,
        description: dash.description,
        ...(widget ? { widget } : {}),
      },
    });
    groups.set(dash.group, entries);
  }
  const doc = [...groups.keys()].sort().map((g) => ({ [g]: groups.get(g) }));
  return doc.length ? stringify(doc) : "[]\n";
}
