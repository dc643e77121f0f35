import type { HomelabSpec } from "../config/spec";
import type { AppDefinition, HealthDefinition, RouteDefinition, SecretDefinition } from "./types";

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
/** Gluetun's health server, reachable from every container in its namespace. */
export const GLUETUN_HEALTH_URL = "http://127.0.0.1:9999/";
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
    },
    puid: true,
    route: adminRoute(port, description, `${name}.png`),
    health: curlHealth(`http://localhost:${port}/ping`),
    volumes: [{ class: "config", target: "/config" }],
    env: { ...DATA_UMASK, [`${prefix}__LOG__ANALYTICSENABLED`]: "False" },
    secrets: [apiKey(`${prefix}__AUTH__APIKEY`)],
    placement: "data",
    exceptions: { writableRoot: WRITABLE_S6 },
    memoryMb: 1024,
    ...extra,
  };
}

export const mediaApps: readonly AppDefinition[] = [
  {
    name: "jellyfin",
    profile: "media",
    description: "Media server with hardware transcoding",
    image: { repository: "lscr.io/linuxserver/jellyfin", tag: "10.11.11ubu2604-ls43" },
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: [
        "linuxserver/docker-jellyfin Dockerfile and root/etc/s6-overlay/s6-rc.d@10.11.11ubu2604-ls43",
      ],
    },
    puid: true,
    route: {
      port: 8096,
      auth: "one_factor",
      streaming: true,
      bypassPaths: MEDIA_API_BYPASS,
      dashboard: { group: "Media", icon: "jellyfin.png", description: "Films, series and music" },
    },
    health: curlHealth("http://localhost:8096/health", 120),
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
    },
    puid: true,
    defaultEnabled: false,
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
    },
    // Rootless image that ignores PUID/PGID: run it as the owner of its config directory.
    user: "owner",
    route: {
      port: 5055,
      auth: "one_factor",
      // Request apps on phones use the API with Seerr's own session or key.
      bypassPaths: ["^/api/v1/"],
      dashboard: {
        group: "Media",
        icon: "jellyseerr.png",
        description: "Ask for a film or a series",
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
    contract: { user: "0:0", source: ["qdm12/gluetun Dockerfile@v3.41.1"] },
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
    volumes: [{ class: "config", target: "/config" }],
    data: "torrents",
    requires: ["homelab:vpn", "homelab:vpnPrivateKey"],
    exceptions: { writableRoot: WRITABLE_S6 },
    memoryMb: 2048,
  },
];

/** Gluetun's settings for the stack's VPN (everything but the private key, which is secret). */
export function gluetunEnv(spec: Pick<HomelabSpec, "vpn" | "lanCidrs">): Record<string, string> {
  if (!spec.vpn) throw new Error("gluetun needs homelab:vpn (config validation enforces it)");
  return {
    VPN_SERVICE_PROVIDER: spec.vpn.provider,
    VPN_TYPE: spec.vpn.type,
    SERVER_COUNTRIES: spec.vpn.countries.join(","),
    WIREGUARD_ADDRESSES: spec.vpn.addresses.join(","),
    // The kill switch blocks everything but the tunnel; these exceptions let the LAN
    // (the edge proxy on another host) reach the Web UI and get replies back.
    FIREWALL_OUTBOUND_SUBNETS: spec.lanCidrs.join(","),
    FIREWALL_INPUT_PORTS: String(QBITTORRENT_WEBUI_PORT),
  };
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
