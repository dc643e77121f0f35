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

/**
 * One record per routed app: a CNAME to the apex when a DDNS updater keeps the apex
 * current, otherwise an A record to the fixed public address. Streaming apps are never
 * proxied (Cloudflare's terms forbid proxying video, and it breaks long streams).
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
    records.push({
      app: app.name,
      name: appHost(spec, app),
      type: spec.dns.target === "ddns" ? "CNAME" : "A",
      content: spec.dns.target === "ddns" ? spec.domain : spec.dns.target,
      proxied: spec.dns.proxied && !streaming && !lanOnly,
      comment: `managed by pulumi ${spec.project}/${spec.stack}: ${app.name}${streaming ? ` ${STREAMING_MARKER}` : ""}`,
    });
  }
  return records;
}
