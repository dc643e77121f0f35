import type { GpuKind } from "../config/spec";
import {
  ROOT_DROP_CAPS,
  curlHealth,
  pythonHealth,
  redisCompanion,
  secret,
  wgetHealth,
} from "./shared";
import {
  ADMIN_EMAIL_ENV,
  ADMIN_PASSWORD_ENV,
  ADMIN_USER,
  adminPassword,
  postFromShell,
  setupHealth,
} from "./firstRun";
import type { AppDefinition } from "./types";

/**
 * The personal cloud: files (Nextcloud with its cron job and cache), office documents
 * (Collabora, wired to Nextcloud), photos (Immich with machine learning on the GPU host)
 * and music (Navidrome on the shared media tree).
 *
 * Env values may use the templates of plan/templates (`{{url}}`, `{{url:<app>}}`, ...);
 * the family stack renders them from the spec.
 */

const NEXTCLOUD_IMAGE = { repository: "nextcloud", tag: "33.0.8-apache" } as const;
/** Server and machine learning are released together: their versions always match. */
const IMMICH_SERVER_IMAGE = {
  repository: "ghcr.io/immich-app/immich-server",
  tag: "v2.1.0",
} as const;
const IMMICH_ML_IMAGE = {
  repository: "ghcr.io/immich-app/immich-machine-learning",
  tag: "v2.1.0",
} as const;
/** Apache listens here instead of 80 (apacheListenFiles), which only the edge proxy publishes. */
export const NEXTCLOUD_PORT = 8880;

/** Immich ML ships one image per accelerator; the host's GPU picks the variant. */
export function immichMlTag(gpu: GpuKind): string {
  switch (gpu) {
    case "nvidia":
      return `${IMMICH_ML_IMAGE.tag}-cuda`;
    case "intel":
      return `${IMMICH_ML_IMAGE.tag}-openvino`;
    default:
      return IMMICH_ML_IMAGE.tag;
  }
}

/** Immich's API metrics (its default, 8081, is cAdvisor's). */
export const IMMICH_METRICS_PORT = 8181;

/** Where the Immich server reaches machine learning when both run on one host. */
export const IMMICH_ML_PORT = 3003;

/**
 * Env the image's config/redis.config.php and reverse-proxy.config.php turn into config.php
 * settings on every PHP run (`getenv('REDIS_HOST')`, `getenv('OVERWRITECLIURL')`, ...), so the
 * web server and the cron job must both see it: otherwise background jobs lock files through
 * another backend and write links with the wrong base URL. REDIS_HOST_PASSWORD, the cache's
 * generated secret, is added by the cloud stack to both.
 */
const NEXTCLOUD_RUNTIME_ENV = {
  OVERWRITECLIURL: "{{url:nextcloud}}",
  OVERWRITEPROTOCOL: "{{scheme}}",
  TRUSTED_PROXIES: "{{trustedProxies}}",
  REDIS_HOST: "nextcloud-redis",
} as const;

const IMMICH = "http://127.0.0.1:2283";

/**
 * Immich's admin sign-up: POST /api/auth/admin-sign-up answers anyone until an admin exists
 * (then "The server already has an admin"), and /api/server/config says `isInitialized`
 * once one does. Run by the health check (catalog/firstRun); login is the e-mail address.
 */
export const IMMICH_HEALTH = setupHealth(
  {
    ready: "immich-healthcheck",
    done: `curl -fsS ${IMMICH}/api/server/config | grep -q '"isInitialized":true'`,
    create: postFromShell(
      `${IMMICH}/api/auth/admin-sign-up`,
      '{"email":"%s","password":"%s","name":"Admin"}',
      [`"$${ADMIN_EMAIL_ENV}"`, `"$${ADMIN_PASSWORD_ENV}"`],
    ),
  },
  120,
);

export const cloudApps: readonly AppDefinition[] = [
  {
    name: "nextcloud",
    profile: "cloud",
    description: "Files, calendars and contacts with desktop and phone sync",
    image: NEXTCLOUD_IMAGE,
    /** Its data lives in the shared database of its host (plan/dataServices.ts). */
    database: {
      engine: "postgres",
      env: {
        POSTGRES_HOST: "{host}:{port}",
        POSTGRES_DB: "{database}",
        POSTGRES_USER: "{user}",
        POSTGRES_PASSWORD: "{password}",
      },
    },
    contract: {
      user: "0:0",
      dropsTo: "33:33",
      source: [
        "nextcloud/docker 33/apache/Dockerfile and entrypoint.sh (library/nextcloud@37079fb3)",
      ],
      firstRun: {
        admin: "seeded",
        secret: "adminPassword",
        user: "admin",
        how: "NEXTCLOUD_ADMIN_USER/PASSWORD with the database env: the entrypoint installs on the first start",
        remaining: "",
        source: [
          "nextcloud/docker 33/apache/entrypoint.sh@4de1eed6 (occ maintenance:install when the admin and database env are set)",
        ],
      },
    },
    placement: "data",
    // Sync clients and WebDAV cannot pass a login page; Nextcloud has its own login and 2FA.
    route: {
      largeUploads: true,
      port: NEXTCLOUD_PORT,
      auth: "bypass",
      dashboard: {
        group: "Cloud",
        icon: "nextcloud.png",
        description: "Files, calendars and contacts",
      },
    },
    health: curlHealth(`http://localhost:${NEXTCLOUD_PORT}/status.php`, 180),
    // The whole installation (code, config, apps, user files) under one directory, as the
    // image expects: its entrypoint rsyncs the release into it on install and upgrade.
    // www-data owns the installation: the entrypoint copies the release in as www-data.
    volumes: [{ class: "config", target: "/var/www/html", owner: "image" }],
    networks: ["internal", "proxy"],
    env: {
      NEXTCLOUD_ADMIN_USER: "admin",
      ...NEXTCLOUD_RUNTIME_ENV,
      NEXTCLOUD_TRUSTED_DOMAINS: "{{host}}",
      APACHE_DISABLE_REWRITE_IP: "1",
      PHP_MEMORY_LIMIT: "1024M",
      PHP_UPLOAD_LIMIT: "16G",
    },
    secrets: [secret("adminPassword", "NEXTCLOUD_ADMIN_PASSWORD", 24, true)],
    // Starts as root: rsyncs the release as www-data, then Apache drops to it.
    capAdd: ROOT_DROP_CAPS,
    exceptions: {
      writableRoot:
        "the entrypoint writes PHP and Apache settings (Redis sessions, limits) at start",
    },
    memoryMb: 1024,
  },
  {
    name: "nextcloud-cron",
    companionOf: "nextcloud",
    profile: "cloud",
    description:
      "Nextcloud background jobs every five minutes (system cron, as upstream recommends)",
    image: NEXTCLOUD_IMAGE,
    contract: {
      user: "0:0",
      dropsTo: "33:33",
      source: [
        "nextcloud/docker 33/apache/Dockerfile and cron.sh (library/nextcloud@37079fb3)",
        "nextcloud/docker 33/apache/config/redis.config.php and reverse-proxy.config.php@2e5d1c32",
      ],
    },
    placement: "data",
    // The image's entrypoint skips installation for any command but Apache/FPM.
    command: ["/cron.sh"],
    env: NEXTCLOUD_RUNTIME_ENV,
    health: { none: "busybox crond runs cron.php every five minutes; it has no endpoint to probe" },
    networks: ["internal", "proxy"],
    // busybox crond starts as root and runs cron.php as www-data.
    capAdd: ["SETGID", "SETUID"],
    exceptions: { writableRoot: "busybox crond keeps its state below /var/spool/cron" },
    memoryMb: 512,
  },
  redisCompanion("nextcloud", "cloud", { placement: "data" }),
  {
    name: "collabora",
    profile: "cloud",
    description: "Collabora Online: edit office documents inside Nextcloud",
    image: { repository: "collabora/code", tag: "25.04.9.4.1" },
    contract: {
      user: "100:101",
      source: ["CollaboraOnline/online docker/from-packages/Dockerfile@ab6dc9e0 (USER 100)"],
      // No accounts: the admin console's login comes from env `username`/`password`.
      firstRun: {
        admin: "seeded",
        secret: "adminPassword",
        user: "admin",
        how: "env username/password, written into coolwsd.xml at start",
        remaining: "",
        source: [
          "CollaboraOnline/online docker/from-packages/scripts/start-collabora-online.sh@2a576747 (stored version)",
        ],
      },
    },
    placement: "data",
    // Documents open in an iframe with WOPI tokens; an SSO redirect would break the editor.
    route: {
      port: 9980,
      subdomain: "office",
      auth: "bypass",
      dashboard: { group: "Cloud", icon: "collabora-online.png", description: "Office documents" },
    },
    health: {
      test: ["CMD-SHELL", "bash -c 'exec 3<>/dev/tcp/127.0.0.1/9980'"],
      startPeriodSeconds: 60,
    },
    env: {
      // WOPI host allowed to open documents: the Nextcloud this homelab runs.
      aliasgroup1: "{{url:nextcloud}}",
      username: "admin",
      dictionaries: "de_DE en_GB en_US es_ES fr_FR it_IT nl pt_BR",
      // TLS ends at Traefik. no-new-privileges keeps coolforkit's file capabilities from
      // applying, so jails fall back to copies instead of chroot/bind mounts.
      extra_params:
        "--o:ssl.enable=false --o:ssl.termination={{https}} --o:security.capabilities=false --o:mount_jail_tree=false",
    },
    secrets: [secret("adminPassword", "password", 24, true)],
    exceptions: { writableRoot: "builds per-document jails below /opt/cool at runtime" },
    memoryMb: 1536,
  },
  {
    name: "immich-server",
    displayName: "Immich",
    profile: "cloud",
    description: "Immich: photo and video library with phone backup",
    image: IMMICH_SERVER_IMAGE,
    contract: {
      user: "0:0",
      source: ["immich-app/base-images server/Dockerfile@202510071103"],
      firstRun: {
        admin: "seeded",
        secret: "adminPassword",
        user: "admin@<photos host>",
        how: "the admin sign-up API, called by the health check (IMMICH_HEALTH)",
        remaining: "",
        source: [
          "immich-app/immich server/src/services/auth.service.ts (stored copy: adminSignUp refuses once an admin exists)",
          "immich-app/immich server/src/services/server.service.ts (stored copy: isInitialized = hasAdmin)",
          "immich-app/immich server/bin/immich-healthcheck@3f7ae4df (stored)",
        ],
      },
    },
    user: "owner",
    // Phone apps upload with their own tokens; Immich has its own login.
    route: {
      largeUploads: true,
      port: 2283,
      subdomain: "photos",
      auth: "bypass",
      dashboard: { group: "Cloud", icon: "immich.png", description: "Photos and videos" },
    },
    health: IMMICH_HEALTH,
    secrets: [adminPassword()],
    data: "photos",
    gpu: "transcode",
    networks: ["internal", "proxy"],
    env: {
      IMMICH_MEDIA_LOCATION: "/data/media/photos",
      [ADMIN_EMAIL_ENV]: "admin@{{host}}",
      DB_HOSTNAME: "immich-postgres",
      DB_USERNAME: "immich",
      DB_DATABASE_NAME: "immich",
      REDIS_HOSTNAME: "immich-redis",
      IMMICH_TELEMETRY_INCLUDE: "all",
      // Off cAdvisor's 8081, which every host publishes for Prometheus.
      IMMICH_API_METRICS_PORT: String(IMMICH_METRICS_PORT),
    },
    metrics: { port: IMMICH_METRICS_PORT, path: "/metrics" },
    tmpfs: { "/tmp": 512 },
    exceptions: {
      writableRoot: "not verified read-only: writes caches below its install directory",
    },
    memoryMb: 2048,
  },
  {
    name: "immich-machine-learning",
    profile: "cloud",
    description: "Immich machine learning: faces, smart search (on the GPU host)",
    image: IMMICH_ML_IMAGE,
    contract: { user: "0:0", source: ["immich-app/immich machine-learning/Dockerfile@1f4563e7"] },
    placement: "gpu",
    gpu: "compute",
    // Not for people: the Immich server on another host calls it over the LAN.
    lanPorts: [
      {
        port: IMMICH_ML_PORT,
        reason: "the Immich server runs on the data host and sends photos here for inference",
      },
    ],
    // Models come from Hugging Face; a published port needs a non-internal bridge.
    networks: ["proxy"],
    health: pythonHealth(`http://127.0.0.1:${IMMICH_ML_PORT}/ping`, 120),
    volumes: [{ class: "cache", target: "/cache" }],
    env: { MACHINE_LEARNING_CACHE_FOLDER: "/cache" },
    exceptions: { writableRoot: "downloads models and writes compiled kernels outside /cache" },
    memoryMb: 4096,
  },
  {
    name: "immich-postgres",
    companionOf: "immich-server",
    profile: "cloud",
    description: "PostgreSQL with the vector extensions Immich needs (VectorChord)",
    image: { repository: "ghcr.io/immich-app/postgres", tag: "14-vectorchord0.4.3-pgvectors0.2.0" },
    contract: {
      user: "0:0",
      dropsTo: "999:999",
      // immich-docker-entrypoint.sh (`set -eo pipefail`) copies the storage-type template to
      // /etc/postgresql/postgresql.conf (`cp -n`) and `sed -i`s PGDATA into it on every start,
      // before the official entrypoint runs; that one writes the socket and lock under
      // /var/run/postgresql and, for an arbitrary uid, its nss_wrapper files under /tmp.
      writes: ["/etc/postgresql/postgresql.conf", "/var/run/postgresql", "/tmp"],
      source: [
        "immich-app/base-images postgres/Dockerfile@6794fa0",
        "immich-app/base-images postgres/immich-docker-entrypoint.sh@6794fa0",
        "immich-app/base-images postgres/immich-docker-entrypoint.sh@c509561 (unchanged: last build of the pgvectors 0.2.0 tags before 2f355c3 dropped them)",
        "docker-library/postgres 14/bookworm/docker-entrypoint.sh (base pgvector/pgvector:0.8.1-pg14)",
      ],
    },
    placement: "data",
    internalOnly: true,
    user: "owner",
    env: {
      POSTGRES_USER: "immich",
      POSTGRES_DB: "immich",
      POSTGRES_INITDB_ARGS: "--data-checksums",
    },
    secrets: [secret("password", "POSTGRES_PASSWORD", 32, true)],
    dump: { kind: "postgres", user: "immich", passwordSecret: "password" },
    health: {
      test: ["CMD-SHELL", "pg_isready -U immich -d immich -h 127.0.0.1 -q"],
      startPeriodSeconds: 60,
    },
    volumes: [{ class: "database", target: "/var/lib/postgresql/data" }],
    // /etc/postgresql holds only the generated postgresql.conf, rewritten from the image's
    // template on every start: nothing there outlives the container anyway. Docker's tmpfs
    // mode (1777) matches the image's `chmod 1777 /etc/postgresql`, so the owner uid writes it.
    tmpfs: { "/etc/postgresql": 1, "/var/run/postgresql": 8, "/tmp": 16 },
    memoryMb: 1024,
  },
  redisCompanion("immich", "cloud", { placement: "data", companionOf: "immich-server" }),
  {
    name: "navidrome",
    profile: "cloud",
    description: "Navidrome: music streaming from the shared library (Subsonic API)",
    image: { repository: "deluan/navidrome", tag: "0.63.2" },
    contract: {
      user: "0:0",
      source: ["navidrome/navidrome Dockerfile@v0.63.2"],
      // Until a user exists the web UI's first visitor creates the admin (/auth/createAdmin);
      // ND_DEVAUTOCREATEADMINPASSWORD creates `admin` during the initial setup instead. The
      // image logs that password once, in a warning, when it does.
      firstRun: {
        admin: "seeded",
        secret: "adminPassword",
        user: ADMIN_USER,
        how: "ND_DEVAUTOCREATEADMINPASSWORD (created once, in the initial setup of an empty database)",
        remaining:
          "the first start writes the password to Navidrome's log (a warning): change it in the UI if logs are shared",
        source: [
          "navidrome/navidrome server/initial_setup.go@v0.58.0 (createInitialAdminUser)",
          "navidrome/navidrome server/auth.go@v0.58.0 (createAdmin only while no user exists)",
          "navidrome/navidrome conf/configuration.go@v0.58.0 (DevAutoCreateAdminPassword)",
        ],
      },
    },
    user: "owner",
    // Subsonic clients authenticate with Navidrome's own accounts.
    route: {
      port: 4533,
      subdomain: "music",
      auth: "bypass",
      dashboard: { group: "Media", icon: "navidrome.png", description: "Music" },
    },
    health: wgetHealth("http://127.0.0.1:4533/ping"),
    data: "music",
    volumes: [
      { class: "config", target: "/navidrome" },
      { class: "cache", target: "/cache" },
    ],
    env: {
      ND_MUSICFOLDER: "/data/media/music",
      ND_DATAFOLDER: "/navidrome",
      ND_CACHEFOLDER: "/cache",
      ND_PROMETHEUS_ENABLED: "true",
      ND_BASEURL: "",
    },
    secrets: [adminPassword("ND_DEVAUTOCREATEADMINPASSWORD")],
    metrics: { port: 4533, path: "/metrics" },
    dump: { kind: "sqlite", database: "/navidrome/navidrome.db" },
    memoryMb: 512,
  },
];
