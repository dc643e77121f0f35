/**
 * What CrowdSec's forward-auth bouncer is told about the proxies in front of it
 * (fbonalair/traefik-crowdsec-bouncer@v0.5.0). It takes the client address from
 * X-Forwarded-For through gin's ClientIP (gin-gonic/gin@v1.7.7 context.go): when the peer is a trusted proxy, the
 * header is read from the right and the first untrusted address is the client. Its default,
 * 0.0.0.0/0, trusts everything and so takes the left-most address, which a client behind
 * Cloudflare writes itself (Cloudflare appends to a client's header): a banned address
 * would walk past by naming another.
 */
import type { HomelabSpec } from "../../config/spec";
import { CLOUDFLARE_RANGES, DEFAULT_LAN_CIDRS, cloudflareProxied, lanCidrs } from "./traefik";

/**
 * The proxies whose forwarding the bouncer trusts: the private ranges Docker gives the edge
 * proxy's container, and Cloudflare's edges when requests come through its proxy. A LAN
 * client's own address is the whole header (the proxies replace a client's copy), so it is
 * still the one the bouncer asks about.
 */
export function bouncerTrustedProxies(spec: HomelabSpec): string[] {
  return [...DEFAULT_LAN_CIDRS, ...(cloudflareProxied(spec) ? CLOUDFLARE_RANGES : [])];
}

/**
 * CrowdSec's parser that drops events from the LAN, loopback and Docker's private ranges
 * before any scenario sees them, so no scenario bans the owner's own devices or containers
 * (a manual `cscli decisions add` still can). A local item: a plain file in the config
 * directory's `parsers/<stage>/`, loaded and never replaced by the hub
 * (crowdsecurity/crowdsec@v1.6.11 pkg/cwhub/doc.go; fields of pkg/parser/whitelist.go).
 * Written because the image no longer brings one: its `crowdsecurity/linux` collection does
 * not include the hub's private-range whitelist (crowdsecurity/hub collections/crowdsecurity/linux.yaml).
 */
export const CROWDSEC_LAN_WHITELIST_PATH = "/etc/crowdsec/parsers/s02-enrich/homelab-lan.yaml";

export function crowdsecLanWhitelist(spec: HomelabSpec): string {
  const cidrs = [...new Set([...lanCidrs(spec), ...DEFAULT_LAN_CIDRS, "127.0.0.0/8", "::1/128"])];
  return [
    "name: homelab/lan-whitelist",
    "description: Never ban the LAN, loopback or Docker's private ranges",
    "whitelist:",
    "  reason: homelab LAN (homelab:lanCidrs) and private ranges",
    "  cidr:",
    ...cidrs.map((c) => `    - "${c}"`),
    "",
  ].join("\n");
}
