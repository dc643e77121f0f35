import {
  ROOT_DROP_CAPS,
  WRITABLE_S6,
  curlHealth,
  nodeHealth,
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
 * Productivity: automations (n8n), knowledge (Outline, BookStack), bookmarks (KaraKeep),
 * code (Gitea), a blog (WordPress) and passwords (Vaultwarden). Database credentials come
 * from the shared data services (each app's `database`); URLs from the templates.
 */

export const KARAKEEP_CHROME_PORT = 9222;
export const GITEA_SSH_PORT = 2222;
/** Apache listens here instead of 80 (apacheListenFiles). */
export const WORDPRESS_PORT = 8881;

/** linuxserver images run the scripts here at every start, after the app's own init. */
export const BOOKSTACK_ADMIN_HOOK = "/custom-cont-init.d/50-homelab-admin";

/**
 * BookStack's migrations create `admin@admin.com` with the password `password`. Its own
 * `bookstack:create-admin --initial` replaces that account's e-mail, name and password while
 * it exists and skips (exit 2) once another admin does, so this runs at every start. Called
 * in-process through the console kernel: the password comes from the env, not argv.
 */
export const BOOKSTACK_ADMIN_SCRIPT = [
  "#!/bin/sh",
  "cd /app/www || exit 1",
  "# shellcheck disable=SC2016 # PHP in single quotes: its $ are PHP's",
  `exec s6-setuidgid abc php -r '
require "vendor/autoload.php";
$app = require "bootstrap/app.php";
$kernel = $app->make(Illuminate\\Contracts\\Console\\Kernel::class);
$code = $kernel->call("bookstack:create-admin", [
    "--initial" => true,
    "--name" => "Admin",
    "--email" => getenv("${ADMIN_EMAIL_ENV}"),
    "--password" => getenv("${ADMIN_PASSWORD_ENV}"),
]);
exit($code === 2 ? 0 : $code);'`,
  "",
].join("\n");

const WORDPRESS = `http://127.0.0.1:${WORDPRESS_PORT}`;
/** The blog's host and scheme, so the installer records the public URL, not 127.0.0.1. */
const SITE_HOST_ENV = "HOMELAB_SITE_HOST";
const SITE_SCHEME_ENV = "HOMELAB_SITE_SCHEME";

/**
 * WordPress' installer: /wp-admin/install.php?step=2 installs for anyone until the blog is
 * installed, then the page says "Already Installed". WordPress guesses its URL from the
 * request, so the call carries the public host and the forwarded scheme (which
 * WORDPRESS_CONFIG_EXTRA trusts). Run by the health check (catalog/firstRun).
 */
export const WORDPRESS_HEALTH = setupHealth(
  {
    ready: `curl -fsS -o /dev/null ${WORDPRESS}/wp-includes/images/blank.gif`,
    done: `curl -fsS ${WORDPRESS}/wp-admin/install.php | grep -q 'Already Installed'`,
    create: postFromShell(
      `${WORDPRESS}/wp-admin/install.php?step=2`,
      `weblog_title=Blog&user_name=${ADMIN_USER}&admin_password=%s&admin_password2=%s&admin_email=%s&blog_public=1`,
      [`"$${ADMIN_PASSWORD_ENV}"`, `"$${ADMIN_PASSWORD_ENV}"`, `"$${ADMIN_EMAIL_ENV}"`],
      [`Host: $${SITE_HOST_ENV}`, `X-Forwarded-Proto: $${SITE_SCHEME_ENV}`],
    ),
  },
  90,
);

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
    contract: {
      user: "1000:1000",
      source: ["n8n-io/n8n docker/images/n8n/Dockerfile@003abfdc"],
      // /setup creates the owner on the first visit; only webhooks and forms bypass SSO.
      firstRun: {
        admin: "sso-until-configured",
        remaining: "create the owner account on the first visit",
        source: [
          "n8n-io/n8n packages/cli/src/controllers/owner.controller.ts (stored copy 03b4ad9c: POST /owner/setup)",
        ],
      },
    },
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
    description: "Outline team wiki (sign-in through Authelia's OpenID Connect)",
    image: { repository: "outlinewiki/outline", tag: "0.87.4" },
    /** Its data lives in the shared database of its host (plan/dataServices.ts). */
    database: {
      engine: "postgres",
      env: {
        DATABASE_URL: "postgres://{user}:{password}@{host}:{port}/{database}",
        PGSSLMODE: "disable",
      },
    },
    contract: {
      user: "1001:1001",
      source: ["outline/outline Dockerfile@v0.87.4"],
      // No local accounts: the first sign-in through a provider creates the workspace and its
      // admin. With Authelia the provider is wired (plan/sso/appSignIn.ts); without it nobody
      // signs in until the owner sets one.
      firstRun: {
        admin: "sso-until-configured",
        remaining:
          "sign in first through Authelia (that account owns the workspace); without Authelia, set an auth provider in homelab:apps.outline.env",
        source: [
          "outline/outline server/commands/accountProvisioner.ts@v0.86.1",
          "outline/outline plugins/oidc/server/env.ts@v0.87.4 (OIDC_* env)",
        ],
      },
    },
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
    contract: {
      user: "0:0",
      source: ["karakeep-app/karakeep docker/Dockerfile@v0.28.0"],
      // The first sign-up becomes the admin, and DISABLE_SIGNUPS also refuses that first one:
      // no env seeds an account. So KaraKeep stays behind SSO with sign-ups open to SSO
      // users only; auth `bypass` (for the browser extension and phone app, which call
      // /api/trpc with API keys) closes them.
      firstRun: {
        admin: "sso-until-configured",
        ownLoginOnceConfigured: true,
        signUps: { env: "DISABLE_SIGNUPS", closed: "true", behindSso: "false" },
        remaining:
          "sign up first (that account is the admin); for the browser extension and phone app then set homelab:apps.karakeep.auth: bypass, which closes sign-ups",
        source: [
          "karakeep-app/karakeep packages/trpc/routers/users.ts@v0.28.0 (users.create refused while DISABLE_SIGNUPS)",
          "karakeep-app/karakeep packages/trpc/models/users.ts@v0.28.0 (the first user is admin)",
          "karakeep-app/karakeep packages/shared/config.ts@v0.28.0 (DISABLE_SIGNUPS default false)",
          "karakeep-app/karakeep apps/browser-extension/src/utils/trpc.ts@v0.28.0 (/api/trpc)",
        ],
      },
    },
    managedEnv: {
      prefixes: ["DISABLE_SIGNUPS"],
      reason:
        "sign-ups close whenever KaraKeep is reachable without SSO (homelab:apps.karakeep.auth)",
    },
    route: {
      port: 3000,
      auth: "one_factor",
      dashboard: { group: "Productivity", icon: "karakeep.png", description: "Bookmarks" },
    },
    health: nodeHealth("http://127.0.0.1:3000/api/health", 90),
    volumes: [{ class: "config", target: "/data" }],
    networks: ["internal", "proxy"],
    env: {
      DATA_DIR: "/data",
      NEXTAUTH_URL: "{{url}}",
      BROWSER_WEB_URL: `http://127.0.0.1:${KARAKEEP_CHROME_PORT}`,
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
      // Loopback of KaraKeep's namespace: DevTools has no authentication, and whoever
      // reaches it drives a browser with a route out.
      "--remote-debugging-address=127.0.0.1",
      `--remote-debugging-port=${KARAKEEP_CHROME_PORT}`,
      "--hide-scrollbars",
    ],
    health: wgetHealth(`http://127.0.0.1:${KARAKEEP_CHROME_PORT}/json/version`, 30),
    // In KaraKeep's network namespace: it fetches pages through KaraKeep's `proxy` network,
    // and only KaraKeep reaches its DevTools port (loopback), no other container on `proxy`.
    networkOf: "karakeep",
    networks: [],
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
    contract: {
      user: "1000:1000",
      source: ["go-gitea/gitea Dockerfile.rootless@77b59e10"],
      // INSTALL_LOCK skips the web installer and DISABLE_REGISTRATION closes sign-ups, so no
      // admin exists and nobody can become one. Its CLI takes the password only as an
      // argument, which every user of the host can read, so the program does not run it.
      // With Authelia, members of `admins` are Gitea admins at their first sign-in (the
      // `authelia` auth source, plan/wiring/gitea.ts); without it the CLI is the only way.
      firstRun: {
        admin: "cli",
        signUps: { env: "GITEA__service__DISABLE_REGISTRATION", closed: "true" },
        remaining:
          "with Authelia: nothing, sign in through Authelia (members of admins are admins); without it, create your admin: docker exec -it gitea gitea admin user create --admin --username <you> --email <address> --random-password, then change the password",
        source: [
          "go-gitea/gitea cmd/admin_user_create.go (stored copy 01da7274: --password flag only)",
          "go-gitea/gitea cmd/admin_auth_oauth.go, routers/web/auth/oauth.go (stored copies, 1.24 line: --admin-group, auto-registration)",
        ],
      },
    },
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
      firstRun: {
        admin: "seeded",
        secret: "adminPassword",
        user: "admin@<docs host>",
        how: "bookstack:create-admin --initial at every start (BOOKSTACK_ADMIN_SCRIPT)",
        remaining: "",
        source: [
          "BookStackApp/BookStack app/Console/Commands/CreateAdminCommand.php (stored copy 0a0177fa: --initial)",
          "linuxserver/docker-bookstack root/etc/s6-overlay/s6-rc.d/init-bookstack-config/run@v26.05.3-ls280 (migrations first)",
          "linuxserver/docker-baseimage-ubuntu root/etc/s6-overlay/s6-rc.d/init-custom-files/run@noble (/custom-cont-init.d)",
        ],
      },
    },
    puid: true,
    route: {
      port: 80,
      subdomain: "docs",
      auth: "one_factor",
      ownLogin: true,
      dashboard: { group: "Productivity", icon: "bookstack.png", description: "Documentation" },
    },
    health: curlHealth("http://localhost/status", 120),
    volumes: [{ class: "config", target: "/config" }],
    networks: ["internal", "proxy"],
    env: { APP_URL: "{{url}}", [ADMIN_EMAIL_ENV]: "admin@{{host}}" },
    secrets: [adminPassword()],
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
      firstRun: {
        admin: "seeded",
        secret: "adminPassword",
        user: ADMIN_USER,
        how: "the installer's own form, posted by the health check (WORDPRESS_HEALTH)",
        remaining: "",
        source: [
          "WordPress/WordPress wp-admin/install.php (stored copy 001ffe81: step 2 fields, Already Installed)",
        ],
      },
    },
    // A blog is read by the public; /wp-admin is guarded by WordPress' own login.
    route: {
      port: WORDPRESS_PORT,
      subdomain: "blog",
      auth: "bypass",
      dashboard: { group: "Productivity", icon: "wordpress.png", description: "Blog" },
    },
    health: WORDPRESS_HEALTH,
    secrets: [adminPassword()],
    // www-data owns the installation: the entrypoint copies the release in as www-data.
    volumes: [{ class: "config", target: "/var/www/html", owner: "image" }],
    networks: ["internal", "proxy"],
    env: {
      [ADMIN_EMAIL_ENV]: "admin@{{host}}",
      [SITE_HOST_ENV]: "{{host}}",
      [SITE_SCHEME_ENV]: "{{scheme}}",
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
    contract: {
      user: "0:0",
      source: ["dani-garcia/vaultwarden docker/Dockerfile.debian@1.37.2"],
      // No admin account: /admin is guarded by ADMIN_TOKEN, and users are invited from it.
      firstRun: {
        admin: "seeded",
        secret: "adminToken",
        how: "ADMIN_TOKEN guards /admin",
        signUps: { env: "SIGNUPS_ALLOWED", closed: "false" },
        remaining:
          "invite yourself from /admin (token vaultwarden.adminToken) and create the vault",
        source: ["dani-garcia/vaultwarden .env.template@1.34.1 (SIGNUPS_ALLOWED, ADMIN_TOKEN)"],
      },
    },
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
