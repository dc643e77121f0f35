import { ROOT_DROP_CAPS, curlHealth } from "./shared";
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

export const homeApps: readonly AppDefinition[] = [
  {
    name: "homeassistant",
    displayName: "Home Assistant",
    profile: "home",
    description: "Home Assistant: devices, automations and energy",
    image: { repository: "ghcr.io/home-assistant/home-assistant", tag: "2025.11.1" },
    contract: { user: "0:0", source: ["home-assistant/docker-base alpine/Dockerfile@c8de5ab"] },
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
    health: curlHealth("http://localhost:8123/manifest.json", 120),
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
