/**
 * Authelia 4.39 configuration as pure functions of the spec. Secrets are never in the
 * generated text: Authelia reads them from files named by `*_FILE` env vars
 * ({@link AUTHELIA_SECRET_ENV}), which the CoreStack mounts.
 */
import { stringify } from "yaml";
import { SAFE_EMAIL } from "../../config/guards";
import { shellQuote } from "../shell";
import { definitionOf } from "../../catalog";
import type { AppDefinition } from "../../catalog/types";
import type { AppSpec, HomelabSpec } from "../../config/spec";
import { SSO_PORTAL_APP, appHost } from "./traefik";

/**
 * In-container paths. `/config` is the app directory on the database tier (state, and the
 * generated admin's users file); files the program delivers live in the container under
 * `/etc/authelia`, so uploads never leave root-owned copies in the owner's directory.
 */
export const AUTHELIA_PATHS = {
  config: "/etc/authelia/configuration.yml",
  users: "/config/users.yml",
  /** The users file from `homelab:ssoUsers`, delivered with every deploy. */
  providedUsers: "/etc/authelia/users.yml",
  /** SQLite storage: the app directory must be on the database tier (or mount it there). */
  database: "/config/db.sqlite3",
  notifications: "/config/notification.txt",
  secretsDir: "/run/secrets",
} as const;

export const AUTHELIA_PORT = 9091;
export const AUTHELIA_METRICS_PORT = 9959;
/** Session store: a Redis container on the edge host's `internal` network. */
export const AUTHELIA_REDIS_HOST = "authelia-redis";
/** Subdomain of the portal when the authelia app is not in the list. */
export const DEFAULT_PORTAL_SUBDOMAIN = "auth";
/** Group whose members may open two-factor (admin) apps. */
export const ADMIN_GROUP = "admins";

/** Env var → logical secret name (the CoreStack maps names to random/config secrets). */
export const AUTHELIA_SECRET_ENV: Readonly<Record<string, string>> = {
  AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET_FILE: "jwt",
  AUTHELIA_SESSION_SECRET_FILE: "session",
  AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE: "storageKey",
  AUTHELIA_NOTIFIER_SMTP_PASSWORD_FILE: "smtpPassword",
};

/** File a logical secret is mounted at inside the container. */
export function autheliaSecretPath(name: string): string {
  return `${AUTHELIA_PATHS.secretsDir}/${name}`;
}

/**
 * Env var → file path for this spec. The SMTP password only when SMTP is configured:
 * setting it otherwise would create a second notifier and Authelia refuses to start.
 */
export function autheliaSecretEnv(spec: HomelabSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [env, name] of Object.entries(AUTHELIA_SECRET_ENV)) {
    if (name === "smtpPassword" && !spec.sso.smtp) continue;
    out[env] = autheliaSecretPath(name);
  }
  return out;
}

export type RulePolicy = "bypass" | "one_factor" | "two_factor" | "deny";

/** One `access_control.rules` entry. */
export interface Rule {
  domain: string[];
  policy: RulePolicy;
  resources?: string[];
  subject?: string[];
}

type Lookup = (name: string) => AppDefinition;

/** Host of the SSO portal: the authelia app's subdomain, `auth` by default. */
export function portalHost(spec: HomelabSpec, apps: readonly AppSpec[]): string {
  const portal = apps.find((a) => a.name === SSO_PORTAL_APP);
  return appHost(spec, { subdomain: portal?.subdomain ?? DEFAULT_PORTAL_SUBDOMAIN });
}

const byDomain = (a: Rule, b: Rule): number => a.domain[0].localeCompare(b.domain[0]);

/**
 * Access rules, first match wins, `default_policy: deny` after them:
 *  1. the portal itself: bypass;
 *  2. media apps' `bypassPaths` (API/stream paths for native clients): bypass, per domain;
 *  3. apps whose policy is `one_factor`: one rule each;
 *  4. every other subdomain: `two_factor`, members of `admins` only (admin apps).
 *
 * Only apps that differ from the catch-all need a rule, so adding a `two_factor` app
 * leaves this file unchanged. `bypass` apps are not listed: their routers carry no
 * forward-auth, so Authelia is never asked about them. `lanOnly` is enforced by the
 * `lan-only` ipAllowList that runs before forward-auth in the router chain.
 */
export function accessControlRules(
  spec: HomelabSpec,
  apps: readonly AppSpec[],
  lookup: Lookup = definitionOf,
): Rule[] {
  const routed = apps
    .filter((a) => a.name !== SSO_PORTAL_APP && a.auth !== "bypass")
    .map((app) => ({ app, route: lookup(app.name).route }))
    .filter((x): x is { app: AppSpec; route: NonNullable<AppDefinition["route"]> } => !!x.route);

  const bypassPaths: Rule[] = routed
    .filter(({ route }) => (route.bypassPaths ?? []).length > 0)
    .map(({ app, route }) => ({
      domain: [appHost(spec, app)],
      resources: [...(route.bypassPaths ?? [])].sort(),
      policy: "bypass" as const,
    }))
    .sort(byDomain);

  const oneFactor: Rule[] = routed
    .filter(({ app }) => app.auth === "one_factor")
    .map(({ app }) => ({ domain: [appHost(spec, app)], policy: "one_factor" as const }))
    .sort(byDomain);

  return [
    { domain: [portalHost(spec, apps)], policy: "bypass" },
    ...bypassPaths,
    ...oneFactor,
    { domain: [`*.${spec.domain}`], subject: [`group:${ADMIN_GROUP}`], policy: "two_factor" },
  ];
}

function smtpAddress(host: string, port: number): string {
  // submissions = implicit TLS (465), submission = STARTTLS (587), smtp = plain/opportunistic.
  const scheme = port === 465 ? "submissions" : port === 587 ? "submission" : "smtp";
  return `${scheme}://${host}:${port}`;
}

/**
 * `/config/configuration.yml`. Domain mode only: Authelia requires an https portal URL and
 * a cookie domain with a dot, which `*.localhost` cannot satisfy.
 */
export function autheliaConfig(
  spec: HomelabSpec,
  apps: readonly AppSpec[],
  lookup: Lookup = definitionOf,
): string {
  if (spec.sso.provider !== "authelia")
    throw new Error("autheliaConfig: homelab:sso.provider is not authelia");
  if (spec.mode !== "domain") {
    throw new Error(
      "Authelia needs homelab:mode domain: it requires an https portal URL and a dotted cookie domain",
    );
  }
  const usersManaged = spec.sso.usersFromConfig;
  const smtp = spec.sso.smtp;
  const notifier = smtp
    ? {
        smtp: {
          address: smtpAddress(smtp.host, smtp.port),
          username: smtp.username,
          sender: smtp.sender,
        },
      }
    : { filesystem: { filename: AUTHELIA_PATHS.notifications } };

  const doc = {
    theme: "auto",
    server: { address: `tcp://:${AUTHELIA_PORT}/` },
    log: { level: "info" },
    telemetry: { metrics: { enabled: true, address: `tcp://:${AUTHELIA_METRICS_PORT}/metrics` } },
    // A blocked NTP check logs a warning instead of stopping the portal.
    ntp: { disable_failure: true },
    totp: { issuer: spec.domain },
    identity_validation: { reset_password: { jwt_lifespan: "5 minutes" } },
    authentication_backend: {
      // When users come from `homelab:ssoUsers`, self-service changes would be overwritten
      // on the next deploy, so they are off.
      password_reset: { disable: usersManaged },
      password_change: { disable: usersManaged },
      file: {
        path: usersManaged ? AUTHELIA_PATHS.providedUsers : AUTHELIA_PATHS.users,
        watch: true,
        password: {
          algorithm: "argon2",
          argon2: {
            variant: "argon2id",
            iterations: 3,
            memory: 65536,
            parallelism: 4,
            key_length: 32,
            salt_length: 16,
          },
        },
      },
    },
    access_control: {
      default_policy: "deny",
      rules: accessControlRules(spec, apps, lookup),
    },
    session: {
      name: "authelia_session",
      same_site: "lax",
      inactivity: "1 hour",
      expiration: "12 hours",
      remember_me: "1 month",
      cookies: [{ domain: spec.domain, authelia_url: `https://${portalHost(spec, apps)}` }],
      redis: { host: AUTHELIA_REDIS_HOST, port: 6379 },
    },
    regulation: {
      modes: ["user", "ip"],
      max_retries: 5,
      find_time: "10 minutes",
      ban_time: "30 minutes",
    },
    storage: { local: { path: AUTHELIA_PATHS.database } },
    notifier,
  };
  return (
    "# Generated by homelab (Pulumi). Secrets come from *_FILE env vars, never this file.\n" +
    stringify(doc, { lineWidth: 0 })
  );
}

/** A users file for one `admin` in group `admins`, given an argon2id digest. */
export function generatedAdminUsers(hash: string, email: string): string {
  return stringify(
    {
      users: {
        admin: {
          disabled: false,
          displayname: "Administrator",
          password: hash,
          email,
          groups: [ADMIN_GROUP],
        },
      },
    },
    { lineWidth: 0 },
  );
}

/** Example users file for the docs, with a placeholder digest. */
export function usersFileTemplate(): string {
  const digest = "$argon2id$v=19$m=65536,t=3,p=4$REPLACE_WITH_SALT$REPLACE_WITH_DIGEST";
  return stringify(
    {
      users: {
        alice: {
          disabled: false,
          displayname: "Alice",
          password: digest,
          email: "alice@example.com",
          groups: [ADMIN_GROUP],
        },
        bob: {
          disabled: false,
          displayname: "Bob",
          password: digest,
          email: "bob@example.com",
          groups: ["users"],
        },
      },
    },
    { lineWidth: 0 },
  );
}

/** The command that makes a digest for the users file. */
export function hashCommand(tag: string): string {
  // Interactive: the password is typed at Authelia's prompt, never in argv or shell history.
  return `docker run --rm -it authelia/authelia:${tag} authelia crypto hash generate argon2`;
}

/** Secret file holding the generated admin password (exported to the owner). */
export const ADMIN_PASSWORD_FILE = autheliaSecretPath("admin_password");
/** Its bcrypt digest (from `@pulumi/random`), which the bootstrap writes into the users file. */
export const ADMIN_DIGEST_FILE = `${ADMIN_PASSWORD_FILE}.bcrypt`;

/** Paths the bootstrap script uses; overridable so tests can run it in a temp dir. */
export interface BootstrapPaths {
  users: string;
  digestFile: string;
  config: string;
}

/**
 * Shell run as the container command when `homelab:ssoUsers` is absent (the Authelia image
 * is Alpine; its entrypoint execs any command that is not `--config`). On first start it
 * writes the users file with the generated password's bcrypt digest, read from a secret
 * file: the password never appears on a command line, where any user of the host could
 * read it. It never overwrites an existing file, so changes made in the portal survive
 * restarts. Then it execs Authelia. Use as `["sh", "-c", adminBootstrapScript(email)]`;
 * `before` runs first (the OpenID Connect signing key).
 */
export function adminBootstrapScript(
  email: string,
  paths: Partial<BootstrapPaths> = {},
  before: readonly string[] = [],
): string {
  if (!SAFE_EMAIL.test(email))
    throw new Error(`adminBootstrapScript: unsafe e-mail address ${email}`);
  const users = shellQuote(paths.users ?? AUTHELIA_PATHS.users);
  const tmp = shellQuote(`${paths.users ?? AUTHELIA_PATHS.users}.tmp`);
  const digestFile = shellQuote(paths.digestFile ?? ADMIN_DIGEST_FILE);
  const config = shellQuote(paths.config ?? AUTHELIA_PATHS.config);
  const yaml = `users:\\n  admin:\\n    disabled: false\\n    displayname: Administrator\\n    password: \\"%s\\"\\n    email: ${email}\\n    groups:\\n      - ${ADMIN_GROUP}\\n`;
  return [
    "set -eu",
    ...before,
    `if [ ! -s ${users} ]; then`,
    `  digest="$(cat ${digestFile})"`,
    '  case "$digest" in \\$2[aby]\\$*) ;; *) echo "admin bootstrap: no bcrypt digest" >&2; exit 1;; esac',
    "  umask 077",
    `  printf "${yaml}" "$digest" > ${tmp}`,
    `  mv ${tmp} ${users}`,
    "fi",
    `exec authelia --config ${config}`,
  ].join("\n");
}
