import type { HomelabSpec } from "../config/spec";
import {
  ADMIN_PASSWORD_ENV,
  ADMIN_USER,
  adminPassword,
  postFromShell,
  setupHealth,
} from "./firstRun";
import type {
  AppDefinition,
  DashboardWidget,
  HealthDefinition,
  RouteDefinition,
  SecretDefinition,
} from "./types";

/**
 * The media family: media servers, the *arr automation apps, the request app and the
 * download client behind a VPN. Paths follow TRaSH: one shared `/data` tree per host, so
 * imports are hardlinks or instant moves (DESIGN §4).
 *
 * Images checked against their registries and upstream docs:
 * - linuxserver.io images take PUID/PGID and drop to them with s6-overlay, which rewrites
 *   /etc/passwd at start; their read-only mode ignores PUID/PGID (runs as 911), so they
 *   keep a writable root and the s6 capabilities instead.
 * - Sonarr/Radarr/Lidarr/Prowlarr override any config.xml entry with
 *   `<APP>__<SECTION>__<KEY>` env vars, so `__AUTH__APIKEY` seeds the API key.
 * - Seerr reads `API_KEY` on every start. Bazarr reads its key only from config.yaml.
 */

/** qBittorrent's Web UI, served from Gluetun's network namespace. */
export const QBITTORRENT_WEBUI_PORT = 8080;
/**
 * Gluetun's health server port. It listens on every address of Gluetun's namespace
 * (`HEALTH_SERVER_ADDRESS`; the image's default is loopback only) so Prometheus can scrape it.
 */
export const GLUETUN_HEALTH_PORT = 9999;
/** Gluetun's health server, as every container in its namespace reaches it. */
export const GLUETUN_HEALTH_URL = `http://127.0.0.1:${GLUETUN_HEALTH_PORT}/`;
/**
 * SABnzbd's Web UI and API. Its default, 8080, is qBittorrent's on the same host (published
 * on the host's LAN address for the edge proxy), so the seeded sabnzbd.ini moves it: the
 * image passes only the bind address (`--server ::`), the port comes from the ini.
 */
export const SABNZBD_PORT = 8085;

/** The categories Sonarr, Radarr and Lidarr send to SABnzbd (plan/wiring/servarr.ts). */
export const SABNZBD_CATEGORIES: readonly string[] = ["tv", "movies", "music"];
/**
 * linuxserver's base image runs every file in /custom-cont-init.d as root after the image's
 * own init (which chowns /config) and before SABnzbd starts (init-custom-files).
 */
export const SABNZBD_SEED_PATH = "/custom-cont-init.d/50-homelab-sabnzbd-ini";
/** The generated API key, uploaded as a file (`secrets[].file`) for the seed script to read. */
const SABNZBD_API_KEY_FILE = "/run/secrets/apiKey";
/** The generated login password's file, read into the first sabnzbd.ini off the edge. */
const SABNZBD_LOGIN_FILE = "/run/secrets/loginPassword";
/** TRaSH: the Usenet client sees /data/usenet only, with incomplete and complete folders. */
export const USENET_INCOMPLETE_DIR = "/data/usenet/incomplete";
export const USENET_COMPLETE_DIR = "/data/usenet/complete";
/** Where media servers write transcode segments. */
export const JELLYFIN_TRANSCODE_DIR = "/config/cache/transcodes";
export const PLEX_TRANSCODE_DIR = "/transcode";

/** TRaSH: files in the shared tree stay group-writable (the tree's directories are setgid 2775). */
const DATA_UMASK = { UMASK: "002" } as const;

const WRITABLE_S6 =
  "s6-overlay applies PUID/PGID by rewriting /etc/passwd at start (read-only mode would run as uid 911)";

/**
 * Everything but the web client (`/web/...`) bypasses SSO on media servers: native TV and
 * phone apps speak the API with their own tokens and cannot pass a login page. Authelia
 * matches RE2 regexes, which have no negative lookahead, hence four patterns.
 */
export const MEDIA_API_BYPASS: readonly string[] = ["^/[^w/]", "^/w[^e]", "^/we[^b]", "^/web[^/]"];

/** A random API key, seeded by env where the app reads one and exported for other tools. */
function apiKey(env: string): SecretDefinition {
  return { name: "apiKey", length: 32, alphanumeric: true, env, exported: true };
}

function curlHealth(url: string, startPeriodSeconds = 60): HealthDefinition {
  return { test: ["CMD", "curl", "-fsS", "-o", "/dev/null", url], startPeriodSeconds };
}

/**
 * The app's Homepage widget, reading its API with its generated `apiKey` (the widget's `key`,
 * sent as `?apikey=` or `X-Api-Key`).
 */
function widget(type: string): DashboardWidget {
  return {
    type,
    secret: "apiKey",
    source: `gethomepage/homepage src/widgets/${type}/widget.js, docs/widgets/services/${type}.md@v1.12.3`,
  };
}

function withWidget(route: RouteDefinition, type: string): RouteDefinition {
  return route.dashboard
    ? { ...route, dashboard: { ...route.dashboard, widget: widget(type) } }
    : route;
}

function adminRoute(port: number, description: string, icon: string): RouteDefinition {
  return { port, auth: "two_factor", dashboard: { group: "Media automation", icon, description } };
}

/** Sonarr, Radarr, Lidarr and Prowlarr share the Servarr config and health conventions. */
function servarr(
  name: string,
  image: AppDefinition["image"],
  port: number,
  description: string,
  extra: Partial<AppDefinition>,
): AppDefinition {
  const prefix = name.toUpperCase();
  return {
    name,
    profile: "media",
    description,
    image,
    // s6-overlay starts as root and runs the app as abc, renumbered to PUID/PGID.
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: [
        `linuxserver/docker-${name} Dockerfile and root/etc/s6-overlay/s6-rc.d@${image.tag}`,
      ],
      // The first visit would ask for an authentication method and a login (the Servarr apps
      // share this modal). On the edge behind Authelia the app trusts Authelia (External);
      // elsewhere a wiring step sets Forms with `admin` and the generated password
      // (plan/wiring/servarr.ts loginStep), through the host config API.
      firstRun: {
        admin: "wired",
        secret: "loginPassword",
        user: "admin",
        how: `on a host that is not the edge, user \`admin\` with \`${name}.loginPassword\` in \`generatedSecrets\` (step \`${name}-wire-login\`); on the edge, Authelia's login`,
        remaining: "",
        source: [
          "Sonarr/Sonarr frontend/src/FirstRun/AuthenticationRequiredModalContent.tsx@v4.0.19.2979 (nearest stored tag, shared by the Servarr apps)",
          "Sonarr/Sonarr src/Sonarr.Api.V3/Config/HostConfigController.cs@49df353 (config/host saves the login)",
        ],
      },
    },
    puid: true,
    route: withWidget(adminRoute(port, description, `${name}.png`), name),
    health: curlHealth(`http://localhost:${port}/ping`),
    volumes: [{ class: "config", target: "/config" }],
    env: { ...DATA_UMASK, [`${prefix}__LOG__ANALYTICSENABLED`]: "False" },
    // The login password is used only off the edge, where the app needs a login of its own.
    secrets: [
      apiKey(`${prefix}__AUTH__APIKEY`),
      { name: "loginPassword", length: 24, alphanumeric: true, exported: true },
    ],
    placement: "data",
    exceptions: { writableRoot: WRITABLE_S6 },
    memoryMb: 1024,
    ...extra,
  };
}

const JELLYFIN = "http://127.0.0.1:8096";

/**
 * Jellyfin's startup wizard, as its web client drives it: while the wizard is incomplete the
 * `/Startup` endpoints (and the library, configuration and file-browser APIs) answer
 * anonymous callers, and the media API bypass would hand them to the internet. GET
 * `/Startup/User` creates the first user, POST renames it and sets its password, POST
 * `/Startup/Complete` closes the wizard; `/System/Info/Public` tells whether it is closed.
 */
export const JELLYFIN_HEALTH = setupHealth(
  {
    ready: `curl -fsS -o /dev/null ${JELLYFIN}/health`,
    done: `curl -fsS ${JELLYFIN}/System/Info/Public | grep -q '"StartupWizardCompleted":true'`,
    create: [
      `curl -fsS -o /dev/null ${JELLYFIN}/Startup/User`,
      postFromShell(`${JELLYFIN}/Startup/User`, `{"Name":"${ADMIN_USER}","Password":"%s"}`, [
        `"$${ADMIN_PASSWORD_ENV}"`,
      ]),
      `curl -fsS -o /dev/null -X POST ${JELLYFIN}/Startup/Complete`,
    ].join(" && "),
  },
  120,
);

export const mediaApps: readonly AppDefinition[] = [
  {
    name: "jellyfin",
    profile: "media",
    description: "Media server with hardware transcoding",
    image: { repository: "lscr.io/linuxserver/jellyfin", tag: "10.11.11ubu2604-ls43" },
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: ["linuxserver/docker-jellyfin Dockerfile and root/etc/s6-overlay/s6-rc.d (10.11.11)"],
      firstRun: {
        admin: "seeded",
        secret: "adminPassword",
        user: ADMIN_USER,
        how: "the startup wizard's own API, called by the health check (JELLYFIN_HEALTH)",
        // Libraries and hardware transcoding are wiring steps (plan/wiring/jellyfin.ts).
        remaining: "",
        source: [
          "jellyfin/jellyfin Jellyfin.Api/Controllers/StartupController.cs@v10.11.11",
          "jellyfin/jellyfin Jellyfin.Api/Auth/FirstTimeSetupPolicy/FirstTimeSetupHandler.cs@v10.11.11",
          "jellyfin/jellyfin MediaBrowser.Model/System/PublicSystemInfo.cs@v10.11.11",
        ],
      },
    },
    puid: true,
    route: {
      port: 8096,
      auth: "one_factor",
      ownLogin: true,
      streaming: true,
      bypassPaths: MEDIA_API_BYPASS,
      dashboard: { group: "Media", icon: "jellyfin.png", description: "Films, series and music" },
    },
    health: JELLYFIN_HEALTH,
    secrets: [adminPassword()],
    // Jellyfin's default transcode path is <cache>/transcodes and linuxserver sets the
    // cache to /config/cache, so this mount needs no setting in the dashboard.
    volumes: [
      { class: "config", target: "/config" },
      { class: "transcode", target: JELLYFIN_TRANSCODE_DIR },
    ],
    data: "media",
    gpu: "transcode",
    exceptions: { writableRoot: WRITABLE_S6 },
    memoryMb: 4096,
  },
  {
    name: "plex",
    profile: "media",
    description: "Plex Media Server (opt-in; hardware transcoding needs Plex Pass)",
    image: { repository: "lscr.io/linuxserver/plex", tag: "1.43.3.10828-00f62d37d-ls315" },
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: [
        "linuxserver/docker-plex Dockerfile and root/etc/s6-overlay/s6-rc.d@1.43.3.10828-00f62d37d-ls315",
      ],
      // An unclaimed server can be claimed "from the same network subnet", and through the
      // proxy every caller arrives from the proxy's private address on the bypassed API
      // paths: so Plex only runs with a claim token, exchanged at its first start.
      firstRun: {
        admin: "claim-token",
        how: "PLEX_CLAIM from homelab:plexClaim (init-plex-claim exchanges it at the first start)",
        remaining:
          "get a claim token at plex.tv/claim (valid 4 minutes) right before the first pulumi up; then libraries, the transcoder directory /transcode and the custom server URL",
        source: [
          "linuxserver/docker-plex root/etc/s6-overlay/s6-rc.d/init-plex-claim/run@1.43.2.10687-563d026ea-ls312",
        ],
      },
    },
    puid: true,
    defaultEnabled: false,
    requires: ["homelab:plexClaim"],
    route: {
      port: 32400,
      auth: "one_factor",
      streaming: true,
      bypassPaths: MEDIA_API_BYPASS,
      dashboard: { group: "Media", icon: "plex.png", description: "Films, series and music" },
    },
    health: curlHealth("http://localhost:32400/identity", 120),
    // The image updates Plex itself unless VERSION=docker; the pin decides the version.
    env: { VERSION: "docker" },
    volumes: [
      { class: "config", target: "/config" },
      { class: "transcode", target: PLEX_TRANSCODE_DIR },
    ],
    data: "media",
    gpu: "transcode",
    exceptions: { writableRoot: WRITABLE_S6 },
    memoryMb: 4096,
  },
  servarr(
    "sonarr",
    { repository: "lscr.io/linuxserver/sonarr", tag: "4.0.20.3014-ls325" },
    8989,
    "Series automation",
    { data: "root" },
  ),
  servarr(
    "radarr",
    { repository: "lscr.io/linuxserver/radarr", tag: "6.4.4.10685-ls318" },
    7878,
    "Film automation",
    { data: "root" },
  ),
  servarr(
    "lidarr",
    { repository: "lscr.io/linuxserver/lidarr", tag: "3.1.0.4875-ls42" },
    8686,
    "Music automation",
    { data: "root", memoryMb: 768 },
  ),
  // An indexer manager: it never touches files, so it has no data mount.
  servarr(
    "prowlarr",
    { repository: "lscr.io/linuxserver/prowlarr", tag: "2.6.5.5623-ls161" },
    9696,
    "Indexer manager for the *arr apps",
    { memoryMb: 512 },
  ),
  {
    name: "bazarr",
    profile: "media",
    description: "Subtitles for the library",
    image: { repository: "lscr.io/linuxserver/bazarr", tag: "v1.6.0-ls360" },
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: ["linuxserver/docker-bazarr Dockerfile@v1.6.0-ls360"],
      // Authentication is off until set in Settings → General: the two-factor route is its login.
      firstRun: {
        admin: "none",
        // Sonarr and Radarr are connected by wiring steps (plan/wiring/bazarr.ts).
        remaining: "choose languages and subtitle providers",
        source: [
          "morpheus65535/bazarr bazarr/app/config.py@v1.5.3-beta.2 (nearest stored tag: auth.type defaults to None)",
        ],
      },
    },
    puid: true,
    route: adminRoute(6767, "Subtitles for the library", "bazarr.png"),
    health: curlHealth("http://localhost:6767/"),
    volumes: [{ class: "config", target: "/config" }],
    // Only the library, at the same /data/media paths Sonarr and Radarr report.
    data: "media",
    env: DATA_UMASK,
    // No `secrets`: Bazarr reads its API key only from config.yaml (no env override).
    exceptions: { writableRoot: WRITABLE_S6 },
    memoryMb: 512,
  },
  {
    name: "seerr",
    profile: "media",
    description: "Requests for films and series (successor of Overseerr and Jellyseerr)",
    image: { repository: "ghcr.io/seerr-team/seerr", tag: "v3.4.1" },
    contract: {
      user: "1000:1000",
      source: ["seerr-team/seerr Dockerfile@v3.1.0 (nearest tag stored)"],
      // The first sign-in with any Plex account, or with a Jellyfin server the caller names,
      // becomes the admin while no user exists; no env seeds one. With Jellyfin running, a
      // wiring step signs in as Jellyfin's seeded admin right after Seerr starts and adds
      // Sonarr and Radarr (plan/wiring/seerr.ts); with Plex only the sign-in needs the
      // owner's plex.tv account. Either way the admin does not exist from Seerr's first
      // second, so no path bypasses SSO until the owner opens it with auth `bypass`.
      firstRun: {
        admin: "sso-until-configured",
        ownLoginOnceConfigured: true,
        remaining:
          "nothing with Jellyfin (sign in as its admin); with Plex only, sign in with Plex and add Sonarr and Radarr; for phone apps set homelab:apps.seerr.auth: bypass",
        source: [
          "seerr-team/seerr server/routes/auth.ts@v3.1.0 (nearest tag stored: first /auth/plex or /auth/jellyfin creates the admin)",
          "seerr-team/seerr server/routes/index.ts@v3.1.0 (/auth is outside isAuthenticated)",
        ],
      },
    },
    // Rootless image that ignores PUID/PGID: run it as the owner of its config directory.
    user: "owner",
    route: {
      port: 5055,
      auth: "one_factor",
      dashboard: {
        group: "Media",
        icon: "jellyseerr.png",
        description: "Ask for a film or a series",
        widget: widget("seerr"),
      },
    },
    health: {
      test: ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:5055/api/v1/status"],
      startPeriodSeconds: 60,
    },
    volumes: [{ class: "config", target: "/app/config" }],
    env: { LOG_LEVEL: "info" },
    secrets: [apiKey("API_KEY")],
    placement: "data",
    exceptions: {
      writableRoot:
        "started through pnpm and Next.js, which write caches below /app and the home directory",
    },
    memoryMb: 768,
  },
  {
    name: "gluetun",
    managedEnv: {
      prefixes: [""],
      reason: "set from homelab:vpn and homelab:lanCidrs (FIREWALL* is the kill switch)",
    },
    profile: "media",
    description: "WireGuard VPN client with a firewall kill switch for the download client",
    image: { repository: "qmcgaw/gluetun", tag: "v3.41.1" },
    contract: {
      user: "0:0",
      source: [
        "qdm12/gluetun Dockerfile@v3.41.1",
        "qdm12/gluetun internal/healthcheck/handler.go and internal/configuration/settings/health.go@v3.41.1",
      ],
      // The route is qBittorrent's Web UI: the image prints a temporary password for `admin`
      // at every start until one is set; its wiring step sets the generated one instead.
      firstRun: {
        admin: "wired",
        how: "user `admin` with `qbittorrent.webuiPassword` in `generatedSecrets` (step `qbittorrent-wire-webui-login`)",
        remaining: "",
        source: [
          "linuxserver/docker-qbittorrent readme-vars.yml@5.2.3_v2.0.13-ls469",
          "qbittorrent/qBittorrent src/webui/api/appcontroller.cpp@release-5.2.3 (setPreferences: web_ui_username, web_ui_password)",
        ],
      },
    },
    // qBittorrent lives in this container's network namespace, so its Web UI is published
    // and routed here: the proxy reaches it at gluetun:8080.
    route: {
      port: QBITTORRENT_WEBUI_PORT,
      subdomain: "qbittorrent",
      auth: "two_factor",
      dashboard: {
        group: "Downloads",
        icon: "qbittorrent.png",
        description: "Torrents, only through the VPN",
      },
    },
    egress: true,
    // Exits non-zero as soon as the tunnel fails Gluetun's own connectivity checks.
    health: {
      test: ["CMD", "/gluetun-entrypoint", "healthcheck"],
      intervalSeconds: 15,
      retries: 2,
      startPeriodSeconds: 60,
    },
    // Gluetun serves no metrics. Its health server answers any GET with 200 and an empty body
    // while the tunnel passes its checks and 500 when not (internal/healthcheck/handler.go), so
    // the scrape's own `up` series is the tunnel's state: the VpnTunnelDown alert and the
    // overview's VPN panel read it (plan/observability/rules.ts).
    metrics: { port: GLUETUN_HEALTH_PORT, path: "/" },
    placement: "data",
    requires: ["homelab:vpn", "homelab:vpnPrivateKey"],
    exceptions: {
      capAdd: {
        caps: ["NET_ADMIN", "NET_RAW"],
        reason:
          "creates the WireGuard interface, routes and the iptables kill switch (legacy iptables opens raw sockets)",
      },
      devices: [{ hostPath: "/dev/net/tun", reason: "the TUN device the VPN tunnel runs on" }],
      writableRoot:
        "points /etc/resolv.conf at its own DNS-over-TLS resolver so nothing leaks DNS outside the tunnel",
    },
    memoryMb: 256,
  },
  {
    name: "qbittorrent",
    displayName: "qBittorrent",
    profile: "media",
    description: "Torrent client; its only route out is Gluetun's tunnel",
    image: { repository: "lscr.io/linuxserver/qbittorrent", tag: "5.2.3_v2.0.14-ls471" },
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: [
        "linuxserver/docker-qbittorrent Dockerfile and root/etc/s6-overlay/s6-rc.d (5.2.3_v2.0.14-ls471)",
        "linuxserver/docker-qbittorrent root/defaults/qBittorrent.conf and s6-rc.d/init-qbittorrent-config/run@5.2.3_v2.0.13-ls469",
        "qbittorrent/qBittorrent src/app/upgrade.cpp@25f1e0f0 (migrateSettingKeys)",
      ],
    },
    puid: true,
    networkOf: "gluetun",
    // No networks of its own: Docker refuses them with a container: network mode.
    networks: [],
    // Tests the Web UI and Gluetun's health server through the shared namespace: fails
    // when the tunnel is down or when Gluetun restarted and left this container behind.
    health: {
      test: [
        "CMD-SHELL",
        `curl -fsS -o /dev/null http://127.0.0.1:${QBITTORRENT_WEBUI_PORT}/ && curl -fsS -o /dev/null ${GLUETUN_HEALTH_URL}`,
      ],
      startPeriodSeconds: 60,
    },
    env: { ...DATA_UMASK, WEBUI_PORT: String(QBITTORRENT_WEBUI_PORT) },
    // The Web UI login of user `admin`, set by its wiring step (plan/wiring/qbittorrent.ts)
    // and used by the *arr apps' download client; exported in generatedSecrets.
    secrets: [{ name: "webuiPassword", length: 32, alphanumeric: true }],
    volumes: [{ class: "config", target: "/config" }],
    data: "torrents",
    requires: ["homelab:vpn", "homelab:vpnPrivateKey"],
    exceptions: { writableRoot: WRITABLE_S6 },
    memoryMb: 2048,
  },
  {
    name: "sabnzbd",
    displayName: "SABnzbd",
    profile: "media",
    description: "Usenet download client (opt-in)",
    image: { repository: "lscr.io/linuxserver/sabnzbd", tag: "5.0.4-ls263" },
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: [
        "linuxserver/docker-sabnzbd Dockerfile and root/etc/s6-overlay/s6-rc.d@5.0.4-ls263",
        "linuxserver/docker-baseimage-alpine root/etc/s6-overlay/s6-rc.d/init-custom-files/run@3.22 (nearest branch stored; the image is FROM 3.24)",
        "sabnzbd/sabnzbd sabnzbd/interface.py, sabnzbd/cfg.py, sabnzbd/config.py@5.0.1 (nearest tag stored; the image runs 5.0.4)",
      ],
      // No login unless [misc] username and password are set (check_login). On the edge the
      // two-factor route is its gate; elsewhere its port is on the LAN too, so the seeded
      // sabnzbd.ini carries `admin` and the generated password (plain values are read as is:
      // config.py decode_password decodes only its `enc:` form).
      firstRun: {
        admin: "seeded",
        secret: "loginPassword",
        user: "admin",
        how: "the first sabnzbd.ini's [misc] username/password, on a host that is not the edge (on the edge Authelia is its login)",
        remaining: "add your Usenet server",
        source: [
          "sabnzbd/sabnzbd sabnzbd/interface.py@5.0.1 (check_login: no username, no login)",
          "sabnzbd/sabnzbd sabnzbd/cfg.py, sabnzbd/config.py@5.0.1 (misc username, password; decode_password)",
        ],
      },
    },
    puid: true,
    defaultEnabled: false,
    // Not behind Gluetun: Usenet is a TLS connection to the one provider the owner pays,
    // not a public swarm that lists the client's address to every peer; TRaSH's reference
    // compose runs SABnzbd on its own network (includes/docker/docker-compose.yml).
    route: {
      port: SABNZBD_PORT,
      auth: "two_factor",
      dashboard: {
        group: "Downloads",
        icon: "sabnzbd.png",
        description: "Usenet downloads",
        widget: widget("sabnzbd"),
      },
    },
    egress: true,
    // `mode=version` needs no API key; `localhost` passes SABnzbd's host check.
    health: curlHealth(`http://localhost:${SABNZBD_PORT}/api?mode=version`),
    volumes: [{ class: "config", target: "/config" }],
    data: "usenet",
    env: DATA_UMASK,
    // The key goes into the first sabnzbd.ini (sabnzbdSeedScript): SABnzbd reads it nowhere else.
    secrets: [
      { name: "apiKey", length: 32, alphanumeric: true, file: true, exported: true },
      { name: "loginPassword", length: 24, alphanumeric: true, file: true, exported: true },
    ],
    exceptions: { writableRoot: WRITABLE_S6 },
    memoryMb: 1024,
  },
  {
    name: "recyclarr",
    profile: "media",
    description: "Syncs TRaSH Guides' quality profiles and sizes into Sonarr and Radarr daily",
    image: { repository: "ghcr.io/recyclarr/recyclarr", tag: "8.7.1" },
    contract: {
      user: "1000:1000",
      source: [
        "recyclarr/recyclarr Dockerfile, docker/scripts/entrypoint.sh and cron.sh@v8.7.1 (USER 1000:1000, supercronic runs `recyclarr sync` at CRON_SCHEDULE, default @daily)",
        "recyclarr/recyclarr .github/workflows/reusable-docker.yml@v8.7.1 (ghcr.io tag {{version}}: 8.7.1)",
      ],
    },
    // Opt-in: it replaces the apps' quality profiles of the same name with TRaSH's.
    defaultEnabled: false,
    user: "owner",
    // Clones the TRaSH Guides and reaches Sonarr and Radarr by container name.
    egress: true,
    placement: "data",
    // No HTTP endpoint: healthy while its scheduler runs (busybox pgrep, alpine base).
    health: { test: ["CMD", "pgrep", "-x", "supercronic"], startPeriodSeconds: 30 },
    // The guides' git cache and Recyclarr's state live here; recyclarr.yml is generated.
    volumes: [{ class: "config", target: "/config" }],
    env: { CRON_SCHEDULE: "@daily" },
    memoryMb: 256,
  },
];

/** Where linuxserver's init copies qBittorrent's first configuration from. */
export const QBITTORRENT_DEFAULTS_PATH = "/defaults/qBittorrent.conf";

/**
 * The image's default qBittorrent.conf with the save paths moved into the `/data/torrents`
 * mount (DESIGN §4): the image saves to `/downloads/`, which is not mounted here, so downloads
 * would fail or land outside the tree the *arr apps import from by hardlink. The image's init
 * copies this file only when /config has none, so the owner's later changes stay. qBittorrent
 * stores its default save path under this legacy key (upgrade.cpp maps
 * `Preferences/Downloads/SavePath` to `BitTorrent/Session/DefaultSavePath`).
 */
export function qbittorrentDefaults(torrentsDir: string): string {
  return [
    "[AutoRun]",
    "enabled=false",
    "program=",
    "",
    "[LegalNotice]",
    "Accepted=true",
    "",
    "[Preferences]",
    "Connection\\UPnP=false",
    "Connection\\PortRangeMin=6881",
    `Downloads\\SavePath=${torrentsDir}/`,
    "Downloads\\ScanDirsV2=@Variant(\\0\\0\\0\\x1c\\0\\0\\0\\0)",
    `Downloads\\TempPath=${torrentsDir}/incomplete/`,
    "WebUI\\Address=*",
    // Localhost is Gluetun's namespace (Gluetun and qBittorrent only): the wiring step and
    // Gluetun's port-forwarding command call the API from there without a login.
    "WebUI\\LocalHostAuth=false",
    "WebUI\\ServerDomains=*",
    "",
  ].join("\n");
}

/**
 * Gluetun's settings for the stack's VPN (everything but the private and preshared keys, which
 * are secret): only env names Gluetun v3.41.1 reads (qdm12/gluetun internal/configuration/
 * settings/{provider,vpn,serverselection,wireguard,wireguardselection,firewall}.go), and only
 * the ones the provider takes (config/vpn.ts refuses the others).
 */
export function gluetunEnv(spec: Pick<HomelabSpec, "vpn" | "lanCidrs">): Record<string, string> {
  const vpn = spec.vpn;
  if (!vpn) throw new Error("gluetun needs homelab:vpn (config validation enforces it)");
  const env: Record<string, string> = {
    VPN_SERVICE_PROVIDER: vpn.provider,
    VPN_TYPE: vpn.type,
    // The kill switch blocks everything but the tunnel; these exceptions let the LAN
    // (the edge proxy on another host) reach the Web UI and get replies back, and let
    // Prometheus (or Alloy) on the Docker side scrape the health server.
    FIREWALL_OUTBOUND_SUBNETS: spec.lanCidrs.join(","),
    FIREWALL_INPUT_PORTS: [QBITTORRENT_WEBUI_PORT, GLUETUN_HEALTH_PORT].join(","),
    HEALTH_SERVER_ADDRESS: `:${GLUETUN_HEALTH_PORT}`,
  };
  if (vpn.countries) env.SERVER_COUNTRIES = vpn.countries.join(",");
  if (vpn.regions) env.SERVER_REGIONS = vpn.regions.join(",");
  if (vpn.addresses) env.WIREGUARD_ADDRESSES = vpn.addresses.join(",");
  if (vpn.endpoint) {
    env.WIREGUARD_ENDPOINT_IP = vpn.endpoint.ip;
    env.WIREGUARD_ENDPOINT_PORT = String(vpn.endpoint.port);
    env.WIREGUARD_PUBLIC_KEY = vpn.endpoint.publicKey;
  }
  return env;
}

/**
 * Run as root before SABnzbd's first start: writes /config/sabnzbd.ini with the generated API
 * key, the names it is reached by and the TRaSH folders. An existing sabnzbd.ini (or the
 * .bak SABnzbd restores a missing one from) is never touched, so the owner's edits stay.
 *
 * - `host_whitelist`: without a login, SABnzbd refuses any Host header that is not an IP,
 *   `localhost`, `*.local` or listed (interface.py check_hostname): the public name the
 *   proxy forwards, and the container name the *arr apps use on the `proxy` network.
 * - `inet_exposure = 4`: a request whose X-Forwarded-For is a public address counts as
 *   external and gets nothing at 0 (check_access); the route's two-factor SSO is the gate.
 * - `cache_limit`: SABnzbd sets a quarter of /proc/meminfo (the host's RAM, not the
 *   container's limit) up to 1 GB (misc.get_cache_limit); a quarter of the limit instead.
 * - `login`: user `admin` with the generated password, where nothing in front asks for one.
 */
export function sabnzbdSeedScript(opts: {
  hostWhitelist: readonly string[];
  memoryMb: number;
  login: boolean;
}): string {
  const cacheMb = Math.floor(opts.memoryMb / 4);
  return [
    "#!/bin/sh",
    "# Generated by the homelab program: SABnzbd's first configuration, never an existing one.",
    "set -eu",
    "ini=/config/sabnzbd.ini",
    'if [ -e "$ini" ] || [ -e "$ini.bak" ]; then exit 0; fi',
    // An assignment fails the script (set -e) when the key file is missing or empty.
    `key="$(cat ${SABNZBD_API_KEY_FILE})"`,
    '[ -n "$key" ]',
    ...(opts.login ? [`login="$(cat ${SABNZBD_LOGIN_FILE})"`, '[ -n "$login" ]'] : []),
    "umask 077",
    "{",
    "  echo '[misc]'",
    '  echo "api_key = $key"',
    ...(opts.login ? ["  echo 'username = admin'", '  echo "password = $login"'] : []),
    "  cat <<'INI'",
    `port = ${SABNZBD_PORT}`,
    `host_whitelist = ${opts.hostWhitelist.join(", ")}`,
    "inet_exposure = 4",
    `download_dir = ${USENET_INCOMPLETE_DIR}`,
    `complete_dir = ${USENET_COMPLETE_DIR}`,
    `cache_limit = ${cacheMb}M`,
    // The *arr apps' categories, each completing into its own folder under complete_dir.
    // `*` is seeded too: without it SABnzbd adds its defaults, replacing `movies` and `tv`
    // with folderless ones (sabnzbd/config.py get_categories@5.0.1).
    "[categories]",
    "[[*]]",
    "name = *",
    "order = 0",
    "pp = 3",
    "script = None",
    "priority = 0",
    ...SABNZBD_CATEGORIES.flatMap((cat, i) => [
      `[[${cat}]]`,
      `name = ${cat}`,
      `order = ${i + 1}`,
      `dir = ${cat}`,
    ]),
    "INI",
    '} > "$ini.new"',
    'chown abc:abc "$ini.new"',
    'mv "$ini.new" "$ini"',
    "",
  ].join("\n");
}

/**
 * A media server whose transcode scratch is a size-capped tmpfs instead of the
 * `transcode` storage class (`homelab:media.transcodeTmpfsMb`). Tmpfs pages count
 * against the container's memory limit, which config validation checks.
 */
export function withTranscodeTmpfs(def: AppDefinition, sizeMb: number): AppDefinition {
  const scratch = (def.volumes ?? []).filter((v) => v.class === "transcode");
  if (scratch.length === 0) return def;
  return {
    ...def,
    volumes: (def.volumes ?? []).filter((v) => v.class !== "transcode"),
    tmpfs: { ...def.tmpfs, ...Object.fromEntries(scratch.map((v) => [v.target, sizeMb])) },
  };
}
