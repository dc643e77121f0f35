/**
 * OpenID Connect clients served by Authelia 4.39 (`identity_providers.oidc`), as pure
 * functions of the spec. Secrets never appear here: each client's secret is a generated
 * random string delivered to its app; Authelia's configuration gets only its PBKDF2-SHA512
 * digest, the format Authelia documents for `client_secret`
 * (authelia/authelia@v4.39.20:docs/content/configuration/identity-providers/openid-connect/clients.md).
 *
 * The signing key is not made here either: the Authelia container makes an RSA key on its
 * first start ({@link jwksKeyScript}) in its own state directory, and the configuration reads
 * it with the `secret` template function (enabled by `X_AUTHELIA_CONFIG_FILTERS=template`,
 * authelia/authelia@v4.39.20:docs/content/reference/guides/templating.md). So the private
 * key never enters Pulumi state and survives redeploys.
 */
import { pbkdf2Sync } from "node:crypto";
import { stringify } from "yaml";
import type { AppSpec, HomelabSpec } from "../../config/spec";
import { ADMIN_GROUP, autheliaConfig, portalHost } from "../proxy/authelia";
import { appHost } from "../proxy/traefik";

/** Where the generated signing key lives inside the Authelia container (its state dir). */
export const OIDC_JWKS_DIR = "/config/oidc";
export const OIDC_JWKS_KEY = `${OIDC_JWKS_DIR}/private.pem`;
/** Where an app's client secret is placed inside its container. */
export const OIDC_SECRET_FILE = "/run/secrets/oidc_client_secret";
/** The HMAC secret's file inside the Authelia container. */
export const OIDC_HMAC_SECRET_FILE = "/run/secrets/oidc_hmac";
/** Env var Authelia reads the HMAC secret's file from (`identity_providers.oidc.hmac_secret`). */
export const OIDC_HMAC_SECRET_ENV = "AUTHELIA_IDENTITY_PROVIDERS_OIDC_HMAC_SECRET_FILE";
/** Turns on the template filter the `jwks` entry needs. */
export const OIDC_CONFIG_FILTERS_ENV = "X_AUTHELIA_CONFIG_FILTERS=template";

/** How one app signs in: its client id, its callback paths and how it sends its secret. */
export interface OidcAppShape {
  clientId: string;
  redirectPaths: readonly string[];
  /** Where its OAuth library puts the client secret at the token endpoint. */
  tokenAuth: "client_secret_basic" | "client_secret_post";
  /** Extra URIs that are not on the app's host (a phone app's own scheme). */
  extraRedirects?: readonly string[];
  /**
   * Claims only this app reads, each a CEL expression over the user's attributes
   * (authelia/authelia@v4.39.20:docs/content/configuration/definitions/user-attributes.md),
   * released through the app's own scope and its claims policy, also in the ID token.
   */
  claims?: Readonly<Record<string, string>>;
}

/** Apps that sign in through Authelia, by catalog name. */
export const OIDC_APPS: Readonly<Record<string, OidcAppShape>> = {
  // grafana/grafana: `/login/{provider}`, generic OAuth's provider is `generic_oauth`;
  // golang.org/x/oauth2 sends the secret with HTTP Basic when the server accepts it.
  grafana: {
    clientId: "grafana",
    redirectPaths: ["/login/generic_oauth"],
    tokenAuth: "client_secret_basic",
  },
  // immich-app/immich: the web login page and user settings page take the callback; the
  // phone app its own scheme.
  "immich-server": {
    clientId: "immich",
    redirectPaths: ["/auth/login", "/user-settings"],
    extraRedirects: ["app.immich:///oauth-callback"],
    tokenAuth: "client_secret_post",
    // Immich makes a new user an admin when `immich_role` is "admin" (its default roleClaim).
    claims: { immich_role: `"${ADMIN_GROUP}" in groups ? "admin" : "user"` },
  },
  // nextcloud/user_oidc@v8.10.1:appinfo/routes.php: `login#code` at `/code` under the app;
  // it posts the secret whenever discovery offers it (LoginController.php).
  nextcloud: {
    clientId: "nextcloud",
    redirectPaths: ["/apps/user_oidc/code"],
    tokenAuth: "client_secret_post",
    // Group provisioning puts the user in groups named by the claim's values; Nextcloud's
    // admins are the group `admin`.
    claims: { nextcloud_groups: `groups.map(g, g == "${ADMIN_GROUP}" ? "admin" : g)` },
  },
  // go-gitea/gitea: `/user/oauth2/{provider}/callback`; the provider is named `authelia`.
  gitea: {
    clientId: "gitea",
    redirectPaths: ["/user/oauth2/authelia/callback"],
    tokenAuth: "client_secret_basic",
  },
  // outline/outline@v0.87.4:plugins/oidc/server/auth/oidcRouter.ts `${env.URL}/auth/${config.id}.callback`,
  // plugins/oidc/plugin.json id `oidc`; passport-oauth2 posts the secret in the body.
  outline: {
    clientId: "outline",
    redirectPaths: ["/auth/oidc.callback"],
    tokenAuth: "client_secret_post",
  },
};

/** One `identity_providers.oidc.clients` entry. */
export interface OidcClient {
  client_id: string;
  client_name: string;
  client_secret: string;
  public: false;
  authorization_policy: "one_factor" | "two_factor";
  consent_mode: "implicit";
  redirect_uris: string[];
  scopes: string[];
  response_types: ["code"];
  grant_types: ["authorization_code"];
  token_endpoint_auth_method: OidcAppShape["tokenAuth"];
  claims_policy: string;
}

/** The scope that releases an app's own claims. */
export function claimsScope(shape: OidcAppShape): string | undefined {
  return shape.claims ? `${shape.clientId}_claims` : undefined;
}

/** Apps that get a client: OIDC apps present (enabled) in the spec, when SSO is Authelia. */
export function oidcApps(spec: HomelabSpec, apps: readonly AppSpec[]): AppSpec[] {
  if (spec.sso.provider !== "authelia" || spec.mode !== "domain") return [];
  return apps.filter((a) => a.name in OIDC_APPS).sort((a, b) => a.name.localeCompare(b.name));
}

/** The client of one app (undefined when it does not sign in through Authelia). */
export function oidcShape(spec: HomelabSpec, app: AppSpec): OidcAppShape | undefined {
  return oidcApps(spec, [app]).length > 0 ? OIDC_APPS[app.name] : undefined;
}

/** Passlib's "adapted base64" that Authelia's digests use: `.` for `+`, no padding. */
function ab64(buf: Buffer): string {
  return buf.toString("base64").replace(/=+$/, "").replace(/\+/g, ".");
}

/**
 * Authelia's PBKDF2-SHA512 digest of a client secret. The salt is a stored random value, so
 * the digest (and Authelia's configuration) changes only when the secret does.
 */
export function clientSecretDigest(secret: string, salt: Buffer, iterations = 310000): string {
  const key = `${iterations}$${salt.toString("hex")}$${secret}`;
  const known = digests.get(key);
  if (known) return known;
  const hash = pbkdf2Sync(secret, salt, iterations, 64, "sha512");
  const digest = `$pbkdf2-sha512$${iterations}$${ab64(salt)}$${ab64(hash)}`;
  digests.set(key, digest);
  return digest;
}

/**
 * Digests already computed in this process: 310,000 rounds cost ~0.1 s each, and a preview
 * evaluates every client's once, but a process that evaluates many stacks would repeat them.
 */
const digests = new Map<string, string>();

/** The clients, given each client id's secret digest. */
export function oidcClients(
  spec: HomelabSpec,
  apps: readonly AppSpec[],
  digestOf: (clientId: string) => string,
): OidcClient[] {
  return oidcApps(spec, apps).map((app) => {
    const shape = OIDC_APPS[app.name];
    const base = `https://${appHost(spec, app)}`;
    return {
      client_id: shape.clientId,
      client_name: app.name,
      client_secret: digestOf(shape.clientId),
      public: false,
      // Two-factor apps stay two-factor when reached through sign-in; an app with its own login
      // (bypass) or a one-factor route asks for what its own password would have been.
      authorization_policy: app.auth === "two_factor" ? "two_factor" : "one_factor",
      consent_mode: "implicit",
      redirect_uris: [
        ...shape.redirectPaths.map((p) => `${base}${p}`),
        ...(shape.extraRedirects ?? []),
      ],
      scopes: ["openid", "profile", "email", "groups", ...[claimsScope(shape) ?? []].flat()],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: shape.tokenAuth,
      claims_policy: shape.clientId,
    };
  });
}

/**
 * Claims policies (one per client), user attributes and scopes. Authelia's ID token carries
 * only the identity by default and the rest comes from userinfo; every client's policy also
 * puts the profile, e-mail and groups into the ID token, because some apps decide roles from
 * the ID token alone (Grafana tries it first, user_oidc reads only it). Claims only one app
 * reads (`claims`) are user attributes released through that app's own scope.
 */
function claimsPolicies(spec: HomelabSpec, apps: readonly AppSpec[]) {
  const attributes: Record<string, { expression: string }> = {};
  const policies: Record<string, { id_token: string[]; custom_claims?: Record<string, object> }> =
    {};
  const scopes: Record<string, { claims: string[] }> = {};
  for (const shape of oidcApps(spec, apps).map((a) => OIDC_APPS[a.name])) {
    const names = Object.keys(shape.claims ?? {});
    for (const [name, expression] of Object.entries(shape.claims ?? {}))
      attributes[name] = { expression };
    policies[shape.clientId] = {
      id_token: ["email", "name", "preferred_username", "groups", ...names],
      ...(names.length > 0 ? { custom_claims: Object.fromEntries(names.map((n) => [n, {}])) } : {}),
    };
    const scope = claimsScope(shape);
    if (scope) scopes[scope] = { claims: names };
  }
  return { attributes, policies, scopes };
}

/**
 * The `identity_providers` block as YAML text, or "" without clients. The `jwks` entry is a
 * template that must reach the file unquoted (its `msquote` does the quoting), so it is
 * inserted as text, not through a YAML string.
 */
export function oidcProviderYaml(
  spec: HomelabSpec,
  apps: readonly AppSpec[],
  digestOf: (clientId: string) => string,
): string {
  const clients = oidcClients(spec, apps, digestOf);
  if (clients.length === 0) return "";
  const { attributes, policies, scopes } = claimsPolicies(spec, apps);
  const oidc = {
    claims_policies: policies,
    ...(Object.keys(scopes).length > 0 ? { scopes } : {}),
    clients,
  };
  const doc =
    Object.keys(attributes).length > 0
      ? { definitions: { user_attributes: attributes }, identity_providers: { oidc } }
      : { identity_providers: { oidc } };
  const body = stringify(doc, { lineWidth: 0 });
  const jwks = `    jwks:\n      - key: {{ secret "${OIDC_JWKS_KEY}" | mindent 10 "|" | msquote }}\n`;
  return body.replace("  oidc:\n", `  oidc:\n${jwks}`);
}

/**
 * Shell run before Authelia starts: makes the signing key once (Authelia's own CLI, in the
 * state directory), never replacing one that exists, so sessions and tokens survive.
 */
export function jwksKeyScript(): string[] {
  return [
    `if [ ! -s ${OIDC_JWKS_KEY} ]; then`,
    `  mkdir -p ${OIDC_JWKS_DIR}`,
    `  authelia crypto pair rsa generate --bits 2048 --directory ${OIDC_JWKS_DIR}`,
    "fi",
  ];
}

/** Issuer URL apps discover Authelia at. */
export function issuerUrl(spec: HomelabSpec, apps: readonly AppSpec[]): string {
  return `https://${portalHost(spec, apps)}`;
}

/** Authelia's whole configuration file, with its OpenID Connect clients when there are any. */
export function autheliaConfigWithClients(
  spec: HomelabSpec,
  apps: readonly AppSpec[],
  digestOf: (clientId: string) => string,
): string {
  return autheliaConfig(spec, apps) + oidcProviderYaml(spec, apps, digestOf);
}
