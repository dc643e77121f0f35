import { definitionOf } from "../catalog";
import { edgeHost, type HomelabSpec } from "../config/spec";
import { appHost } from "./proxy/traefik";

/**
 * Split-horizon DNS: on the LAN, every routed app resolves to the edge host's LAN address,
 * so traffic stays inside even when the public records point at the router.
 */
export interface LocalRecord {
  app: string;
  name: string;
  address: string;
}

/** One record per routed app (none in localhost mode, where `*.localhost` needs no DNS). */
export function localRecords(spec: HomelabSpec): LocalRecord[] {
  if (spec.mode !== "domain") return [];
  const address = edgeHost(spec).address;
  return spec.apps
    .filter((a) => {
      const def = definitionOf(a.name);
      return def.route !== undefined && !def.perHost;
    })
    .map((a) => ({ app: a.name, name: appHost(spec, a), address }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The hosts-format file dnsmasq reads from Pi-hole's records directory. */
export function localRecordsFile(spec: HomelabSpec): string {
  const lines = localRecords(spec).map((r) => `${r.address} ${r.name}`);
  return [
    `# managed by pulumi ${spec.project}/${spec.stack}: one line per routed app`,
    ...lines,
    "",
  ].join("\n");
}
