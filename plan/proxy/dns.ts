import { definitionOf } from "../../catalog";
import type { HomelabSpec } from "../../config/spec";
import { appHost } from "./traefik";

/** Marker the policy pack reads: media streaming records must stay DNS-only. */
export const STREAMING_MARKER = "[streaming]";

export interface PlannedRecord {
  app: string;
  name: string;
  type: "A" | "CNAME";
  content: string;
  proxied: boolean;
  comment: string;
}

/** Subdomain the DDNS updater keeps DNS-only when the apex is proxied (CNAME target of DNS-only records). */
export const DIRECT_SUBDOMAIN = "direct";

/** Whether DNS-only records need their own DNS-only target (the apex itself is proxied). */
export function needsDirectTarget(spec: Pick<HomelabSpec, "dns">): boolean {
  return spec.dns.provider === "cloudflare" && spec.dns.target === "ddns" && spec.dns.proxied;
}

/** `direct.<domain>`: the public address, never proxied. */
export function directHost(spec: Pick<HomelabSpec, "domain">): string {
  return `${DIRECT_SUBDOMAIN}.${spec.domain}`;
}

/**
 * The DDNS updater's settings (favonia/cloudflare-ddns): the apex, plus `direct.<domain>`
 * kept DNS-only when the apex is proxied. Depends on settings only, so adding an app never
 * restarts the updater.
 */
export function ddnsEnv(spec: Pick<HomelabSpec, "dns" | "domain">): string[] {
  if (!needsDirectTarget(spec)) return [`DOMAINS=${spec.domain}`, `PROXIED=${spec.dns.proxied}`];
  return [`DOMAINS=${spec.domain},${directHost(spec)}`, `PROXIED=!is(${directHost(spec)})`];
}

/**
 * One record per routed app: a CNAME when a DDNS updater keeps the address current (to the
 * apex, or for DNS-only records under a proxied apex to `direct.<domain>`, which the updater
 * keeps DNS-only: a CNAME to a proxied name would be proxied too), otherwise an A record to
 * the fixed public address. Streaming apps are never proxied (Cloudflare's terms forbid
 * proxying video, and it breaks long streams), nor upload apps (its proxy caps request
 * bodies at 100 MB), nor LAN-only apps.
 */
export function dnsRecords(spec: HomelabSpec): PlannedRecord[] {
  if (spec.dns.provider !== "cloudflare" || spec.mode !== "domain") return [];
  const records: PlannedRecord[] = [];
  for (const app of spec.apps) {
    const def = definitionOf(app.name);
    if (!def.route || def.perHost) continue;
    const streaming = def.route.streaming === true;
    // LAN-only apps are allow-listed by client address, which Cloudflare's proxy would hide.
    const lanOnly = def.route.lanOnly === true;
    const proxied = spec.dns.proxied && !streaming && !lanOnly && def.route.largeUploads !== true;
    const ddnsTarget = !proxied && needsDirectTarget(spec) ? directHost(spec) : spec.domain;
    records.push({
      app: app.name,
      name: appHost(spec, app),
      type: spec.dns.target === "ddns" ? "CNAME" : "A",
      content: spec.dns.target === "ddns" ? ddnsTarget : spec.dns.target,
      proxied,
      comment: `managed by pulumi ${spec.project}/${spec.stack}: ${app.name}${streaming ? ` ${STREAMING_MARKER}` : ""}`,
    });
  }
  return records;
}
