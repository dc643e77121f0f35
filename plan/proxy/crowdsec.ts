/**
 * What CrowdSec's forward-auth bouncer is told about the proxies in front of it
 * (fbonalair/traefik-crowdsec-bouncer@v0.5.0). It takes the client address from
 * X-Forwarded-For through gin's ClientIP (gin v1.7.7): when the peer is a trusted proxy, the
 * header is read from the right and the first untrusted address is the client. Its default,
 * 0.0.0.0/0, trusts everything and so takes the left-most address, which a client behind
 * Cloudflare writes itself (Cloudflare appends to a client's header): a banned address
 * would walk past by naming another.
 */
import type { HomelabSpec } from "../../config/spec";
import { CLOUDFLARE_RANGES, DEFAULT_LAN_CIDRS, cloudflareProxied } from "./traefik";

/**
 * The proxies whose forwarding the bouncer trusts: the private ranges Docker gives the edge
 * proxy's container, and Cloudflare's edges when requests come through its proxy. A LAN
 * client's own address is the whole header (the proxies replace a client's copy), so it is
 * still the one the bouncer asks about.
 */
export function bouncerTrustedProxies(spec: HomelabSpec): string[] {
  return [...DEFAULT_LAN_CIDRS, ...(cloudflareProxied(spec) ? CLOUDFLARE_RANGES : [])];
}
