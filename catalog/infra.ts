import { ROOT_DROP_CAPS, WRITABLE_S6, pythonHealth, wgetHealth } from "./shared";
import type { AppDefinition } from "./types";

/**
 * Infrastructure around the apps: LAN DNS with split-horizon records (Pi-hole), logs and
 * system views (Dozzle, Glances), Sablier's API server (opt-in; nothing starts or stops apps
 * through it yet), DuckDNS (opt-in alternative to the Cloudflare updater) and Backrest, a
 * restic web UI for the repositories the owner adds to it.
 */

/** Where Pi-hole's dnsmasq reads the generated local records (re-read on change, no restart). */
export const PIHOLE_HOSTS_DIR = "/etc/pihole-hosts";
export const PIHOLE_RECORDS_FILE = "homelab.hosts";
export const PIHOLE_WEB_PORT = 8089;
/** The shared read-only Docker API (catalog/core socket-proxy). */
export const SOCKET_PROXY_URL = "tcp://socket-proxy:2375";
export const SABLIER_PORT = 10000;

/**
 * Backrest serves everything without a login until its config has users, and the first
 * visitor would set them. Before its first start this writes a config holding only the
 * generated admin: `passwordBcrypt` is the base64 of a bcrypt hash (the secret's digest
 * file, so the password itself is never written), `version` the config format of this
 * release (6 migrations), and the instance ID is left for the owner's first login. An
 * existing config is never touched.
 */
export const BACKREST_CONFIG_PATH = "/config/config.json";
export const BACKREST_START = [
  `if [ ! -e ${BACKREST_CONFIG_PATH} ]; then`,
  "  umask 077",
  `  printf '{"version":6,"auth":{"users":[{"name":"admin","passwordBcrypt":"%s"}]}}\n' "$(base64 -w 0 /run/secrets/adminPassword.bcrypt)" > ${BACKREST_CONFIG_PATH}`,
  "fi",
  "exec /docker-entrypoint /backrest",
].join("\n");

export const infraApps: readonly AppDefinition[] = [
  {
    name: "pihole",
    displayName: "Pi-hole",
    profile: "infra",
    description: "Pi-hole: LAN DNS with ad blocking and local records for every app",
    image: { repository: "pihole/pihole", tag: "2026.07.2" },
    contract: {
      user: "0:0",
      dropsTo: "1000:1000",
      source: [
        "pi-hole/docker-pi-hole src/Dockerfile@2026.07.2",
        "pi-hole/docker-pi-hole src/start.sh@2026.07.2",
      ],
      // No accounts: one web/API password, from FTLCONF_webserver_api_password when set
      // (otherwise a random one printed to the log).
      firstRun: {
        admin: "seeded",
        secret: "adminPassword",
        how: "FTLCONF_webserver_api_password",
        remaining: "",
        source: ["pi-hole/docker-pi-hole src/bash_functions.sh@2025.11.1 (setup_web_password)"],
      },
    },
    placement: "edge",
    route: {
      ownLogin: true,
      port: PIHOLE_WEB_PORT,
      auth: "two_factor",
      dashboard: {
        group: "Infrastructure",
        icon: "pi-hole.png",
        description: "DNS and ad blocking",
      },
    },
    ports: [
      {
        container: 53,
        host: 53,
        protocol: "udp",
        reason: "DNS for the LAN (clients query port 53/udp)",
      },
      {
        container: 53,
        host: 53,
        protocol: "tcp",
        reason: "DNS over TCP for large answers and zone transfers",
      },
    ],
    health: {
      test: ["CMD-SHELL", "dig +short +norecurse +retry=0 @127.0.0.1 pi.hole || exit 1"],
      startPeriodSeconds: 60,
    },
    volumes: [
      { class: "config", target: "/etc/pihole", sub: "etc" },
      { class: "config", target: PIHOLE_HOSTS_DIR, sub: "hosts", readOnly: true },
    ],
    env: {
      PIHOLE_UID: "{{uid}}",
      PIHOLE_GID: "{{gid}}",
      FTLCONF_webserver_port: String(PIHOLE_WEB_PORT),
      // Containers on a bridge see queries from the bridge gateway, not from a local net.
      FTLCONF_dns_listeningMode: "ALL",
      FTLCONF_dns_upstreams: "1.1.1.1;9.9.9.9",
      // dnsmasq watches this directory: a changed records file applies without a restart.
      FTLCONF_misc_dnsmasq_lines: `hostsdir=${PIHOLE_HOSTS_DIR}`,
    },
    secrets: [
      {
        name: "adminPassword",
        length: 24,
        alphanumeric: true,
        env: "FTLCONF_webserver_api_password",
        exported: true,
      },
    ],
    // start.sh sets pihole-FTL's file capabilities (setcap) before dropping to the pihole user.
    capAdd: [...ROOT_DROP_CAPS, "NET_BIND_SERVICE", "SETFCAP"],
    exceptions: {
      writableRoot:
        "FTL writes its generated dnsmasq configuration and logs below /etc and /var/log",
    },
    memoryMb: 256,
  },
  {
    name: "dozzle",
    profile: "infra",
    description: "Dozzle: live container logs of the edge host",
    image: { repository: "amir20/dozzle", tag: "v8.14.12" },
    contract: {
      user: "0:0",
      source: ["amir20/dozzle Dockerfile@v8.14.12"],
      firstRun: {
        admin: "none",
        remaining: "",
        source: [
          "amir20/dozzle internal/support/cli/args.go@v8.14.12 (DOZZLE_AUTH_PROVIDER default none)",
        ],
      },
    },
    placement: "edge",
    user: "owner",
    route: {
      port: 8080,
      subdomain: "logs",
      auth: "two_factor",
      dashboard: { group: "Infrastructure", icon: "dozzle.png", description: "Container logs" },
    },
    health: { test: ["CMD", "/dozzle", "healthcheck"], startPeriodSeconds: 15 },
    // Read-only Docker API through the socket proxy; never the socket itself.
    networks: ["proxy", "socket"],
    env: { DOCKER_HOST: SOCKET_PROXY_URL, DOZZLE_ADDR: ":8080", DOZZLE_NO_ANALYTICS: "true" },
    memoryMb: 128,
  },
  {
    name: "glances",
    profile: "infra",
    description: "Glances: CPU, memory, disks, sensors and containers of the edge host",
    image: { repository: "nicolargo/glances", tag: "4.5.5" },
    contract: {
      user: "0:0",
      source: ["nicolargo/glances docker-files/alpine.Dockerfile@v4.5.5"],
      firstRun: {
        admin: "none",
        remaining: "",
        source: ["nicolargo/glances glances/main.py@v4.4.1 (no login without --password)"],
      },
    },
    placement: "edge",
    route: {
      port: 61208,
      auth: "two_factor",
      dashboard: { group: "Infrastructure", icon: "glances.png", description: "System resources" },
    },
    health: pythonHealth("http://127.0.0.1:61208/api/4/status"),
    networks: ["proxy", "socket"],
    env: { GLANCES_OPT: "-w", DOCKER_HOST: SOCKET_PROXY_URL },
    // Under the read-only root its logger falls back to the temp dir, and fails without one.
    tmpfs: { "/tmp": 16 },
    exceptions: { hostPid: "lists every process of the host, not only its own" },
    memoryMb: 256,
  },
  {
    name: "sablier",
    profile: "infra",
    description:
      "Sablier's API server (opt-in): reads container state only; no app is started or stopped on demand yet (no Traefik plugin, read-only socket proxy)",
    image: { repository: "sablierapp/sablier", tag: "1.10.4" },
    contract: { user: "65532:65532", source: ["sablierapp/sablier build/Dockerfile@v1.10.4"] },
    defaultEnabled: false,
    placement: "edge",
    user: "owner",
    command: ["start", "--provider.name=docker"],
    health: { test: ["CMD", "/bin/sablier", "health"], startPeriodSeconds: 15 },
    // Traefik's Sablier plugin would call it on `proxy`; starting and stopping would go through
    // the one socket proxy, which allows neither (ALLOW_START/ALLOW_STOP unset, haproxy.cfg of
    // linuxserver/docker-socket-proxy@3.2.6-r0-ls59): so Sablier only reads.
    networks: ["proxy", "socket"],
    env: { DOCKER_HOST: SOCKET_PROXY_URL },
    memoryMb: 64,
  },
  {
    name: "duckdns",
    profile: "infra",
    description:
      "DuckDNS updater: keeps <name>.duckdns.org on the public address (alternative to Cloudflare)",
    image: { repository: "lscr.io/linuxserver/duckdns", tag: "33acdda4-ls74" },
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: [
        "linuxserver/docker-duckdns Dockerfile and root/etc/s6-overlay/s6-rc.d@33acdda4-ls74",
      ],
    },
    defaultEnabled: false,
    placement: "edge",
    puid: true,
    egress: true,
    requires: ["homelab:duckdnsToken"],
    // SUBDOMAINS comes from homelab:apps.duckdns.env; the token is a secret file.
    env: { FILE__TOKEN: "/run/secrets/duckdns-token", LOG_FILE: "false" },
    health: { none: "a cron loop that calls the DuckDNS API every five minutes; no endpoint" },
    exceptions: { writableRoot: WRITABLE_S6 },
    memoryMb: 64,
  },
  {
    name: "backrest",
    profile: "infra",
    description:
      "Backrest: a restic web UI; add a repository and its password in it to browse and restore (the backup job's local repository is not mounted into it)",
    image: { repository: "ghcr.io/garethgeorge/backrest", tag: "v1.14.1" },
    contract: {
      user: "0:0",
      source: ["garethgeorge/backrest Dockerfile.alpine@v1.14.1"],
      firstRun: {
        admin: "seeded",
        secret: "adminPassword",
        user: "admin",
        how: "a config.json with the admin's bcrypt digest, written before the first start (BACKREST_START)",
        remaining: "set the instance ID it asks for at the first login; add the repositories",
        source: [
          "garethgeorge/backrest internal/auth/auth.go@v1.14.1 (passwordBcrypt is base64 of a bcrypt hash)",
          "garethgeorge/backrest proto/v1/config.proto@v1.14.1 (auth.users name, passwordBcrypt)",
          "garethgeorge/backrest internal/config/migrations/migrations.go@v1.14.1 (CurrentVersion 6)",
          "garethgeorge/backrest internal/config/validate.go@v1.14.1 (empty instance ID only warns)",
        ],
      },
    },
    // tini as in the image, then the seeding step before the image's own entrypoint.
    entrypoint: ["/sbin/tini", "--", "/bin/sh", "-c", BACKREST_START],
    // Next to the local repositories (the backups class, HDD by default).
    placement: "data",
    route: {
      port: 9898,
      auth: "two_factor",
      dashboard: {
        group: "Infrastructure",
        icon: "backrest.png",
        description: "Backups and restores",
      },
    },
    health: wgetHealth("http://127.0.0.1:9898/"),
    volumes: [
      { class: "config", target: "/config" },
      { class: "database", target: "/data" },
      { class: "cache", target: "/cache" },
    ],
    env: {
      BACKREST_PORT: "0.0.0.0:9898",
      BACKREST_CONFIG: "/config/config.json",
      BACKREST_DATA: "/data",
      XDG_CACHE_HOME: "/cache",
      TMPDIR: "/tmp",
    },
    networks: ["proxy"],
    tmpfs: { "/tmp": 256 },
    secrets: [
      { name: "adminPassword", length: 32, alphanumeric: true, digestFile: true, exported: true },
    ],
    memoryMb: 512,
  },
];
