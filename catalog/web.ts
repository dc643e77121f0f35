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
    description:
      "Homepage dashboard: every app, grouped, from container labels; live widgets of Sonarr, Radarr, Lidarr, Prowlarr, Seerr and SABnzbd with their generated API keys",
    image: { repository: "ghcr.io/gethomepage/homepage", tag: "v1.12.3" },
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: [
        "gethomepage/homepage Dockerfile@v1.12.3",
        "gethomepage/homepage docker-entrypoint.sh@v1.12.3",
        // Labels and services.yaml are substituted; each HOMEPAGE_FILE_* file is read then.
        "gethomepage/homepage src/utils/config/config.js@v1.12.3 (substituteEnvironmentVars)",
        "gethomepage/homepage src/utils/config/service-helpers.js@v1.12.3 (labels substituted)",
      ],
      firstRun: {
        admin: "none",
        remaining: "",
        source: [
          "gethomepage/homepage docs/installation/index.md@v1.12.3 (no login; HOMEPAGE_ALLOWED_HOSTS)",
        ],
      },
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
      // No login unless basic auth is switched on by hand in its nginx site (readme).
      firstRun: {
        admin: "none",
        remaining: "",
        source: ["linuxserver/docker-heimdall readme-vars.yml@v2.7.6-ls352"],
      },
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
      // The install wizard's form creates the first admin; nothing seeds it.
      firstRun: {
        admin: "sso-until-configured",
        remaining: "run the install wizard on the first visit (it creates the admin)",
        source: [
          "causefx/Organizr api/classes/organizr.class.php (stored copy: wizardConfig creates the first admin)",
          "Organizr/docker-organizr root/etc/cont-init.d/40-install@1a600d3 (no admin env)",
        ],
      },
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
      // Until a media server is verified its setup, settings and backup APIs need no login;
      // the choice is made when the process imports them, so they stay open until Wizarr
      // restarts after the setup. Invited people have no SSO account, so opening it to them
      // (auth `bypass`) is the owner's step once set up and restarted.
      firstRun: {
        admin: "sso-until-configured",
        ownLoginOnceConfigured: true,
        remaining:
          "run the setup (admin account, media server and its API key), docker restart wizarr, then set homelab:apps.wizarr.auth: bypass so invited people reach it",
        source: [
          "wizarrrr/wizarr apps/wizarr-backend/wizarr_backend/app/security.py@v4.1.1 (is_setup_required)",
          "wizarrrr/wizarr apps/wizarr-backend/wizarr_backend/api/routes/setup_api.py@v4.1.1 (method_decorators chosen at import)",
        ],
      },
    },
    route: {
      port: 5690,
      subdomain: "invite",
      auth: "one_factor",
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
