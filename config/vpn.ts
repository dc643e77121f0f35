/**
 * What Gluetun (qmcgaw/gluetun:v3.41.1, the catalog's pin) accepts for a WireGuard VPN, so a
 * stack it would refuse at start is refused here, with the key named, before any resource.
 * Read from qdm12/gluetun@v3.41.1: internal/configuration/settings/{provider,wireguard,
 * wireguardselection,serverselection}.go and internal/provider/<name>/updater (the fields each
 * provider's server list carries), and the provider pages of qdm12/gluetun-wiki@888ab89.
 */

/** `VPN_SERVICE_PROVIDER` values Gluetun runs WireGuard for (settings/provider.go). */
export const VPN_PROVIDERS = [
  "airvpn",
  "custom",
  "fastestvpn",
  "ivpn",
  "mullvad",
  "nordvpn",
  "protonvpn",
  "surfshark",
  "windscribe",
] as const;
export type VpnProvider = (typeof VPN_PROVIDERS)[number];

/**
 * Providers whose server list carries a country / a region. A filter on a field the list lacks
 * matches no server and Gluetun exits (serverselection.go: "no choice"); `custom` has no list.
 */
const COUNTRIES: readonly VpnProvider[] = [
  "airvpn",
  "fastestvpn",
  "ivpn",
  "mullvad",
  "nordvpn",
  "protonvpn",
  "surfshark",
];
const REGIONS: readonly VpnProvider[] = [
  "airvpn",
  "ivpn",
  "nordvpn",
  "protonvpn",
  "surfshark",
  "windscribe",
];

/**
 * Providers whose servers take a client only with its preshared key: Gluetun refuses AirVPN
 * without one (wireguard.go, ErrWireguardPreSharedKeyNotSet); Windscribe's handshake needs it
 * (gluetun-wiki setup/providers/windscribe.md: "MUST be set").
 */
export const PRESHARED_KEY_REQUIRED: readonly VpnProvider[] = ["airvpn", "windscribe"];

/** Providers for which Gluetun fills in the interface address itself (wireguard.go setDefaults). */
const DEFAULT_ADDRESS: readonly VpnProvider[] = ["nordvpn", "protonvpn"];

/** The shape of `homelab:vpn` the checks below read. */
export interface VpnFields {
  provider: VpnProvider;
  countries?: readonly string[];
  regions?: readonly string[];
  addresses?: readonly string[];
  endpoint?: unknown;
}

/** Problems of one `homelab:vpn` value, by field below the key. */
export function vpnFieldProblems(vpn: VpnFields): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  const { provider } = vpn;
  if (provider === "custom") {
    if (!vpn.endpoint)
      out.push({
        field: "endpoint",
        message:
          "required with provider custom: { ip, port, publicKey } of the server ([Peer] Endpoint and PublicKey of your WireGuard config)",
      });
    for (const field of ["countries", "regions"] as const)
      if (vpn[field])
        out.push({
          field,
          message: `provider custom has no server list to filter; remove it (the endpoint names the server)`,
        });
  } else {
    if (vpn.endpoint)
      out.push({
        field: "endpoint",
        message: `only for provider custom; Gluetun takes ${provider}'s servers from its own list`,
      });
    if (vpn.countries && !COUNTRIES.includes(provider))
      out.push({
        field: "countries",
        message: `Gluetun's ${provider} servers carry no country; filter with regions instead`,
      });
    if (vpn.regions && !REGIONS.includes(provider))
      out.push({
        field: "regions",
        message: `Gluetun's ${provider} servers carry no region; filter with countries instead`,
      });
  }
  if (!vpn.addresses && !DEFAULT_ADDRESS.includes(provider))
    out.push({
      field: "addresses",
      message: `required with provider ${provider}: the [Interface] Address of your WireGuard config`,
    });
  return out;
}
