/**
 * How each app is told about its Authelia client: env, and where its client secret goes.
 * Pure: the secret value is the component's; here only where it is read from.
 */
import type { AppSpec, HomelabSpec } from "../../config/spec";
import { shellQuote } from "../shell";
import { giteaOidcStep } from "../wiring/gitea";
import type { WiringStep } from "../wiring/step";
import { ADMIN_GROUP } from "../proxy/authelia";
import { OIDC_APPS, OIDC_SECRET_FILE, claimsScope, issuerUrl, oidcShape } from "./oidc";

/** What one app needs to sign in through Authelia. */
export interface SignIn {
  clientId: string;
  env: Record<string, string>;
  /** The secret goes into this env var (apps that read no file), else into {@link OIDC_SECRET_FILE}. */
  secretEnv?: string;
  /** Files rendered from the secret (an app whose config file carries it). */
  secretFiles?: readonly { path: string; render(secret: string): string }[];
  /** Files without the secret (a start hook). */
  files?: readonly { path: string; content: string; executable?: boolean }[];
  /** Settings only the app's CLI or API can make (plan/wiring). */
  steps?: readonly WiringStep[];
}

const authorize = (issuer: string) => `${issuer}/api/oidc/authorization`;
const token = (issuer: string) => `${issuer}/api/oidc/token`;
const userinfo = (issuer: string) => `${issuer}/api/oidc/userinfo`;

/**
 * Grafana's generic OAuth (grafana/grafana@v12.1.1:conf/defaults.ini `[auth.generic_oauth]`);
 * the image's run.sh exports any `GF_*__FILE` from its file, so the secret stays a file.
 */
function grafana(issuer: string): Omit<SignIn, "clientId"> {
  return {
    env: {
      GF_AUTH_GENERIC_OAUTH_ENABLED: "true",
      GF_AUTH_GENERIC_OAUTH_NAME: "Authelia",
      GF_AUTH_GENERIC_OAUTH_CLIENT_ID: "grafana",
      GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET__FILE: OIDC_SECRET_FILE,
      GF_AUTH_GENERIC_OAUTH_SCOPES: "openid profile email groups",
      GF_AUTH_GENERIC_OAUTH_AUTH_URL: authorize(issuer),
      GF_AUTH_GENERIC_OAUTH_TOKEN_URL: token(issuer),
      GF_AUTH_GENERIC_OAUTH_API_URL: userinfo(issuer),
      GF_AUTH_GENERIC_OAUTH_LOGIN_ATTRIBUTE_PATH: "preferred_username",
      GF_AUTH_GENERIC_OAUTH_GROUPS_ATTRIBUTE_PATH: "groups",
      GF_AUTH_GENERIC_OAUTH_NAME_ATTRIBUTE_PATH: "name",
      GF_AUTH_GENERIC_OAUTH_USE_PKCE: "true",
      // Members of admins administer Grafana's organisation; everyone else may only look.
      GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH: `contains(groups, '${ADMIN_GROUP}') && 'Admin' || 'Viewer'`,
    },
  };
}

/**
 * Outline's generic OIDC provider (outline/outline@v0.87.4:plugins/oidc/server/env.ts); Outline reads only
 * env, so the secret is a secret env entry. The first account to sign in owns the workspace.
 */
function outline(issuer: string): Omit<SignIn, "clientId"> {
  return {
    env: {
      OIDC_CLIENT_ID: "outline",
      OIDC_AUTH_URI: authorize(issuer),
      OIDC_TOKEN_URI: token(issuer),
      OIDC_USERINFO_URI: userinfo(issuer),
      // OIDC_USERNAME_CLAIM and OIDC_SCOPES default to preferred_username and openid profile email.
      OIDC_DISPLAY_NAME: "Authelia",
    },
    secretEnv: "OIDC_CLIENT_SECRET",
  };
}

/** Where Immich reads its settings file from (IMMICH_CONFIG_FILE). */
export const IMMICH_CONFIG_FILE = "/etc/immich/config.json";

/**
 * Immich's OAuth settings, from the file IMMICH_CONFIG_FILE names (immich-app/immich
 * server/src/utils/config.ts: the file is merged over the defaults; while it is used, the
 * settings page is read-only). Its `oauth.clientSecret` has no file form, so the file is a
 * secret upload. A new user's role comes from the `immich_role` claim (its default roleClaim);
 * token auth is client_secret_post by default (server/src/config.ts).
 */
function immich(issuer: string): Omit<SignIn, "clientId"> {
  const scope = claimsScope(OIDC_APPS["immich-server"]);
  return {
    env: { IMMICH_CONFIG_FILE },
    secretFiles: [
      {
        path: IMMICH_CONFIG_FILE,
        render: (secret) =>
          JSON.stringify(
            {
              oauth: {
                enabled: true,
                issuerUrl: `${issuer}/.well-known/openid-configuration`,
                clientId: "immich",
                clientSecret: secret,
                scope: ["openid", "email", "profile", scope].join(" "),
                buttonText: "Sign in with Authelia",
                autoRegister: true,
              },
            },
            null,
            2,
          ) + "\n",
      },
    ],
  };
}

/** Runs as www-data before Apache starts, on every start (nextcloud/docker entrypoint.sh run_path). */
export const NEXTCLOUD_OIDC_HOOK = "/docker-entrypoint-hooks.d/before-starting/60-user-oidc.sh";

/**
 * Nextcloud signs in through the user_oidc app (nextcloud/user_oidc@v8.10.1
 * lib/Command/UpsertProvider.php: `user_oidc:provider` creates or updates, the secret from a
 * file). User ids are Authelia usernames (`--unique-uid=0`), so Authelia's `admin` is
 * Nextcloud's `admin` (user_oidc's soft auto-provisioning, LoginController.php); groups follow
 * the `nextcloud_groups` claim, where `admins` becomes Nextcloud's `admin` group. The app comes
 * from Nextcloud's app store; without it Nextcloud still starts with its own login only.
 */
function nextcloud(issuer: string): Omit<SignIn, "clientId"> {
  const scope = claimsScope(OIDC_APPS.nextcloud);
  const provider = [
    "occ user_oidc:provider Authelia",
    "--clientid=nextcloud",
    `--clientsecret-file=${OIDC_SECRET_FILE}`,
    `--discoveryuri=${shellQuote(`${issuer}/.well-known/openid-configuration`)}`,
    `--scope=${shellQuote(["openid", "email", "profile", "groups", scope].join(" "))}`,
    "--unique-uid=0",
    "--mapping-uid=preferred_username",
    "--mapping-display-name=name",
    "--mapping-email=email",
    "--group-provisioning=1",
    "--mapping-groups=nextcloud_groups",
  ].join(" ");
  return {
    env: {},
    files: [
      {
        path: NEXTCLOUD_OIDC_HOOK,
        executable: true,
        content: [
          "#!/bin/sh",
          "set -eu",
          'occ() { php /var/www/html/occ "$@"; }',
          "if ! occ app:install user_oidc >/dev/null 2>&1 && ! occ app:enable user_oidc; then",
          '  echo "user_oidc is not installed: sign-in through Authelia is off" >&2',
          "  exit 0",
          "fi",
          `${provider} >/dev/null || echo "user_oidc: the Authelia provider was not saved" >&2`,
          "",
        ].join("\n"),
      },
    ],
  };
}

/**
 * Gitea: new users from Authelia get an account on their first sign-in (registration stays
 * closed otherwise: auto-registration does not check DISABLE_REGISTRATION,
 * routers/web/auth/oauth.go), named by `preferred_username` ([oauth2_client] USERNAME).
 */
function gitea(issuer: string): Omit<SignIn, "clientId"> {
  return {
    env: {
      GITEA__oauth2_client__ENABLE_AUTO_REGISTRATION: "true",
      GITEA__oauth2_client__USERNAME: "preferred_username",
    },
    steps: [giteaOidcStep(issuer)],
  };
}

const BUILDERS: Readonly<Record<string, (issuer: string) => Omit<SignIn, "clientId">>> = {
  gitea,
  grafana,
  "immich-server": immich,
  nextcloud,
  outline,
};

/** The sign-in of `app`, or undefined when it does not sign in through Authelia here. */
export function signInOf(spec: HomelabSpec, app: AppSpec): SignIn | undefined {
  const shape = oidcShape(spec, app);
  const build = BUILDERS[app.name];
  if (!shape || !build) return undefined;
  return { clientId: shape.clientId, ...build(issuerUrl(spec, spec.apps)) };
}
