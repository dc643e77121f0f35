import { pbkdf2Sync } from "node:crypto";
import {
  clientSecretDigest,
  grafanaOidcEnv,
  oidcApps,
  oidcProvider,
  outlineOidcEnv,
  type OidcClient,
} from "../../plan/sso/oidc";
import { app, domainSpec, localhostSpec, withApp } from "../proxy/fixture";

/** Checks an Authelia `$pbkdf2-sha512$` digest with node's own PBKDF2 (not the code under test). */
function verifies(digest: string, secret: string): boolean {
  const [, alg, iter, salt, hash] = digest.split("$");
  if (alg !== "pbkdf2-sha512") return false;
  const ab = (s: string): Buffer => Buffer.from(s.replace(/\./g, "+"), "base64");
  return pbkdf2Sync(secret, ab(salt), Number(iter), 64, "sha512").equals(ab(hash));
}

const secrets: Record<string, string> = {
  grafana: "grafana-secret-0123456789",
  immich: "immich-secret-0123456789",
  nextcloud: "nextcloud-secret-0123456789",
  gitea: "gitea-secret-0123456789",
  outline: "outline-secret-0123456789",
};
const secretOf = (name: string): { secret: string; salt: Buffer } => ({
  secret: secrets[name],
  salt: Buffer.from(`salt-${name}-0123`),
});

function withOidcApps() {
  let spec = domainSpec();
  for (const name of ["grafana", "immich", "nextcloud", "gitea", "outline"])
    if (!spec.apps.some((a) => a.name === name)) spec = withApp(spec, app(name, "atlas"));
  return spec;
}

function clientsOf(spec: ReturnType<typeof domainSpec>): OidcClient[] {
  const block = oidcProvider(spec, spec.apps, secretOf) as { oidc: { clients: OidcClient[] } };
  return block.oidc.clients;
}

describe("clientSecretDigest", () => {
  it("matches the digest Authelia's documentation gives for 'insecure_secret'", () => {
    // authelia/authelia@v4.39.20:docs/content/configuration/identity-providers/openid-connect/clients.md
    const salt = Buffer.from("c8p78n7pUMln0jzvd4aK4Q", "base64");
    expect(clientSecretDigest("insecure_secret", salt)).toBe(
      "$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng",
    );
  });
});

describe("oidcProvider", () => {
  const spec = withOidcApps();
  const clients = clientsOf(spec);
  const byId = (id: string): OidcClient | undefined => clients.find((c) => c.client_id === id);

  it("has one client per enabled sign-in app", () => {
    expect(clients.map((c) => c.client_id).sort()).toEqual(
      ["gitea", "grafana", "immich", "nextcloud", "outline"].sort(),
    );
  });

  it("uses each app's own callback path on its https host", () => {
    expect(byId("grafana")?.redirect_uris).toEqual([
      "https://grafana.lab.example.org/login/generic_oauth",
    ]);
    expect(byId("outline")?.redirect_uris).toEqual([
      "https://wiki.lab.example.org/auth/oidc.callback",
    ]);
    expect(byId("nextcloud")?.redirect_uris).toEqual([
      "https://nextcloud.lab.example.org/apps/user_oidc/code",
    ]);
    expect(byId("gitea")?.redirect_uris).toEqual([
      "https://git.lab.example.org/user/oauth2/authelia/callback",
    ]);
    expect(byId("immich")?.redirect_uris).toEqual([
      "https://photos.lab.example.org/auth/login",
      "https://photos.lab.example.org/user-settings",
    ]);
  });

  it("stores only a digest that verifies against each app's secret", () => {
    for (const c of clients) {
      expect(c.client_secret).not.toContain(secrets[c.client_id]);
      expect(verifies(c.client_secret, secrets[c.client_id])).toBe(true);
      expect(verifies(c.client_secret, "wrong")).toBe(false);
    }
  });

  it("asks for the groups scope, so apps can map admins", () => {
    for (const c of clients) expect(c.scopes).toContain("groups");
  });

  it("reads the signing key from the container, never carrying a key itself", () => {
    const block = oidcProvider(spec, spec.apps, secretOf) as { oidc: { jwks: { key: string }[] } };
    expect(JSON.stringify(block)).not.toMatch(/BEGIN (RSA )?PRIVATE KEY/);
    expect(block.oidc.jwks[0].key).toMatch(/^\{\{ secret "\/config\/oidc\/jwks\/rsa\.2048\.key"/);
  });

  it("registers no client for an app that is not enabled", () => {
    const without = { ...spec, apps: spec.apps.filter((a) => a.name !== "outline") };
    expect(clientsOf(without).map((c) => c.client_id)).not.toContain("outline");
  });

  it("registers nothing when SSO is not Authelia or not in domain mode", () => {
    expect(
      oidcProvider({ ...spec, sso: { ...spec.sso, provider: "none" } }, spec.apps, secretOf),
    ).toBeUndefined();
    const local = localhostSpec();
    expect(oidcApps(local, [...local.apps, app("grafana", "atlas")])).toEqual([]);
  });
});

describe("grafanaOidcEnv", () => {
  const spec = withOidcApps();
  const env = grafanaOidcEnv(spec, spec.apps, "/run/secrets/oidc_client_secret");

  it("points at Authelia's endpoints on the portal host", () => {
    expect(env.GF_AUTH_GENERIC_OAUTH_AUTH_URL).toBe(
      "https://auth.lab.example.org/api/oidc/authorization",
    );
    expect(env.GF_AUTH_GENERIC_OAUTH_TOKEN_URL).toBe("https://auth.lab.example.org/api/oidc/token");
    expect(env.GF_AUTH_GENERIC_OAUTH_API_URL).toBe(
      "https://auth.lab.example.org/api/oidc/userinfo",
    );
  });

  it("makes members of admins Grafana admins and reads the secret from a file", () => {
    expect(env.GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH).toContain("'admins'");
    expect(env.GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH).toContain("'Admin'");
    expect(env.GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET).toBe(
      "$__file{/run/secrets/oidc_client_secret}",
    );
  });
});

describe("outlineOidcEnv", () => {
  it("sends Outline to Authelia on the portal host, with no secret in its env", () => {
    const spec = withOidcApps();
    const env = outlineOidcEnv(spec, spec.apps);
    expect(env.OIDC_AUTH_URI).toBe("https://auth.lab.example.org/api/oidc/authorization");
    expect(env.OIDC_TOKEN_URI).toBe("https://auth.lab.example.org/api/oidc/token");
    expect(env.OIDC_CLIENT_ID).toBe("outline");
    expect(Object.keys(env)).not.toContain("OIDC_CLIENT_SECRET");
  });
});
