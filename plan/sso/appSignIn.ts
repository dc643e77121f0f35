/**
 * How each app is told about its Authelia client: env, and where its client secret goes.
 * Pure: the secret value is the component's; here only where it is read from.
 */
import type { AppSpec, HomelabSpec } from "../../config/spec";
import { OIDC_ADMIN_GROUP, issuerUrl, oidcShape } from "./oidc";

/** Where an app's client secret is placed inside its container. */
export const OIDC_SECRET_FILE = "/run/secrets/oidc_client_secret";

/** What one app needs to sign in through Authelia. */
export interface SignIn {
  clientId: string;
  env: Record<string, string>;
  /** The secret goes into this env var (apps that read no file), else into {@link OIDC_SECRET_FILE}. */
  secretEnv?: string;
  /** Files rendered from the secret (an app whose config file carries it). */
  secretFiles?: readonly { path: string; render(secret: string): string }[];
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
      // Members of admins are Grafana server admins; everyone else may only look.
      GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH: `contains(groups, '${OIDC_ADMIN_GROUP}') && 'Admin' || 'Viewer'`,
      GF_AUTH_GENERIC_OAUTH_ALLOW_ASSIGN_GRAFANA_ADMIN: "true",
    },
  };
}

/**
 * Outline's generic OIDC provider (outline/outline@v0.87.4:.env.sample); Outline reads only
 * env, so the secret is a secret env entry. The first account to sign in owns the workspace.
 */
function outline(issuer: string): Omit<SignIn, "clientId"> {
  return {
    env: {
      OIDC_CLIENT_ID: "outline",
      OIDC_AUTH_URI: authorize(issuer),
      OIDC_TOKEN_URI: token(issuer),
      OIDC_USERINFO_URI: userinfo(issuer),
      OIDC_USERNAME_CLAIM: "preferred_username",
      OIDC_DISPLAY_NAME: "Authelia",
      OIDC_SCOPES: "openid profile email",
    },
    secretEnv: "OIDC_CLIENT_SECRET",
  };
}

const BUILDERS: Readonly<Record<string, (issuer: string) => Omit<SignIn, "clientId">>> = {
  grafana,
  outline,
};

/** The sign-in of `app`, or undefined when it does not sign in through Authelia here. */
export function signInOf(spec: HomelabSpec, app: AppSpec): SignIn | undefined {
  const shape = oidcShape(spec, app);
  const build = BUILDERS[app.name];
  if (!shape || !build) return undefined;
  return { clientId: shape.clientId, ...build(issuerUrl(spec, spec.apps)) };
}
