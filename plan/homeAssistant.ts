import { stringify } from "yaml";
import { HA_HTTP_SEED } from "../catalog/home";
import { edgeHost, hostByName, type AppSpec, type HomelabSpec } from "../config/spec";
import { DOCKER_BRIDGES } from "./templates";

export { HA_HTTP_SEED, HA_START_SCRIPT } from "../catalog/home";

/**
 * Home Assistant behind the proxy. Its `http` integration answers 400 to every request that
 * carries X-Forwarded-For unless `use_x_forwarded_for` is on and the connecting address is in
 * `trusted_proxies` (homeassistant/components/http/forwarded.py), and the `http` integration
 * is configured in configuration.yaml only. That file belongs to the owner, who edits it; Home
 * Assistant writes its default one only when none exists (config.py async_ensure_config_exists).
 *
 * So a start script, run by s6-overlay from /etc/cont-init.d before Home Assistant starts:
 * - writes the proxy settings to a file of their own, `homelab_http.yaml`, on every start (they
 *   follow the stack: where the proxy connects from);
 * - on the first start writes Home Assistant's own default configuration.yaml (config.py
 *   DEFAULT_CONFIG and the empty include files `_write_default_config` creates) with one more
 *   line, `http: !include homelab_http.yaml`;
 * - on a configuration.yaml without a top-level `http:` appends that line once; one with its own
 *   `http:` section is the owner's choice and stays untouched.
 */

/** Home Assistant's configuration directory in the image (WORKDIR, `--config /config`). */
export const HA_CONFIG_DIR = "/config";
/** The file in /config the include line names. */
export const HA_HTTP_FILE = "homelab_http.yaml";

/**
 * Where requests from the proxy come from. Traefik on the edge reaches a host-network app on
 * the edge through the host (host.docker.internal), so Home Assistant sees Traefik's address on
 * its Docker network: Docker's bridge ranges. An app on another host is reached over the LAN,
 * masqueraded to the edge host's address.
 */
export function homeAssistantTrustedProxies(spec: HomelabSpec, app: AppSpec): string[] {
  if (hostByName(spec, app.host).edge) return [DOCKER_BRIDGES];
  return [`${edgeHost(spec).address}/32`];
}

/** The `http:` settings, as the included file's content. */
export function homeAssistantHttpConfig(spec: HomelabSpec, app: AppSpec): string {
  return stringify({
    use_x_forwarded_for: true,
    trusted_proxies: homeAssistantTrustedProxies(spec, app),
  });
}

/** Home Assistant's default configuration.yaml (homeassistant/config.py DEFAULT_CONFIG). */
const HA_DEFAULT_CONFIG = [
  "# Loads default set of integrations. Do not remove.",
  "default_config:",
  "",
  "# Load frontend themes from the themes folder",
  "frontend:",
  "  themes: !include_dir_merge_named themes",
  "",
  "automation: !include automations.yaml",
  "script: !include scripts.yaml",
  "scene: !include scenes.yaml",
];

const INCLUDE = [
  "",
  "# Reverse proxy settings, rewritten by homelab on every start (replace this line with an",
  "# http: section of your own to manage them yourself).",
  `http: !include ${HA_HTTP_FILE}`,
];

/** The start script: prepares the configuration in `configDir` from the uploaded `seed`. */
export function homeAssistantStartScript(
  configDir: string = HA_CONFIG_DIR,
  seed: string = HA_HTTP_SEED,
): string {
  return [
    "#!/bin/sh",
    "set -eu",
    `cd '${configDir}'`,
    `cp '${seed}' ${HA_HTTP_FILE}.tmp`,
    `mv ${HA_HTTP_FILE}.tmp ${HA_HTTP_FILE}`,
    "if [ ! -e configuration.yaml ]; then",
    "  cat > configuration.yaml <<'EOF'",
    ...HA_DEFAULT_CONFIG,
    ...INCLUDE,
    "EOF",
    "  [ -e automations.yaml ] || echo '[]' > automations.yaml",
    "  [ -e scripts.yaml ] || : > scripts.yaml",
    "  [ -e scenes.yaml ] || : > scenes.yaml",
    "elif ! grep -q '^http:' configuration.yaml; then",
    `  printf '%s\\n' ${INCLUDE.map((l) => `'${l}'`).join(" ")} >> configuration.yaml`,
    "else",
    `  echo "homelab: configuration.yaml has its own http: section; ${HA_HTTP_FILE} is not used" >&2`,
    "fi",
    "",
  ].join("\n");
}
