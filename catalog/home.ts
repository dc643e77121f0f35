import {
  ADMIN_PASSWORD_ENV,
  ADMIN_USER,
  adminPassword,
  postFromShell,
  setupHealth,
} from "./firstRun";
import { ROOT_DROP_CAPS } from "./shared";
import type { AppDefinition } from "./types";

/**
 * Home automation: Home Assistant, Node-RED flows and an MQTT broker for devices.
 */

/** MQTT user every client (Home Assistant, Node-RED, devices) logs in with. */
export const MQTT_USER = "homelab";
/** Where the broker's generated password file lives: rebuilt from the secret on every start. */
export const MQTT_PASSWORD_FILE = "/tmp/passwd";
export const MOSQUITTO_CONF_PATH = "/mosquitto/config/mosquitto.conf";
export const MQTT_PORT = 1883;

/**
 * Home Assistant's start script and the proxy settings it copies into /config, uploaded by the
 * home stack (plan/homeAssistant.ts writes both). s6-overlay v3 runs every executable in
 * /etc/cont-init.d before the image's services (just-containers/s6-overlay
 * etc/s6-rc/scripts/cont-init: legacy-cont-init, ahead of legacy-services), and the image stops
 * when one fails (S6_BEHAVIOUR_IF_STAGE2_FAILS=2).
 */
export const HA_START_SCRIPT = "/etc/cont-init.d/50-homelab-http";
export const HA_HTTP_SEED = "/etc/homelab/homeassistant/http.yaml";

/** Broker configuration: one authenticated listener, no anonymous access, state on disk. */
export function mosquittoConf(): string {
  return [
    `listener ${MQTT_PORT}`,
    "allow_anonymous false",
    `password_file ${MQTT_PASSWORD_FILE}`,
    "persistence true",
    "persistence_location /mosquitto/data/",
    "log_dest stdout",
    "",
  ].join("\n");
}

/**
 * Hashes the generated password into a mosquitto password file before the broker starts,
 * without the password ever reaching argv or the container's inputs.
 */
/**
 * Options file mosquitto_sub loads from `$XDG_CONFIG_HOME/mosquitto_sub` (one option per
 * line): the health check authenticates without the password in its argv, where anyone on
 * the host could read it.
 */
export const MQTT_CLIENT_CONFIG_DIR = "/tmp";

const MOSQUITTO_START = [
  "umask 077",
  `{ printf '${MQTT_USER}:'; cat /run/secrets/password; echo; } > ${MQTT_PASSWORD_FILE}`,
  `printf -- '-u ${MQTT_USER}\n-P %s\n' "$(cat /run/secrets/password)" > ${MQTT_CLIENT_CONFIG_DIR}/mosquitto_sub`,
  `mosquitto_passwd -U ${MQTT_PASSWORD_FILE}`,
  `exec mosquitto -c ${MOSQUITTO_CONF_PATH}`,
].join(" && ");

const HASS = "http://127.0.0.1:8123";

/**
 * Home Assistant's onboarding: POST /api/onboarding/users answers anyone until the user step
 * is done (then 403) and creates the owner, an administrator; /api/onboarding lists the steps
 * (and is gone once every step is done). Run by the health check (catalog/firstRun). The
 * owner's remaining steps (location, analytics) then ask for a login.
 */
export const HOME_ASSISTANT_HEALTH = setupHealth(
  {
    ready: `curl -fsS -o /dev/null ${HASS}/manifest.json`,
    done: `! curl -fsS ${HASS}/api/onboarding | grep -q '"step":"user","done":false'`,
    create: postFromShell(
      `${HASS}/api/onboarding/users`,
      `{"client_id":"${HASS}/","name":"Admin","username":"${ADMIN_USER}","password":"%s","language":"en"}`,
      [`"$${ADMIN_PASSWORD_ENV}"`],
    ),
  },
  120,
);

export const homeApps: readonly AppDefinition[] = [
  {
    name: "homeassistant",
    displayName: "Home Assistant",
    profile: "home",
    description: "Home Assistant: devices, automations and energy",
    image: { repository: "ghcr.io/home-assistant/home-assistant", tag: "2025.11.1" },
    contract: {
      user: "0:0",
      source: [
        "home-assistant/docker-base alpine/Dockerfile@c8de5ab",
        "home-assistant/core homeassistant/components/http/forwarded.py@037e2923 (stored version)",
        "home-assistant/core homeassistant/config.py (DEFAULT_CONFIG, async_ensure_config_exists; stored version)",
        "just-containers/s6-overlay etc/s6-rc/scripts/cont-init and sources/legacy-cont-init@2b5298d2",
      ],
      firstRun: {
        admin: "seeded",
        secret: "adminPassword",
        user: ADMIN_USER,
        how: "the onboarding API's user step, called by the health check (HOME_ASSISTANT_HEALTH)",
        remaining: "log in and finish onboarding: home location, units, analytics",
        source: [
          "home-assistant/core homeassistant/components/onboarding/views.py (stored copy 003f9aa2, not the pinned tag: UserOnboardingView)",
          "home-assistant/docker-base alpine/Dockerfile@0e5d2a9a (stored: curl in the base image)",
        ],
      },
    },
    placement: "data",
    // The phone app and voice satellites use Home Assistant's own tokens and MFA.
    route: {
      port: 8123,
      auth: "bypass",
      dashboard: {
        group: "Home",
        icon: "home-assistant.png",
        description: "Devices and automations",
      },
    },
    health: HOME_ASSISTANT_HEALTH,
    secrets: [adminPassword()],
    volumes: [{ class: "config", target: "/config" }],
    dump: { kind: "sqlite", database: "/config/home-assistant_v2.db" },
    capAdd: ROOT_DROP_CAPS,
    exceptions: {
      hostNetwork:
        "device discovery: mDNS/zeroconf, SSDP and UPnP multicast and DHCP watching only work on the host's LAN interface",
      capAdd: {
        caps: ["NET_RAW"],
        reason: "ping and DHCP-based presence detection need raw sockets",
      },
      writableRoot: "s6-overlay v3 writes and runs its service scripts in /run",
    },
    memoryMb: 1024,
  },
  {
    name: "nodered",
    displayName: "Node-RED",
    profile: "home",
    description: "Node-RED: flow-based automations wired to MQTT and Home Assistant",
    image: { repository: "nodered/node-red", tag: "4.1.13-20" },
    contract: {
      user: "1000:0",
      source: ["node-red/node-red-docker .docker/Dockerfile.alpine@v4.1.13"],
      // The editor has no login unless adminAuth is set in settings.js, which ships it off.
      firstRun: {
        admin: "none",
        remaining: "",
        source: [
          "node-red/node-red packages/node_modules/node-red/settings.js (stored copy 014d0e71: adminAuth commented out)",
        ],
      },
    },
    user: "owner",
    // The editor runs arbitrary code and has no login of its own by default.
    route: {
      port: 1880,
      subdomain: "node-red",
      auth: "two_factor",
      dashboard: { group: "Home", icon: "node-red.png", description: "Automation flows" },
    },
    health: { test: ["CMD", "node", "/healthcheck.js"], startPeriodSeconds: 60 },
    volumes: [{ class: "config", target: "/data" }],
    // MQTT on `internal`, integrations and palette installs through `proxy`.
    networks: ["internal", "proxy"],
    memoryMb: 512,
  },
  {
    name: "mosquitto",
    profile: "home",
    description: "Mosquitto MQTT broker with password authentication",
    image: { repository: "eclipse-mosquitto", tag: "2.0.22" },
    contract: {
      user: "0:0",
      dropsTo: "1883:1883",
      source: [
        "eclipse/mosquitto docker/2.0-openssl/Dockerfile and docker-entrypoint.sh (library/eclipse-mosquitto)",
      ],
      // No anonymous access: the one MQTT user's password file is rebuilt from the secret.
      firstRun: {
        admin: "seeded",
        secret: "password",
        user: MQTT_USER,
        how: "a password file hashed from the secret at every start (MOSQUITTO_START)",
        remaining: "",
        source: [
          "eclipse/mosquitto man/mosquitto.conf.5.xml@v2.0.20 (nearest stored tag: allow_anonymous, password_file)",
        ],
      },
    },
    user: "owner",
    command: ["sh", "-c", MOSQUITTO_START],
    ports: [
      {
        container: MQTT_PORT,
        host: MQTT_PORT,
        protocol: "tcp",
        reason:
          "devices on the LAN and Home Assistant (host network) publish to the broker; every client authenticates",
      },
    ],
    health: {
      test: [
        "CMD-SHELL",
        `XDG_CONFIG_HOME=${MQTT_CLIENT_CONFIG_DIR} mosquitto_sub -h 127.0.0.1 -p ${MQTT_PORT} -t '$SYS/broker/uptime' -C 1 -W 5 >/dev/null`,
      ],
    },
    volumes: [{ class: "config", target: "/mosquitto/data" }],
    // Containers reach it on `internal`; a published port needs a non-internal bridge too.
    networks: ["internal", "proxy"],
    tmpfs: { "/tmp": 1 },
    secrets: [{ name: "password", length: 32, alphanumeric: true, file: true, exported: true }],
    memoryMb: 128,
  },
];
