import { REDIS_IMAGE } from "./shared";
import type { AppDefinition } from "./types";

/** The way in: socket proxy, reverse proxy, SSO and a smoke-test app. */
export const coreApps: readonly AppDefinition[] = [
  {
    name: "socket-proxy",
    managedEnv: {
      prefixes: [""],
      reason:
        "its env is the Docker API allow-list (POST/EXEC would give every client root on the host)",
    },
    profile: "core",
    description: "Read-only Docker API subset for Traefik, Prometheus, Alloy and the dashboard",
    image: { repository: "lscr.io/linuxserver/socket-proxy", tag: "3.4.3-r0-ls91" },
    contract: {
      user: "0:0",
      source: [
        "linuxserver/docker-socket-proxy Dockerfile@3.4.3-r0-ls91",
        "linuxserver/docker-socket-proxy root/docker-entrypoint.sh@3.4.3-r0-ls91",
        "linuxserver/docker-socket-proxy root/templates/haproxy.cfg@3.4.3-r0-ls91",
      ],
    },
    perHost: true,
    health: { test: ["CMD-SHELL", "wget -q --spider http://127.0.0.1:2375/_ping || exit 1"] },
    env: {
      CONTAINERS: "1",
      NETWORKS: "1",
      SERVICES: "1",
      INFO: "1",
      PING: "1",
      VERSION: "1",
      EVENTS: "1",
      POST: "0",
      EXEC: "0",
      LOG_LEVEL: "warning",
    },
    memoryMb: 64,
    // Never published: it answers GET /containers/{id}/json (every env, secrets included), so
    // only containers on this host's `socket` network reach it.
    networks: ["socket"],
    tmpfs: { "/run": 16 },
    exceptions: {
      hostAccess: [
        {
          hostPath: "/var/run/docker.sock",
          target: "/var/run/docker.sock",
          readOnly: true,
          reason:
            "the one container that talks to the Docker engine; exposes only read-only GET endpoints",
        },
      ],
    },
    capAdd: ["CHOWN", "SETUID", "SETGID"],
  },
  {
    name: "traefik",
    managedEnv: {
      prefixes: [""],
      reason: "Traefik reads its static configuration from TRAEFIK_* env; the program generates it",
    },
    profile: "core",
    description: "Reverse proxy: TLS, routing by container labels, forward-auth",
    image: { repository: "traefik", tag: "v3.7.11" },
    enabledWhen: "traefik",
    contract: {
      user: "0:0",
      source: ["traefik/traefik-library-image v3.5/alpine/Dockerfile@v3.5.3"],
      // The dashboard has no login of its own: the two-factor route is its only gate.
      firstRun: {
        admin: "none",
        remaining: "",
        source: ["traefik/traefik docs/content/operations/dashboard.md@v3.5.3 (no built-in auth)"],
      },
    },
    placement: "edge",
    egress: true,
    // Traefik's Docker provider resolves a host-network container (Home Assistant) to
    // host.docker.internal, else to 127.0.0.1, its own loopback (traefik/traefik
    // pkg/provider/docker/config.go getIPAddress@v3.5.3).
    hostGateway: "routes to host-network apps on this host, which Traefik reaches at the host",
    route: {
      port: 8080,
      subdomain: "traefik",
      auth: "two_factor",
      dashboard: { group: "Infrastructure", icon: "traefik.png", description: "Reverse proxy" },
    },
    ports: [
      { container: 80, host: 80, protocol: "tcp", reason: "HTTP entrypoint (redirects to HTTPS)" },
      {
        container: 443,
        host: 443,
        protocol: "tcp",
        reason: "HTTPS entrypoint for every routed app",
      },
    ],
    health: { test: ["CMD", "traefik", "healthcheck", "--ping"], intervalSeconds: 30 },
    volumes: [
      { class: "config", target: "/certs", sub: "certs" },
      { class: "config", target: "/etc/traefik/dynamic", sub: "dynamic", readOnly: true },
      { class: "logs", target: "/var/log/traefik" },
    ],
    metrics: { port: 8082, path: "/metrics" },
    networks: ["proxy", "socket"],
    memoryMb: 256,
    // Runs as the owner, who owns its certificate, log and route directories; binding 80/443
    // needs no capability once the container's own network namespace allows it.
    user: "owner",
    sysctls: { "net.ipv4.ip_unprivileged_port_start": "0" },
  },
  {
    name: "caddy",
    managedEnv: {
      prefixes: [""],
      reason:
        "Caddy's routes, TLS and forward-auth come from the Caddyfile the program generates (plan/proxy/caddy.ts)",
    },
    profile: "core",
    description:
      "Reverse proxy (homelab:proxy caddy): TLS, the same routes and forward-auth from one generated Caddyfile",
    // The official image plus the caddy-dns/cloudflare module (its Dockerfile only replaces
    // /usr/bin/caddy with an xcaddy build); the official image has no DNS provider. 2.11.2 is
    // the first Caddy whose forward_auth drops a client's copies of the copied headers.
    image: { repository: "iarekylew00t/caddy-cloudflare", tag: "2.11.2" },
    contract: {
      user: "0:0",
      source: [
        "IAreKyleW00t/docker-caddy-cloudflare Dockerfile@v2.11.2",
        "caddyserver/caddy-docker 2.11/alpine/Dockerfile@03d78cdcd835a384ab5567ea2a5ffa022ce3ec3b",
        "caddyserver/caddy-docker 2.11/builder/Dockerfile@03d78cdcd835a384ab5567ea2a5ffa022ce3ec3b",
      ],
      // No accounts; its admin API is switched off in the generated Caddyfile (`admin off`).
      firstRun: {
        admin: "none",
        remaining: "",
        source: ["caddyserver/caddy caddyconfig/httpcaddyfile/options.go@v2.11.2 (admin off)"],
      },
    },
    placement: "edge",
    enabledWhen: "caddy",
    // ACME (Let's Encrypt, the Cloudflare API) and every upstream on `proxy`.
    egress: true,
    ports: [
      { container: 80, host: 80, protocol: "tcp", reason: "HTTP (redirects to HTTPS)" },
      { container: 443, host: 443, protocol: "tcp", reason: "HTTPS for every routed app" },
    ],
    // The image's CMD runs `caddy run --config /etc/caddy/Caddyfile --adapter caddyfile`: the
    // generated Caddyfile is uploaded there. The metrics listener doubles as the health check
    // (the image installs curl).
    health: {
      test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8082/metrics"],
      intervalSeconds: 30,
    },
    // XDG_DATA_HOME=/data in the image: the ACME account and certificates.
    volumes: [{ class: "config", target: "/data" }],
    metrics: { port: 8082, path: "/metrics" },
    memoryMb: 256,
    // Runs as the owner, who owns /data; like Traefik it binds 80/443 through the container's
    // own unprivileged port range (no-new-privileges keeps file capabilities from applying).
    user: "owner",
    sysctls: { "net.ipv4.ip_unprivileged_port_start": "0" },
    // Not for binding: /usr/bin/caddy carries the file capability cap_net_bind_service=+ep
    // (XCADDY_SETCAP=1 in the builder image), and execve refuses a binary whose file
    // capabilities are missing from the bounding set, so with ALL dropped it would not start.
    capAdd: ["NET_BIND_SERVICE"],
  },
  {
    name: "authelia",
    managedEnv: {
      prefixes: [""],
      reason:
        "Authelia reads its configuration (access policy, secrets) from AUTHELIA_* env; the program generates it from homelab:sso",
    },
    profile: "core",
    description: "Single sign-on portal and forward-auth for every admin app",
    image: { repository: "authelia/authelia", tag: "4.39.20" },
    contract: {
      user: "0:0",
      source: ["authelia/authelia Dockerfile@v4.39.20", "authelia/authelia entrypoint.sh@v4.39.20"],
      // No setup page and no sign-up: users come from the users file, where the program
      // writes one admin from this secret's digest unless homelab:ssoUsers is set.
      firstRun: {
        admin: "seeded",
        secret: "admin_password",
        user: "admin",
        how: "the users file, written from the secret's bcrypt digest (never the password itself)",
        remaining: "register TOTP or a security key at the first two-factor app",
        source: [
          "authelia/authelia internal/commands/crypto_hash.go@v4.39.13 (hash generation)",
          "authelia/authelia docs/content/reference/guides/passwords.md@v4.39.13 (file backend users)",
        ],
      },
    },
    placement: "edge",
    enabledWhen: "sso",
    route: { port: 9091, subdomain: "auth", auth: "bypass" },
    health: { test: ["CMD", "/app/healthcheck.sh"], startPeriodSeconds: 60 },
    // configuration.yml, users.yml and the SQLite store live together on the database tier.
    volumes: [{ class: "database", target: "/config" }],
    dump: { kind: "sqlite", database: "/config/db.sqlite3" },
    user: "owner",
    networks: ["internal", "proxy"],
    metrics: { port: 9959, path: "/metrics" },
    secrets: [
      {
        name: "jwt",
        length: 64,
        alphanumeric: true,
        fileEnv: "AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET_FILE",
      },
      { name: "session", length: 64, alphanumeric: true, fileEnv: "AUTHELIA_SESSION_SECRET_FILE" },
      {
        name: "storageKey",
        length: 64,
        alphanumeric: true,
        fileEnv: "AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE",
      },
      {
        name: "admin_password",
        length: 24,
        alphanumeric: true,
        digestFile: true,
        exported: true,
      },
    ],
    exceptions: { writableRoot: "receives its generated configuration and secrets as uploads" },
    memoryMb: 256,
  },
  {
    name: "authelia-redis",
    profile: "core",
    description: "Session store for Authelia, so logins survive a restart",
    image: REDIS_IMAGE,
    contract: {
      user: "0:0",
      dropsTo: "999:1000",
      source: [
        "docker-library/redis 7.4/alpine/Dockerfile and docker-entrypoint.sh (library/redis@5a530d6105, 7.4.5)",
        "docker-library/official-images library/redis@37079fb336 (7.4.11-alpine from redis/docker-library-redis@74654c61)",
      ],
    },
    placement: "edge",
    enabledWhen: "sso",
    internalOnly: true,
    user: "owner",
    command: ["redis-server", "--save", "300 1", "--appendonly", "no", "--dir", "/data"],
    health: { test: ["CMD", "redis-cli", "ping"] },
    volumes: [{ class: "database", target: "/data" }],
    dump: { kind: "redis" },
    memoryMb: 128,
  },
  {
    name: "cloudflare-ddns",
    managedEnv: { prefixes: [""], reason: "set from homelab:dns and cloudflare:apiToken" },
    profile: "core",
    description: "Keeps the apex record pointing at the current public address",
    image: { repository: "favonia/cloudflare-ddns", tag: "1.17.0" },
    contract: { user: "1000:1000", source: ["favonia/cloudflare-ddns Dockerfile@v1.17.0"] },
    placement: "edge",
    enabledWhen: "ddns",
    egress: true,
    user: "owner",
    health: { none: "scratch image without a shell or HTTP client" },
    exceptions: { writableRoot: "receives the Cloudflare token as an upload" },
    memoryMb: 32,
  },
  {
    name: "whoami",
    profile: "core",
    description: "Echo service that proves routing, TLS and SSO end to end",
    image: { repository: "traefik/whoami", tag: "v1.11.0" },
    contract: {
      user: "0:0",
      source: ["traefik/whoami Dockerfile@v1.11.0"],
      firstRun: {
        admin: "none",
        remaining: "",
        source: ["traefik/whoami app.go@v1.11.0 (echoes requests, no accounts)"],
      },
    },
    route: { port: 8080, auth: "one_factor" },
    health: { none: "scratch image without a shell or HTTP client" },
    command: ["--port", "8080"],
    memoryMb: 32,
  },
];
