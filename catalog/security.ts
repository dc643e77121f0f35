import type { AppDefinition } from "./types";

/**
 * Remote access and intrusion prevention: WireGuard (wg-easy) into the LAN, CrowdSec reading
 * the proxy and SSO logs, and Fail2ban as the opt-in alternative.
 */

export const WIREGUARD_PORT = 51820;
export const WG_EASY_UI_PORT = 51821;
/** Where Traefik's access log directory appears in the log readers. */
export const TRAEFIK_LOGS_TARGET = "/var/log/traefik";
export const CROWDSEC_ACQUIS_PATH = "/etc/crowdsec/acquis.d/homelab.yaml";

/** What CrowdSec reads: Traefik's JSON access log, and Authelia's log through the socket proxy. */
export function crowdsecAcquisition(socketProxyUrl: string): string {
  return [
    "filenames:",
    `  - ${TRAEFIK_LOGS_TARGET}/*.log`,
    "labels:",
    "  type: traefik",
    "---",
    "source: docker",
    "container_name:",
    "  - authelia",
    `docker_host: ${socketProxyUrl}`,
    "labels:",
    "  type: authelia",
    "",
  ].join("\n");
}

/** Fail2ban: ban clients that collect 401/403 answers from the proxy (failed logins, probes). */
export const FAIL2BAN_FILES: Readonly<Record<string, string>> = {
  "/data/filter.d/traefik-auth.conf": [
    "[Definition]",
    'failregex = ^.*"ClientHost":"<HOST>".*"DownstreamStatus":(401|403).*$',
    "ignoreregex =",
    "",
  ].join("\n"),
  "/data/jail.d/traefik-auth.local": [
    "[traefik-auth]",
    "enabled = true",
    "filter = traefik-auth",
    `logpath = ${TRAEFIK_LOGS_TARGET}/access.log`,
    "chain = DOCKER-USER",
    "action = iptables-allports[name=traefik-auth, chain=DOCKER-USER]",
    "maxretry = 10",
    "findtime = 10m",
    "bantime = 1h",
    "",
  ].join("\n"),
};

export const securityApps: readonly AppDefinition[] = [
  {
    name: "wg-easy",
    displayName: "WireGuard",
    profile: "security",
    description: "WireGuard VPN with a web UI: remote access to the LAN and every app",
    image: { repository: "ghcr.io/wg-easy/wg-easy", tag: "15.4.0" },
    contract: {
      user: "0:0",
      source: ["wg-easy/wg-easy Dockerfile@v15.4.0"],
      firstRun: {
        admin: "seeded",
        secret: "adminPassword",
        user: "admin",
        how: "INIT_ENABLED with INIT_USERNAME/PASSWORD/HOST/PORT: the setup runs unattended",
        remaining: "",
        source: [
          "wg-easy/wg-easy src/server/utils/config.ts@v15.3.0 (INIT_*)",
          "wg-easy/wg-easy src/server/database/sqlite.ts@v15.3.0 (initialSetup)",
        ],
      },
    },
    placement: "edge",
    route: {
      ownLogin: true,
      port: WG_EASY_UI_PORT,
      subdomain: "vpn",
      auth: "two_factor",
      dashboard: { group: "Infrastructure", icon: "wireguard.png", description: "VPN clients" },
    },
    ports: [
      {
        container: WIREGUARD_PORT,
        host: WIREGUARD_PORT,
        protocol: "udp",
        reason: "WireGuard tunnels are UDP; forward this port on the router",
      },
    ],
    health: {
      test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${WG_EASY_UI_PORT}/`],
      startPeriodSeconds: 30,
    },
    volumes: [{ class: "config", target: "/etc/wireguard" }],
    // Clients reach the LAN through the container: it must forward and mark packets.
    sysctls: { "net.ipv4.ip_forward": "1", "net.ipv4.conf.all.src_valid_mark": "1" },
    env: {
      PORT: String(WG_EASY_UI_PORT),
      // Unattended first setup: the admin account and the endpoint clients dial.
      INIT_ENABLED: "true",
      INIT_USERNAME: "admin",
      INIT_HOST: "{{domain}}",
      INIT_PORT: String(WIREGUARD_PORT),
    },
    secrets: [
      {
        name: "adminPassword",
        length: 24,
        alphanumeric: true,
        env: "INIT_PASSWORD",
        exported: true,
      },
    ],
    exceptions: {
      // The kernel's WireGuard module must be present on the host (Linux 5.6+ has it built in).
      capAdd: {
        caps: ["NET_ADMIN", "NET_RAW"],
        reason:
          "creates the wg0 interface and the NAT rules that route clients into the LAN; the image forces iptables-legacy, which opens a raw socket (NET_RAW)",
      },
      writableRoot: "iptables keeps its lock file in /run and wg-quick writes runtime state",
    },
    memoryMb: 256,
  },
  {
    name: "crowdsec",
    profile: "security",
    description:
      "CrowdSec: detects attacks in the Traefik and Authelia logs; no bouncer is configured, so it blocks nothing",
    image: { repository: "crowdsecurity/crowdsec", tag: "v1.6.11" },
    contract: { user: "0:0", source: ["crowdsecurity/crowdsec Dockerfile@v1.6.8"] },
    placement: "edge",
    health: { test: ["CMD", "cscli", "lapi", "status"], startPeriodSeconds: 60 },
    volumes: [
      { class: "config", target: "/etc/crowdsec" },
      { class: "database", target: "/var/lib/crowdsec/data" },
    ],
    // Hub downloads through `proxy`; Authelia's container log through the socket proxy.
    networks: ["proxy", "socket"],
    env: {
      COLLECTIONS:
        "crowdsecurity/traefik crowdsecurity/http-cve crowdsecurity/whitelist-good-actors LePresidente/authelia",
    },
    metrics: { port: 6060, path: "/metrics" },
    memoryMb: 256,
  },
  {
    name: "fail2ban",
    profile: "security",
    description: "Fail2ban: bans clients that fail logins at the proxy (alternative to CrowdSec)",
    image: { repository: "crazymax/fail2ban", tag: "1.1.0" },
    // The build pushes only `1.1.0` for every `1.1.0-rN` rebuild, so the contract is read at
    // the newest one the tag serves (r6): the entrypoint links the timezone, rewrites
    // fail2ban.conf from the F2B_* env, links /data's jails, actions and filters into
    // /etc/fail2ban, and relinks /usr/sbin/iptables* to legacy only where nft fails.
    contract: {
      user: "0:0",
      writes: ["/etc/localtime", "/etc/timezone", "/etc/fail2ban", "/usr/sbin"],
      source: [
        "crazy-max/docker-fail2ban Dockerfile and entrypoint.sh@1.1.0-r6",
        "crazy-max/docker-fail2ban .github/workflows/build.yml@1.1.0-r6 (type=match,pattern=(.*)-r,group=1)",
      ],
    },
    defaultEnabled: false,
    // Its one jail reads Traefik's access log; without it Fail2ban finds no log and stops.
    enabledWhen: "traefik",
    placement: "edge",
    health: { test: ["CMD", "fail2ban-client", "ping"], startPeriodSeconds: 30 },
    volumes: [{ class: "config", target: "/data" }],
    env: { F2B_LOG_TARGET: "STDOUT", F2B_DB_PURGE_AGE: "30d" },
    exceptions: {
      hostNetwork:
        "bans are firewall rules in the host's DOCKER-USER chain, which only the host namespace reaches",
      capAdd: {
        caps: ["NET_ADMIN", "NET_RAW"],
        reason: "iptables needs both to insert and remove ban rules",
      },
    },
    memoryMb: 128,
  },
];
