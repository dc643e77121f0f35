import { QBITTORRENT_WEBUI_PORT } from "../../catalog/media";
import type { WiringStep } from "./step";

/** The variable holding the generated Web UI password in qBittorrent's own step. */
export const WEBUI_PASSWORD_VAR = "QBITTORRENT_WEBUI_PASSWORD";

/**
 * qBittorrent's Web UI login (`admin` and the generated password) and automatic torrent
 * management (a category saves into its own folder under the default save path), set through
 * `/api/v2/app/setPreferences` (qbittorrent/qBittorrent src/webui/api/appcontroller.cpp
 * @release-5.2.3: `json` form field; `web_ui_username`, `web_ui_password`, `auto_tmm_enabled`).
 * The step runs inside qBittorrent, whose first configuration lets clients on localhost in
 * without a login (`WebUI\LocalHostAuth=false`): localhost is Gluetun's network namespace,
 * where only Gluetun and qBittorrent run. An installation that predates it answers 403.
 */
export function webUiPasswordStep(): WiringStep {
  const url = `http://127.0.0.1:${QBITTORRENT_WEBUI_PORT}`;
  return {
    app: "qbittorrent",
    step: "webui-login",
    runsIn: "qbittorrent",
    script: [
      `ready ${url}/api/v2/app/version`,
      `jq -rn '"json=" + ({web_ui_username: "admin", web_ui_password: env.${WEBUI_PASSWORD_VAR}, auto_tmm_enabled: true} | tojson | @uri)' |`,
      `  CONTENT_TYPE=application/x-www-form-urlencoded api POST ${url}/api/v2/app/setPreferences >/dev/null`,
      `prefs=$(api GET ${url}/api/v2/app/preferences)`,
      `printf '%s' "$prefs" | jq -e '.web_ui_username == "admin" and .auto_tmm_enabled == true' >/dev/null ||`,
      `  fail "the preferences did not take: $(printf '%s' "$prefs" | jq -c '{web_ui_username, auto_tmm_enabled}')"`,
    ].join("\n"),
    secrets: [WEBUI_PASSWORD_VAR],
    calls: [],
  };
}

/**
 * WireGuard providers (config/vpn.ts) that Gluetun forwards a port for: qdm12/gluetun
 * internal/configuration/settings/portforward.go@v3.41.1 allows Perfect Privacy, Private
 * Internet Access, PrivateVPN and ProtonVPN, and of these only ProtonVPN is among the providers
 * Gluetun runs WireGuard for (the others are OpenVPN only there; PIA would also need its
 * account's username and password).
 */
export const PORT_FORWARDING_PROVIDERS: readonly string[] = ["protonvpn"];

/**
 * Gluetun's port forwarding, with qBittorrent listening on the forwarded port: Gluetun runs
 * the up command each time it gets a port (`{{PORT}}`, `{{VPN_INTERFACE}}` substituted by
 * internal/portforward/service/command.go@v3.41.1), from its own namespace, so qBittorrent's
 * API on localhost answers without a login (the command is the one the Gluetun wiki gives
 * for qBittorrent, setup/advanced/vpn-port-forwarding.md). ProtonVPN forwards only on its P2P
 * servers: `PORT_FORWARD_ONLY` picks those.
 */
export function portForwardingEnv(provider: string): Record<string, string> {
  if (!PORT_FORWARDING_PROVIDERS.includes(provider)) return {};
  const prefs = (body: string) =>
    `/bin/sh -c 'wget -O- -nv --retry-connrefused --post-data "json={${body}}" http://127.0.0.1:${QBITTORRENT_WEBUI_PORT}/api/v2/app/setPreferences'`;
  return {
    VPN_PORT_FORWARDING: "on",
    PORT_FORWARD_ONLY: "on",
    VPN_PORT_FORWARDING_UP_COMMAND: prefs(
      `\\"listen_port\\":{{PORT}},\\"current_network_interface\\":\\"{{VPN_INTERFACE}}\\",\\"random_port\\":false,\\"upnp\\":false`,
    ),
    VPN_PORT_FORWARDING_DOWN_COMMAND: prefs(
      `\\"listen_port\\":0,\\"current_network_interface\\":\\"lo\\"`,
    ),
  };
}
