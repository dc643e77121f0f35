import type { AppDefinition } from "./types";

/** The way in: socket proxy, reverse proxy, SSO and a smoke-test app. */
export const coreApps: readonly AppDefinition[] = [
  {
    name: "socket-proxy",
    profile: "core",
    description: "Read-only Docker API subset for Traefik, Prometheus, Alloy and the dashboard",
    image: { repository: "lscr.io/linuxserver/socket-proxy", tag: "3.2.6" },
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
    networks: ["socket"],
    tmpfs: { "/run": 16 },
    exceptions: {
      hostAccess: [
        {
          hostPath: "/var/run/docker.sock",
          target: "/var/run/docker.sock",
          readOnly: true,
          reason: "the one container that talks to the Docker engine; exposes only read-only GET endpoints",
        },
      ],
    },
    capAdd: ["CHOWN", "SETUID", "SETGID"],
  },
  {
    name: "traefik",
    profile: "core",
    description: "Reverse proxy: TLS, routing by container labels, forward-auth",
    image: { repository: "traefik", tag: "v3.5.3" },
    placement: "edge",
    egress: true,
    route: {
      port: 8080,
      subdomain: "traefik",
      auth: "two_factor",
      dashboard: { group: "Infrastructure", icon: "traefik.png", description: "Reverse proxy" },
    },
    ports: [
      { container: 80, host: 80, protocol: "tcp", reason: "HTTP entrypoint (redirects to HTTPS)" },
      { container: 443, host: 443, protocol: "tcp", reason: "HTTPS entrypoint for every routed app" },
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
    capAdd: ["NET_BIND_SERVICE"],
  },
  {
    name: "whoami",
    profile: "core",
    description: "Echo service that proves routing, TLS and SSO end to end",
    image: { repository: "traefik/whoami", tag: "v1.11.0" },
    route: { port: 8080, auth: "one_factor" },
    health: { none: "scratch image without a shell or HTTP client" },
    command: ["--port", "8080"],
    memoryMb: 32,
  },
];
