/**
 * OpenID Connect clients served by Authelia 4.39 (`identity_providers.oidc`), as pure
 * functions of the spec. Secrets never appear here: each client's secret is a generated
 * random string delivered to the app as a secret file; Authelia's configuration gets only
 * its PBKDF2-SHA512 digest, the format Authelia documents for `client_secret`
 * (authelia/authelia@v4.39.20:docs/content/configuration/identity-providers/openid-connect/clients.md).
 *
 * The signing key is not made here either: the Authelia container makes an RSA key on its
 * first start (`authelia crypto pair rsa generate`) in its own state directory, and the
 * configuration reads it with the `secret` template filter (enabled by
 * `X_AUTHELIA_CONFIG_FILTERS=template`,
 * authelia/authelia@v4.39.20:docs/content/reference/guides/templating.md). So the private
 * key never enters Pulumi state and survives redeploys.
 */
import { pbkdf2Sync } from "node:crypto";
import type { AppSpec, HomelabSpec } from "../../config/spec";
import { ADMIN_GROUP, portalHost } from "../proxy/authelia";
import { appHost } from "../proxy/traefik";

/** Where the generated signing key lives inside the Authelia container (its state dir). */
export const OIDC_JWKS_KEY = "/config/oidc/jwks/rsa.2048.key";
/** Secret file holding the HMAC secret (a generated random string). */
export const OIDC_HMAC_SECRET_FILE = "/run/secrets/oidc_hmac";
/** Env var Authelia reads the HMAC secret from (the `_FILE` form of `hmac_secret`). */
export const OIDC_HMAC_SECRET_ENV = "AUTHELIA_IDENTITY_PROVIDERS_OIDC_HMAC_SECRET_FILE";

/** Apps that sign in through Authelia, and the callback path each app's source uses. */
export const OIDC_REDIRECT_PATHS: Readonly<Record<string, readonly string[]>> = {
  // grafana/grafana: `/login/{provider}`, generic OAuth's provider is `generic_oauth`
  // (not yet read at the pinned tag: the repository is too large to fetch here).
  grafana: ["/login/generic_oauth"],
  // immich-app/immich: web login page and user settings page handle the OAuth callback
  // (not yet read at the pinned tag).
  immich: ["/auth/login", "/user-settings"],
  // nextcloud/user_oidc@v8.10.1:appinfo/routes.php: `login#code` at `/code` under the app.
  nextcloud: ["/apps/user_oidc/code"],
  // go-gitea/gitea: `/user/oauth2/{provider}/callback`; the provider is named `authelia`
  // (not yet read at the pinned tag).
  gitea: ["/user/oauth2/authelia/callback"],
  // outline/outline@v0.87.4:plugins/oidc/server/auth/oidcRouter.ts `${env.URL}/auth/${config.id}.callback`,
  // plugins/oidc/plugin.json id `oidc`.
  outline: ["/auth/oidc.callback"],
};

/** One `identity_providers.oidc.clients` entry. */
export interface OidcClient {
  client_id: string;
  client_name: string;
  client_secret: string;
  public: false;
  authorization_policy: "two_factor";
  consent_mode: "implicit";
  redirect_uris: string[];
  scopes: string[];
  response_types: ["code"];
  grant_types: ["authorization_code"];
  token_endpoint_auth_method: "client_secret_basic" | "client_secret_post";
}

/** Apps that get a client: OIDC apps present (enabled) in the spec, when SSO is Authelia. */
export function oidcApps(spec: HomelabSpec, apps: readonly AppSpec[]): AppSpec[] {
  if (spec.sso.provider !== "authelia" || spec.mode !== "domain") return [];
  return apps
    .filter((a) => a.name in OIDC_REDIRECT_PATHS)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Passlib's "adapted base64" that Authelia's digests use: `.` for `+`, no padding. */
function ab64(buf: Buffer): string {
  return buf.toString("base64").replace(/=+$/, "").replace(/\+/g, ".");
}

/**
 * Authelia's PBKDF2-SHA512 digest of a client secret. The salt is fixed per client so the
 * digest (and Authelia's configuration) changes only when the secret does.
 */
export function clientSecretDigest(secret: string, salt: Buffer, iterations = 310000): string {
  const hash = pbkdf2Sync(secret, salt, iterations, 64, "sha512");
  return `$pbkdf2-sha512$${iterations}$${ab64(salt)}$${ab64(hash)}`;
}

/**
 * The `identity_providers.oidc` block. `secretOf(app)` gives each app's client secret
 * (the generated random string); only its digest is written.
 */
export function oidcProvider(
  spec: HomelabSpec,
  apps: readonly AppSpec[],
  secretOf: (app: string) => { secret: string; salt: Buffer },
): Record<string, unknown> | undefined {
  const clients: OidcClient[] = oidcApps(spec, apps).map((app) => {
    const { secret, salt } = secretOf(app.name);
    const base = `https://${appHost(spec, app)}`;
    return {
      client_id: app.name,
      client_name: app.name,
      client_secret: clientSecretDigest(secret, salt),
      public: false,
      authorization_policy: "two_factor",
      consent_mode: "implicit",
      redirect_uris: OIDC_REDIRECT_PATHS[app.name].map((p) => `${base}${p}`),
      scopes: ["openid", "profile", "email", "groups"],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      // Outline and Nextcloud send the secret in the body; the others use HTTP Basic.
      token_endpoint_auth_method:
        app.name === "outline" || app.name === "nextcloud"
          ? "client_secret_post"
          : "client_secret_basic",
    };
  });
  if (clients.length === 0) return undefined;
  return {
    oidc: {
      // Read at start through the `secret` template filter; the key is made in the container.
      // The template must reach the file unquoted (its `msquote` does the quoting), so the
      // caller writes this value raw, not through a YAML string.
      jwks: [{ key: `{{ secret "${OIDC_JWKS_KEY}" | mindent 10 "|" | msquote }}` }],
      clients,
    },
  };
}

/** Issuer URL apps discover Authelia at. */
export function issuerUrl(spec: HomelabSpec, apps: readonly AppSpec[]): string {
  return `https://${portalHost(spec, apps)}`;
}

/**
 * Grafana's generic OAuth env (grafana/grafana@v12.1.1:conf/defaults.ini `[auth.generic_oauth]`).
 * The client secret comes from a file via Grafana's `$__file{}` expansion, never the env itself.
 */
export function grafanaOidcEnv(
  spec: HomelabSpec,
  apps: readonly AppSpec[],
  secretFile: string,
): Record<string, string> {
  const issuer = issuerUrl(spec, apps);
  return {
    GF_AUTH_GENERIC_OAUTH_ENABLED: "true",
    GF_AUTH_GENERIC_OAUTH_NAME: "Authelia",
    GF_AUTH_GENERIC_OAUTH_CLIENT_ID: "grafana",
    GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: `$__file{${secretFile}}`,
    GF_AUTH_GENERIC_OAUTH_SCOPES: "openid profile email groups",
    GF_AUTH_GENERIC_OAUTH_AUTH_URL: `${issuer}/api/oidc/authorization`,
    GF_AUTH_GENERIC_OAUTH_TOKEN_URL: `${issuer}/api/oidc/token`,
    GF_AUTH_GENERIC_OAUTH_API_URL: `${issuer}/api/oidc/userinfo`,
    GF_AUTH_GENERIC_OAUTH_LOGIN_ATTRIBUTE_PATH: "preferred_username",
    GF_AUTH_GENERIC_OAUTH_GROUPS_ATTRIBUTE_PATH: "groups",
    GF_AUTH_GENERIC_OAUTH_NAME_ATTRIBUTE_PATH: "name",
    GF_AUTH_GENERIC_OAUTH_USE_PKCE: "true",
    GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH: `contains(groups, '${ADMIN_GROUP}') && 'Admin' || 'Viewer'`,
    GF_AUTH_GENERIC_OAUTH_ALLOW_ASSIGN_GRAFANA_ADMIN: "true",
  };
}

/**
 * Outline's OIDC env (outline/outline@v0.87.4:.env.sample "Generic OIDC provider"), without
 * the secret, which the app's secret delivery sets as `OIDC_CLIENT_SECRET`.
 * Outline has no local accounts, so this is its only sign-in.
 */
export function outlineOidcEnv(
  spec: HomelabSpec,
  apps: readonly AppSpec[],
): Record<string, string> {
  const issuer = issuerUrl(spec, apps);
  return {
    OIDC_CLIENT_ID: "outline",
    OIDC_AUTH_URI: `${issuer}/api/oidc/authorization`,
    OIDC_TOKEN_URI: `${issuer}/api/oidc/token`,
    OIDC_USERINFO_URI: `${issuer}/api/oidc/userinfo`,
    OIDC_USERNAME_CLAIM: "preferred_username",
    OIDC_DISPLAY_NAME: "Authelia",
    OIDC_SCOPES: "openid profile email",
  };
}
