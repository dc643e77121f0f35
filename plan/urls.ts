import type { AppSpec, HomelabSpec } from "../config/spec";

/** The address an owner types for a routed app. */
export function appUrl(spec: Pick<HomelabSpec, "mode" | "domain">, app: Pick<AppSpec, "subdomain">): string {
  return spec.mode === "localhost" ? `http://${app.subdomain}.localhost` : `https://${app.subdomain}.${spec.domain}`;
}
