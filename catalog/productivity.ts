import {
  ROOT_DROP_CAPS,
  WRITABLE_S6,
  curlHealth,
  nodeHealth,
  redisCompanion,
  secret,
  wgetHealth,
} from "./shared";
import type { AppDefinition } from "./types";

/**
 * Productivity: automations (n8n), knowledge (Outline, BookStack), bookmarks (KaraKeep),
 * code (Gitea), a blog (WordPress) and passwords (Vaultwarden). Database credentials come
 * from the shared data services (each app's `database`); URLs from the templates.
 */

export const KARAKEEP_CHROME_PORT = 9222;
export const GITEA_SSH_PORT = 2222;
/** Apache listens here instead of 80 (apacheListenFiles). */
export const WORDPRESS_PORT = 8881;

export const productivityApps: readonly AppDefinition[] = [
  {
    name: "n8n",
    displayName: "n8n",
    profile: "productivity",
    description: "n8n workflow automation",
    image: { repository: "docker.n8n.io/n8nio/n8n", tag: "1.82.1" },
    /** Its data lives in the shared database of its host (plan/dataServices.ts). */
    database: {
      engine: "postgres",
      env: {
        DB_TYPE: "postgresdb",
        DB_POSTGRESDB_HOST: "{host}",
        DB_POSTGRESDB_PORT: "{port}",
        DB_POSTGRESDB_DATABASE: "{database}",
        DB_POSTGRESDB_USER: "{user}",
        DB_POSTGRESDB_PASSWORD: "{password}",
      },
    },
    contract: { user: "1000:1000", source: ["n8n-io/n8n docker/images/n8n/Dockerfile@003abfdc"] },
    user: "owner",
    // The editor runs code: SSO with a second factor. Webhooks and forms are called by
    // other systems and carry their own path secrets.
    route: {
      port: 5678,
      auth: "two_factor",
      bypassPaths: ["^/webhook/", "^/webhook-test/", "^/form/"],
      dashboard: { group: "Productivity", icon: "n8n.png", description: "Workflow automation" },
    },
    health: nodeHealth("http://127.0.0.1:5678/healthz"),
    volumes: [{ class: "config", target: "/home/node/.n8n" }],
    networks: ["internal", "proxy"],
    env: {
      N8N_HOST: "{{host}}",
      N8N_PROTOCOL: "{{scheme}}",
      WEBHOOK_URL: "{{url}}/",
      N8N_PROXY_HOPS: "1",
      N8N_METRICS: "true",
      N8N_DIAGNOSTICS_ENABLED: "false",
      N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: "true",
      GENERIC_TIMEZONE: "{{timezone}}",
    },
    // Encrypts stored credentials: protected like every generated secret.
    secrets: [secret("encryptionKey", "N8N_ENCRYPTION_KEY", 48, true)],
    metrics: { port: 5678, path: "/metrics" },
    // n8n writes generated static assets under ~/.cache at start.
    tmpfs: { "/home/node/.cache": 64 },
    memoryMb: 1024,
  },
  {
    name: "outline",
    profile: "productivity",
    description: "Outline team wiki (sign-in through an OIDC provider set in its env)",
    image: { repository: "outlinewiki/outline", tag: "0.87.4" },
    /** Its data lives in the shared database of its host (plan/dataServices.ts). */
    database: {
      engine: "postgres",
      env: {
        DATABASE_URL: "postgres://{user}:{password}@{host}:{port}/{database}",
        PGSSLMODE: "disable",
      },
    },
    contract: { user: "1001:1001", source: ["outline/outline Dockerfile@v0.87.4"] },
    user: "owner",
    route: {
      port: 3000,
      subdomain: "wiki",
      auth: "one_factor",
      dashboard: { group: "Productivity", icon: "outline.png", description: "Wiki" },
    },
    health: nodeHealth("http://127.0.0.1:3000/_health"),
    volumes: [{ class: "config", target: "/var/lib/outline/data" }],
    networks: ["internal", "proxy"],
    env: {
      URL: "{{url}}",
      PORT: "3000",
      FORCE_HTTPS: "false",
      FILE_STORAGE: "local",
      FILE_STORAGE_LOCAL_ROOT_DIR: "/var/lib/outline/data",
    },
    secrets: [secret("utilsSecret", "UTILS_SECRET", 48)],
    tmpfs: { "/tmp": 64 },
    memoryMb: 1024,
  },
  redisCompanion("outline", "productivity"),
  {
    name: "karakeep",
    displayName: "KaraKeep",
    profile: "productivity",
    description: "KaraKeep bookmarks and read-it-later with full-text search",
    image: { repository: "ghcr.io/karakeep-app/karakeep", tag: "0.28.0" },
    contract: { user: "0:0", source: ["karakeep-app/karakeep docker/Dockerfile@v0.28.0"] },
    // The browser extension and phone app use KaraKeep API keys.
    route: {
      port: 3000,
      auth: "one_factor",
      bypassPaths: ["^/api/"],
      dashboard: { group: "Productivity", icon: "karakeep.png", description: "Bookmarks" },
    },
    health: nodeHealth("http://127.0.0.1:3000/api/health", 90),
    volumes: [{ class: "config", target: "/data" }],
    networks: ["internal", "proxy"],
    env: {
      DATA_DIR: "/data",
      NEXTAUTH_URL: "{{url}}",
      BROWSER_WEB_URL: `http://karakeep-chrome:${KARAKEEP_CHROME_PORT}`,
    },
    secrets: [secret("nextauthSecret", "NEXTAUTH_SECRET", 48)],
    dump: { kind: "sqlite", database: "/data/db.db" },
    exceptions: {
      writableRoot: "runs the web app and its workers under s6-overlay, which writes to /run",
    },
    memoryMb: 1024,
  },
  {
    name: "karakeep-chrome",
    companionOf: "karakeep",
    profile: "productivity",
    description: "Headless Chromium that fetches and screenshots pages for KaraKeep",
    image: { repository: "gcr.io/zenika-hub/alpine-chrome", tag: "124" },
    contract: { user: "1000:1000", source: ["Zenika/alpine-chrome Dockerfile@128b218"] },
    command: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--remote-debugging-address=0.0.0.0",
      `--remote-debugging-port=${KARAKEEP_CHROME_PORT}`,
      "--hide-scrollbars",
    ],
    health: wgetHealth(`http://127.0.0.1:${KARAKEEP_CHROME_PORT}/json/version`, 30),
    // Fetches arbitrary pages (`proxy` has the route out); KaraKeep reaches it on `internal`.
    networks: ["internal", "proxy"],
    tmpfs: { "/tmp": 256 },
    exceptions: { writableRoot: "Chromium keeps its profile and crash dumps below $HOME" },
    memoryMb: 1024,
  },
  {
    name: "gitea",
    profile: "productivity",
    description: "Gitea: Git hosting, issues and CI",
    image: { repository: "gitea/gitea", tag: "1.24.6-rootless" },
    /** Its data lives in the shared database of its host (plan/dataServices.ts). */
    database: {
      engine: "postgres",
      env: {
        GITEA__database__DB_TYPE: "postgres",
        GITEA__database__HOST: "{host}:{port}",
        GITEA__database__NAME: "{database}",
        GITEA__database__USER: "{user}",
        GITEA__database__PASSWD: "{password}",
      },
    },
    contract: { user: "1000:1000", source: ["go-gitea/gitea Dockerfile.rootless@77b59e10"] },
    user: "owner",
    // Git over HTTPS and the API authenticate with Gitea tokens; the web UI sits behind SSO.
    route: {
      port: 3000,
      subdomain: "git",
      auth: "one_factor",
      bypassPaths: ["^/[^/]+/[^/]+\\.git/", "^/api/", "^/[^/]+/[^/]+/info/lfs/"],
      dashboard: { group: "Productivity", icon: "gitea.png", description: "Git repositories" },
    },
    ports: [
      {
        container: GITEA_SSH_PORT,
        host: GITEA_SSH_PORT,
        protocol: "tcp",
        reason: "git over SSH is not HTTP and cannot pass the proxy",
      },
    ],
    health: curlHealth("http://127.0.0.1:3000/api/healthz"),
    volumes: [
      { class: "config", target: "/var/lib/gitea" },
      { class: "config", target: "/etc/gitea", sub: "etc" },
    ],
    networks: ["internal", "proxy"],
    env: {
      GITEA__server__ROOT_URL: "{{url}}/",
      GITEA__server__DOMAIN: "{{host}}",
      GITEA__server__SSH_DOMAIN: "{{host}}",
      GITEA__server__HTTP_PORT: "3000",
      GITEA__server__SSH_LISTEN_PORT: String(GITEA_SSH_PORT),
      GITEA__server__SSH_PORT: String(GITEA_SSH_PORT),
      GITEA__security__INSTALL_LOCK: "true",
      GITEA__service__DISABLE_REGISTRATION: "true",
      GITEA__metrics__ENABLED: "true",
    },
    secrets: [secret("secretKey", "GITEA__security__SECRET_KEY", 64)],
    metrics: { port: 3000, path: "/metrics" },
    // The rootless image creates GITEA_TEMP=/tmp/gitea at start and exits if it cannot.
    tmpfs: { "/tmp": 256 },
    memoryMb: 512,
  },
  {
    name: "bookstack",
    displayName: "BookStack",
    profile: "productivity",
    description: "BookStack documentation in books, chapters and pages",
    image: { repository: "lscr.io/linuxserver/bookstack", tag: "v26.05.3-ls280" },
    /** Its data lives in the shared database of its host (plan/dataServices.ts). */
    database: {
      engine: "mariadb",
      env: {
        DB_HOST: "{host}",
        DB_PORT: "{port}",
        DB_DATABASE: "{database}",
        DB_USERNAME: "{user}",
        DB_PASSWORD: "{password}",
      },
    },
    contract: {
      user: "0:0",
      dropsTo: "owner",
      source: ["linuxserver/docker-bookstack Dockerfile@v26.05.3-ls280"],
    },
    puid: true,
    route: {
      port: 80,
      subdomain: "docs",
      auth: "one_factor",
      dashboard: { group: "Productivity", icon: "bookstack.png", description: "Documentation" },
    },
    health: curlHealth("http://localhost/status", 120),
    volumes: [{ class: "config", target: "/config" }],
    networks: ["internal", "proxy"],
    env: { APP_URL: "{{url}}" },
    exceptions: { writableRoot: WRITABLE_S6 },
    memoryMb: 512,
    sleepsWhenIdle: true,
  },
  {
    name: "wordpress",
    displayName: "WordPress",
    profile: "productivity",
    description: "WordPress blog (public; its admin has its own login)",
    image: { repository: "wordpress", tag: "7.1.0-apache" },
    /** Its data lives in the shared database of its host (plan/dataServices.ts). */
    database: {
      engine: "mariadb",
      env: {
        WORDPRESS_DB_HOST: "{host}:{port}",
        WORDPRESS_DB_NAME: "{database}",
        WORDPRESS_DB_USER: "{user}",
        WORDPRESS_DB_PASSWORD: "{password}",
      },
    },
    contract: {
      user: "0:0",
      dropsTo: "33:33",
      source: [
        "docker-library/wordpress latest/php8.3/apache/Dockerfile and docker-entrypoint.sh@bf223d1c (library/wordpress@37079fb3)",
      ],
    },
    // A blog is read by the public; /wp-admin is guarded by WordPress' own login.
    route: {
      port: WORDPRESS_PORT,
      subdomain: "blog",
      auth: "bypass",
      dashboard: { group: "Productivity", icon: "wordpress.png", description: "Blog" },
    },
    health: curlHealth(`http://localhost:${WORDPRESS_PORT}/wp-includes/images/blank.gif`, 90),
    // www-data owns the installation: the entrypoint copies the release in as www-data.
    volumes: [{ class: "config", target: "/var/www/html", owner: "image" }],
    networks: ["internal", "proxy"],
    env: {
      // TLS ends at Traefik: trust its forwarded scheme so WordPress builds https links.
      WORDPRESS_CONFIG_EXTRA:
        "if (isset($_SERVER['HTTP_X_FORWARDED_PROTO']) && $_SERVER['HTTP_X_FORWARDED_PROTO'] === 'https') { $_SERVER['HTTPS'] = 'on'; }",
    },
    // Apache starts as root and copies WordPress in as www-data.
    capAdd: ROOT_DROP_CAPS,
    exceptions: {
      writableRoot: "the entrypoint writes wp-config.php and Apache settings at start",
    },
    memoryMb: 512,
    sleepsWhenIdle: true,
  },
  {
    name: "vaultwarden",
    profile: "productivity",
    description: "Vaultwarden password manager (Bitwarden clients); sign-ups closed",
    image: { repository: "vaultwarden/server", tag: "1.37.2" },
    contract: { user: "0:0", source: ["dani-garcia/vaultwarden docker/Dockerfile.debian@1.37.2"] },
    user: "owner",
    // Bitwarden clients cannot pass SSO; the vault has its own master password and 2FA.
    route: {
      port: 8222,
      subdomain: "vault",
      auth: "bypass",
      dashboard: { group: "Productivity", icon: "vaultwarden.png", description: "Passwords" },
    },
    health: { test: ["CMD", "/healthcheck.sh"], startPeriodSeconds: 30 },
    volumes: [{ class: "config", target: "/data" }],
    env: {
      DOMAIN: "{{url}}",
      ROCKET_PORT: "8222",
      // Accounts are invited from the /admin page, never self-registered.
      SIGNUPS_ALLOWED: "false",
      INVITATIONS_ALLOWED: "true",
      SHOW_PASSWORD_HINT: "false",
    },
    // The /admin page's token: exported (secret) so the owner can open it.
    secrets: [secret("adminToken", "ADMIN_TOKEN", 48, true)],
    dump: { kind: "sqlite", database: "/data/db.sqlite3" },
    memoryMb: 256,
  },
];
