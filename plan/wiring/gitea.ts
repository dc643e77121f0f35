import { ADMIN_GROUP } from "../proxy/authelia";
import { OIDC_SECRET_FILE } from "../sso/oidc";
import { shellQuote } from "../shell";
import type { WiringStep } from "./step";

/** The authentication source's name: part of Gitea's callback URL (`/user/oauth2/<name>/callback`). */
export const GITEA_OIDC_SOURCE = "authelia";

/**
 * Gitea signs in through Authelia: an OAuth2 authentication source, which lives in Gitea's
 * database, so its own CLI adds it (`gitea admin auth add-oauth`) or, when it exists, updates
 * the fields this step owns (`update-oauth --id`), go-gitea/gitea cmd/admin_auth_oauth.go
 * (1.24 line). Members of `admins` are Gitea admins, set again at every sign-in
 * (`--admin-group`, routers/web/auth/oauth.go). The CLI takes the client secret only as an
 * argument (no flag reads env or a file), so it is read from the container's secret file into
 * the argument inside the container: it is visible in the process list for the second the
 * command runs. Adding the source fetches Authelia's discovery document, so Authelia must
 * answer first.
 */
export function giteaOidcStep(issuer: string, secretFile = OIDC_SECRET_FILE): WiringStep {
  const discovery = `${issuer}/.well-known/openid-configuration`;
  const fields = [
    "--provider openidConnect",
    "--key gitea",
    '--secret "$secret"',
    `--auto-discover-url ${shellQuote(discovery)}`,
    "--scopes openid --scopes email --scopes profile --scopes groups",
    "--group-claim-name groups",
    `--admin-group ${shellQuote(ADMIN_GROUP)}`,
  ].join(" ");
  return {
    app: "gitea",
    step: "sign-in",
    runsIn: "gitea",
    script: [
      `ready ${shellQuote(discovery)}`,
      "ready http://127.0.0.1:3000/api/healthz",
      `secret=$(cat ${shellQuote(secretFile)})`,
      // `auth list` prints a table: ID, Name, Type, Enabled (cmd/admin_auth.go); names have no spaces.
      `id=$(gitea admin auth list | awk '$2 == "${GITEA_OIDC_SOURCE}" { print $1 }')`,
      'if [ -z "$id" ]; then',
      `  gitea admin auth add-oauth --name ${GITEA_OIDC_SOURCE} ${fields} --skip-local-2fa >/dev/null ||`,
      '    fail "gitea admin auth add-oauth failed"',
      "else",
      `  gitea admin auth update-oauth --id "$id" ${fields} >/dev/null ||`,
      '    fail "gitea admin auth update-oauth failed"',
      "fi",
    ].join("\n"),
    secrets: [],
    // Authelia runs in another profile: `ready` on its discovery document waits for it.
    calls: [],
    tools: ["curl", "gitea"],
  };
}
