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
/** CrowdSec's local API (LAPI), which bouncers ask for decisions (crowdsec docker/config.yaml@v1.6.11). */
export const CROWDSEC_LAPI_PORT = 8080;
/**
 * The env var CrowdSec's entrypoint registers a bouncer key from at every start: each
 * variable whose name contains BOUNCER_KEY, named after what follows its second `_`
 * (`cscli bouncers add edge -k <key>` unless a bouncer of that name exists).
 */
export const CROWDSEC_BOUNCER_KEY_ENV = "BOUNCER_KEY_edge";
/** Catalog name of the forward-auth bouncer the edge proxy asks before every route. */
export const CROWDSEC_BOUNCER_APP = "crowdsec-bouncer";
/** The bouncer's listener (gin's default PORT) and its forward-auth route. */
export const CROWDSEC_BOUNCER_PORT = 8080;
export const CROWDSEC_BOUNCER_AUTH_PATH = "/api/v1/forwardAuth";

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
      "CrowdSec: detects attacks in the Traefik and Authelia logs; its bouncer answers banned addresses 403 at the edge proxy",
    image: { repository: "crowdsecurity/crowdsec", tag: "v1.6.11" },
    contract: {
      user: "0:0",
      source: [
        "crowdsecurity/crowdsec Dockerfile@v1.6.8",
        "crowdsecurity/crowdsec docker/docker_start.sh@v1.6.11 (register_bouncer, BOUNCER_KEY_<name>)",
        "crowdsecurity/crowdsec docker/config.yaml@v1.6.11 (api.server.listen_uri 0.0.0.0:8080)",
      ],
    },
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
    // The bouncer's key, registered by the entrypoint at start (never on a command line of ours).
    secrets: [
      { name: "bouncerKey", length: 32, alphanumeric: true, env: CROWDSEC_BOUNCER_KEY_ENV },
    ],
    memoryMb: 256,
  },
  {
    name: CROWDSEC_BOUNCER_APP,
    displayName: "CrowdSec bouncer",
    profile: "security",
    description:
      "CrowdSec's forward-auth bouncer: the edge proxy asks it before every route, banned addresses get 403",
    // fbonalair/traefik-crowdsec-bouncer: one image that serves Traefik's forwardAuth and
    // Caddy's forward_auth alike; its build pushes the git tag v0.5.0 as `0.5.0` (semver
    // pattern {{version}}). Distroless `nonroot` (65532), no writes, /healthchecker GETs
    // /api/v1/ping. Every forwardAuth call asks the LAPI `GET /v1/decisions?type=ban&ip=<ip>`
    // with X-Api-Key; a ban, or any error reaching the LAPI, answers 403 (it fails closed).
    image: { repository: "fbonalair/traefik-crowdsec-bouncer", tag: "0.5.0" },
    contract: {
      user: "65532:65532",
      source: [
        "fbonalair/traefik-crowdsec-bouncer Dockerfile@v0.5.0",
        "fbonalair/traefik-crowdsec-bouncer .github/workflows/docker-push.yml@v0.5.0 (type=semver,pattern={{version}})",
        "fbonalair/traefik-crowdsec-bouncer controler/controler.go@v0.5.0 (env, LAPI query, 403)",
        "fbonalair/traefik-crowdsec-bouncer bouncer.go@v0.5.0 (TRUSTED_PROXIES, routes)",
        "fbonalair/traefik-crowdsec-bouncer healthcheck/healthchecker.go@v0.5.0",
        "gin-gonic/gin context.go@v1.7.7 (ClientIP, validateHeader: X-Forwarded-For from the right)",
      ],
    },
    // Beside CrowdSec, whose LAPI it asks by name, on the edge host, where the proxy asks it.
    companionOf: "crowdsec",
    placement: "edge",
    health: { test: ["CMD", "/healthchecker"], startPeriodSeconds: 10 },
    // `proxy`: the edge proxy reaches it there, and it reaches CrowdSec's LAPI there.
    networks: ["proxy"],
    env: {
      CROWDSEC_AGENT_HOST: `crowdsec:${CROWDSEC_LAPI_PORT}`,
      GIN_MODE: "release",
    },
    managedEnv: {
      prefixes: ["CROWDSEC_", "TRUSTED_PROXIES"],
      reason: "the LAPI address, the key and the trusted proxies come from the stack",
    },
    metrics: { port: CROWDSEC_BOUNCER_PORT, path: "/api/v1/metrics" },
    memoryMb: 64,
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
