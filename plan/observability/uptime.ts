/**
 * The uptime check of every routed app, as AutoKuma reads it (catalog/uptime.ts): labels
 * `kuma.<app>.http.<setting>` on the app's own container when it runs on AutoKuma's host
 * (AutoKuma lists only that host's containers, through its socket proxy), else one monitor
 * file `<app>.json` in AutoKuma's static-monitors directory. Either way, adding an app adds
 * its check and changes no other resource (DESIGN §7).
 *
 * Each check asks the URL the owner uses (`https://<subdomain>.<domain>`), so it covers DNS,
 * the certificate, the edge proxy and, behind it, the app. What counts as up:
 * - behind SSO, exactly 302 without following it: Authelia's forward-auth sends a request
 *   that accepts HTML to its portal with 302 on GET (authelia/authelia
 *   internal/handlers/handler_authz_impl_forwardauth.go and internal/middlewares
 *   authelia_context.go AcceptsMIME@v4.39.20), and Kuma's checks ask for text/html first
 *   (louislam/uptime-kuma server/model/monitor.js@1.23.17). On the edge host Traefik routes
 *   only healthy containers, so there the 302 also means the app is up; an app on another
 *   host is routed by a file, and there the 302 proves the way in, not the app;
 * - otherwise 2xx, after following up to 10 redirects (an app's own login page).
 */
import { definitionOf } from "../../catalog";
import type { AppDefinition } from "../../catalog/types";
import { AUTOKUMA_APP, AUTOKUMA_LABEL_PREFIX, UPTIME_KUMA_APP } from "../../catalog/uptime";
import type { ConfigIssue } from "../../config/errors";
import { keyOf } from "../../config/errors";
import { proxyOf, type AppSpec, type HomelabSpec } from "../../config/spec";
import { displayName } from "../homepage";
import { appHost, appUrl, asksAuthelia } from "../proxy/traefik";

/**
 * An HTTP check in AutoKuma's settings (BigBoot/AutoKuma ENTITY_TYPES.md and
 * kuma-client/src/models/monitor.rs@v2.0.0, `http`: lists and numbers may be given as text,
 * kuma-client/src/deserialize.rs).
 */
export interface HttpMonitor {
  name: string;
  url: string;
  /** Kuma's accepted status codes: single codes or `low-high` ranges, as strings. */
  accepted_statuscodes: readonly string[];
  max_redirects: number;
  ignore_tls: boolean;
  /** A JSON object of request headers; only in localhost mode (the app's host name). */
  headers?: string;
}

/** Status codes of a route behind SSO: Authelia's redirect to its portal. */
export const SSO_REDIRECT: readonly string[] = ["302"];
/** Status codes of a route without SSO, after its redirects. */
export const APP_ANSWERS: readonly string[] = ["200-299"];

/** The host AutoKuma runs on; undefined when it is not enabled. */
export function autokumaHost(spec: Pick<HomelabSpec, "apps">): string | undefined {
  return spec.apps.find((a) => a.name === AUTOKUMA_APP)?.host;
}

/**
 * The check of one app: undefined without AutoKuma and for apps that are not routed (or run
 * once per host, which are never routed by name). In localhost mode `<app>.localhost` names
 * the host's loopback, which a container cannot reach: the check asks the edge proxy by its
 * container name with the app's host name, as the owner's browser does on 127.0.0.1.
 */
export function uptimeMonitor(
  spec: HomelabSpec,
  app: AppSpec,
  def: AppDefinition = definitionOf(app.name),
): HttpMonitor | undefined {
  if (autokumaHost(spec) === undefined || !def.route || def.perHost) return undefined;
  const sso = asksAuthelia(spec, app);
  const common = {
    name: displayName(app.name),
    accepted_statuscodes: sso ? SSO_REDIRECT : APP_ANSWERS,
    max_redirects: sso ? 0 : 10,
    // Let's Encrypt's staging certificates are not trusted by anyone, Kuma included.
    ignore_tls: spec.tls?.staging === true,
  };
  if (spec.mode === "domain") return { ...common, url: appUrl(spec, app) };
  return {
    ...common,
    url: `http://${proxyOf(spec)}/`,
    headers: JSON.stringify({ Host: appHost(spec, app) }),
  };
}

/** A monitor setting as a label value: lists as JSON, the rest as text. */
function labelValue(value: HttpMonitor[keyof HttpMonitor]): string {
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

/** The check as labels of the app's container, when it runs on AutoKuma's host. */
export function uptimeLabels(
  spec: HomelabSpec,
  app: AppSpec,
  def: AppDefinition = definitionOf(app.name),
): Record<string, string> {
  const monitor = uptimeMonitor(spec, app, def);
  if (!monitor || app.host !== autokumaHost(spec)) return {};
  const prefix = `${AUTOKUMA_LABEL_PREFIX}.${app.name}.http`;
  return Object.fromEntries(
    Object.entries(monitor).map(([key, value]) => [
      `${prefix}.${key}`,
      labelValue(value as HttpMonitor[keyof HttpMonitor]),
    ]),
  );
}

/** File name of an app's monitor in AutoKuma's static-monitors directory (its AutoKuma id). */
export function monitorFileName(app: Pick<AppSpec, "name">): string {
  return `${app.name}.json`;
}

/**
 * The monitor file of an app on another host than AutoKuma's (AutoKuma reads `.json` files,
 * the file name is the id: autokuma/src/sources/file_source.rs@v2.0.0); undefined otherwise.
 */
export function monitorFile(
  spec: HomelabSpec,
  app: AppSpec,
  def: AppDefinition = definitionOf(app.name),
): string | undefined {
  const monitor = uptimeMonitor(spec, app, def);
  if (!monitor || app.host === autokumaHost(spec)) return undefined;
  return `${JSON.stringify({ type: "http", ...monitor }, null, 2)}\n`;
}

/** The stack key that opens the status page. */
export const PUBLIC_STATUS_PAGE_KEY = keyOf("homelab:observability", ["publicStatusPage"]);

/** Why the stack cannot check its URLs or open the status page as configured. */
export function uptimeIssues(
  spec: Pick<HomelabSpec, "apps" | "hosts" | "observability" | "proxy">,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const kuma = spec.apps.find((a) => a.name === UPTIME_KUMA_APP);
  if (autokumaHost(spec) !== undefined && !kuma)
    issues.push({
      key: keyOf("homelab:apps", [AUTOKUMA_APP, "enabled"]),
      message: `AutoKuma creates its checks in Uptime Kuma: enable ${UPTIME_KUMA_APP} or switch autokuma off`,
    });
  if (spec.observability.publicStatusPage === true) {
    if (!kuma)
      issues.push({
        key: PUBLIC_STATUS_PAGE_KEY,
        message: `the status page is Uptime Kuma's: enable ${UPTIME_KUMA_APP} or set it to false`,
      });
    else if (proxyOf(spec) !== "traefik")
      issues.push({
        key: PUBLIC_STATUS_PAGE_KEY,
        message: `only homelab:proxy traefik can open the status page's paths alone; set it to false with ${proxyOf(spec)}`,
      });
    else if (!spec.hosts.some((h) => h.name === kuma.host && h.edge))
      issues.push({
        key: PUBLIC_STATUS_PAGE_KEY,
        message: `the status page's route is a label of ${UPTIME_KUMA_APP} on the edge host, and it runs on ${kuma.host}: move it to the edge host or set this to false`,
      });
  }
  return issues;
}
