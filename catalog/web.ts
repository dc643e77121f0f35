import { WRITABLE_S6, curlHealth, pythonHealth, wgetHealth } from "./shared";
import type { AppDefinition } from "./types";

/**
 * Dashboards and the media invite portal. Homepage is the dashboard: it discovers apps by
 * their `homepage.*` labels through the socket proxy and lists apps on other hosts from a
 * generated file (plan/homepage). Heimdall and Organizr are opt-in alternatives.
 */

export const HOMEPAGE_PORT = 3000;
export const HOMEPAGE_CONFIG_DIR = "/app/config";

export const webApps: readonly AppDefinition[] = [
  {
    name: "homepage",
    profile: "infra",
    description: "Homepage dashboard: every app, grouped, from container labels",
    image: { repository: "ghcr.io/gethomepage/homepage", tag: "v1.12.3" },
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: [
        "gethomepage/homepage Dockerfile@v1.12.3",
        "gethomepage/homepage docker-entrypoint.sh@v1.12.3",
      ],
    },
    placement: "edge",
    // Starts as root and drops to PUID/PGID after fixing its config and cache ownership.
    puid: true,
    route: { port: HOMEPAGE_PORT, subdomain: "home", auth: "one_factor" },
    health: wgetHealth(`http://127.0.0.1:${HOMEPAGE_PORT}/api/healthcheck`),
    volumes: [{ class: "config", target: HOMEPAGE_CONFIG_DIR }],
    // Container discovery through the read-only socket proxy; status checks through `proxy`.
    networks: ["proxy", "socket"],
    env: { HOMEPAGE_ALLOWED_HOSTS: "{{host}}", PORT: String(HOMEPAGE_PORT) },
    exceptions: { writableRoot: "Next.js writes its page cache below /app/.next at runtime" },
    memoryMb: 256,
  },
  {
    name: "heimdall",
    profile: "infra",
    description: "Heimdall application launcher (alternative to Homepage)",
    image: { repository: "lscr.io/linuxserver/heimdall", tag: "v2.8.1-ls357" },
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: ["linuxserver/docker-heimdall Dockerfile@v2.8.1-ls357"],
    },
    defaultEnabled: false,
    placement: "edge",
    puid: true,
    route: { port: 80, auth: "one_factor" },
    health: curlHealth("http://localhost/"),
    volumes: [{ class: "config", target: "/config" }],
    exceptions: { writableRoot: WRITABLE_S6 },
    memoryMb: 256,
    sleepsWhenIdle: true,
  },
  {
    name: "organizr",
    profile: "infra",
    description: "Organizr tabbed portal (alternative to Homepage)",
    // Upstream publishes only `latest` (and per-arch tags): the digest makes the pin immutable.
    image: {
      repository: "organizr/organizr",
      tag: "latest@sha256:1ce319d73cdfd2666ec7ef21e15907531fabc8a6f333c4ac61e2b2e9d2d162f5",
    },
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: ["Organizr/docker-organizr Dockerfile@1a600d3"],
    },
    defaultEnabled: false,
    placement: "edge",
    puid: true,
    route: { port: 80, auth: "one_factor" },
    health: curlHealth("http://localhost/"),
    volumes: [{ class: "config", target: "/config" }],
    exceptions: { writableRoot: WRITABLE_S6 },
    memoryMb: 256,
    sleepsWhenIdle: true,
  },
  {
    name: "wizarr",
    profile: "infra",
    description: "Wizarr: invitations and onboarding for the media server's users",
    image: { repository: "ghcr.io/wizarrrr/wizarr", tag: "4.1.1" },
    contract: {
      user: "0:0",
      source: [
        "wizarrrr/wizarr dockerfiles/wizarr-ci/Dockerfile@v4.1.1",
        "wizarrrr/wizarr dockerfiles/wizarr/docker-entrypoint.sh@v4.1.1",
      ],
    },
    // Invited people have no SSO account; Wizarr's admin pages have their own login.
    route: {
      port: 5690,
      subdomain: "invite",
      auth: "bypass",
      dashboard: {
        group: "Media",
        icon: "wizarr.png",
        description: "Invite people to the media server",
      },
    },
    health: pythonHealth("http://127.0.0.1:5690/"),
    volumes: [{ class: "config", target: "/data/database" }],
    exceptions: {
      capAdd: {
        caps: ["SETGID", "SETUID"],
        reason: "its nginx starts as root and switches its workers to www-data (fatal without)",
      },
      writableRoot: "the entrypoint runs database migrations and writes its secret key file",
    },
    memoryMb: 256,
  },
];
