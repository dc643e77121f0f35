/**
 * The public status page (`homelab:observability.publicStatusPage: true`): a second Traefik
 * router on Uptime Kuma's container that serves, without SSO, only what Kuma's status page
 * `/status/<slug>` loads. Everything else on Kuma's host name (the dashboard, its socket.io
 * API, the setup page) keeps the two-factor router. Traefik tries the longer rule first (a
 * router's default priority is the length of its rule), so the paths below win.
 */
import type { AppDefinition } from "../../catalog/types";
import type { AppSpec, HomelabSpec } from "../../config/spec";
import { appHost, routerEntrypoint, routerMiddlewares } from "../proxy/traefik";

/** The slug of the status page the route opens; the owner creates the page under it. */
export const STATUS_PAGE_SLUG = "homelab";

/**
 * What the status page loads at louislam/uptime-kuma 1.23.17: the page itself and its data
 * (server/routers/status-page-router.js: `/status/:slug`, `/api/status-page/:slug`,
 * `/api/status-page/heartbeat/:slug`, `/api/status-page/:slug/manifest.json`), the built
 * front end under `/assets/` (the same files for every visitor), the icons index.html links,
 * and a page's uploaded logo (`/upload/logo<id>.png`, server/socket-handlers/
 * status-page-socket-handler.js). Status pages open no socket.io connection
 * (src/mixins/socket.js), so the API that needs a login stays closed.
 */
export const STATUS_PAGE_PATHS = {
  exact: [
    `/status/${STATUS_PAGE_SLUG}`,
    `/api/status-page/${STATUS_PAGE_SLUG}`,
    `/api/status-page/${STATUS_PAGE_SLUG}/manifest.json`,
    `/api/status-page/heartbeat/${STATUS_PAGE_SLUG}`,
    "/icon.svg",
    "/favicon.ico",
    "/apple-touch-icon.png",
  ],
  prefixes: ["/assets/"],
  patterns: ["^/upload/logo[0-9]+\\.png$"],
} as const;

/** The status page's own router name, next to the app's. */
export function statusPageRouter(app: Pick<AppSpec, "name">): string {
  return `${app.name}-status-page`;
}

/** Labels of the public router: the app's middlewares but forward-auth, same service. */
export function statusPageLabels(
  spec: HomelabSpec,
  app: AppSpec,
  def: AppDefinition,
): Record<string, string> {
  const paths = [
    ...STATUS_PAGE_PATHS.exact.map((p) => `Path(\`${p}\`)`),
    ...STATUS_PAGE_PATHS.prefixes.map((p) => `PathPrefix(\`${p}\`)`),
    ...STATUS_PAGE_PATHS.patterns.map((p) => `PathRegexp(\`${p}\`)`),
  ];
  const r = `traefik.http.routers.${statusPageRouter(app)}`;
  return {
    [`${r}.rule`]: `Host(\`${appHost(spec, app)}\`) && (${paths.join(" || ")})`,
    [`${r}.entrypoints`]: routerEntrypoint(spec),
    // What a `bypass` app gets: headers, CrowdSec, the LAN filter; never Authelia.
    [`${r}.middlewares`]: routerMiddlewares(spec, { ...app, auth: "bypass" }, def).join(","),
    [`${r}.service`]: app.name,
  };
}
