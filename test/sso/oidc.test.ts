import { parse } from "yaml";
import {
  clientSecretDigest,
  oidcApps,
  oidcProviderYaml,
  type OidcClient,
} from "../../plan/sso/oidc";
import { signInOf } from "../../plan/sso/appSignIn";
import { app, domainSpec, localhostSpec, withApp } from "../proxy/fixture";
import { verifies } from "./verifies";

const secrets: Record<string, string> = {
  grafana: "grafana-secret-0123456789",
  immich: "immich-secret-0123456789",
  nextcloud: "nextcloud-secret-0123456789",
  gitea: "gitea-secret-0123456789",
  outline: "outline-secret-0123456789",
};
const digestOf = (id: string): string =>
  clientSecretDigest(secrets[id], Buffer.from(`salt-${id}-0123`));

function withOidcApps() {
  let spec = domainSpec();
  for (const name of ["grafana", "immich-server", "nextcloud", "gitea", "outline"])
    if (!spec.apps.some((a) => a.name === name)) spec = withApp(spec, app(name, "atlas"));
  return spec;
}

/** The clients as Authelia reads them: parsed back from the generated YAML text. */
function clientsOf(spec: ReturnType<typeof domainSpec>): OidcClient[] {
  const doc = parse(oidcProviderYaml(spec, spec.apps, digestOf).replace(/\{\{.*\}\}/, "KEY")) as {
    identity_providers: { oidc: { clients: OidcClient[] } };
  };
  return doc.identity_providers.oidc.clients;
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
      "app.immich:///oauth-callback",
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

  it("reads the signing key from the container, as an unquoted template under jwks", () => {
    const text = oidcProviderYaml(spec, spec.apps, digestOf);
    expect(text).not.toMatch(/BEGIN (RSA )?PRIVATE KEY/);
    // Authelia's documented form: the template itself does the quoting and indenting.
    expect(text).toContain(
      '    jwks:\n      - key: {{ secret "/config/oidc/private.pem" | mindent 10 "|" | msquote }}\n',
    );
  });

  it("puts groups into every client's ID token, and app-only claims only into their app's", () => {
    const doc = parse(oidcProviderYaml(spec, spec.apps, digestOf).replace(/\{\{.*\}\}/, "KEY")) as {
      identity_providers: {
        oidc: { claims_policies: Record<string, { id_token: string[] }>; clients: OidcClient[] };
      };
    };
    const { claims_policies: policies, clients: all } = doc.identity_providers.oidc;
    for (const c of all) expect(policies[c.claims_policy].id_token).toContain("groups");
    expect(policies.immich.id_token).toContain("immich_role");
    expect(policies.grafana.id_token).not.toContain("immich_role");
    expect(policies.nextcloud.id_token).toContain("nextcloud_groups");
  });

  it("asks for two factors only where the app's route does", () => {
    // Catalog routes: Grafana two_factor, Gitea and Outline one_factor, Immich and Nextcloud
    // their own login (bypass).
    expect(Object.fromEntries(clients.map((c) => [c.client_id, c.authorization_policy]))).toEqual({
      gitea: "one_factor",
      grafana: "two_factor",
      immich: "one_factor",
      nextcloud: "one_factor",
      outline: "one_factor",
    });
    const strict = {
      ...spec,
      apps: spec.apps.map((a) =>
        a.name === "outline" ? { ...a, auth: "two_factor" as const } : a,
      ),
    };
    expect(clientsOf(strict).find((c) => c.client_id === "outline")?.authorization_policy).toBe(
      "two_factor",
    );
  });

  it("lets the phone app of Immich back in through its own scheme", () => {
    expect(byId("immich")?.redirect_uris).toContain("app.immich:///oauth-callback");
  });

  it("registers no client for an app that is not enabled", () => {
    const without = { ...spec, apps: spec.apps.filter((a) => a.name !== "outline") };
    expect(clientsOf(without).map((c) => c.client_id)).not.toContain("outline");
  });

  it("registers nothing when SSO is not Authelia or not in domain mode", () => {
    expect(
      oidcProviderYaml({ ...spec, sso: { ...spec.sso, provider: "none" } }, spec.apps, digestOf),
    ).toBe("");
    const local = localhostSpec();
    expect(oidcApps(local, [...local.apps, app("grafana", "atlas")])).toEqual([]);
  });
});

describe("signInOf", () => {
  const spec = withOidcApps();
  const of = (name: string) => {
    const found = spec.apps.find((a) => a.name === name);
    if (!found) throw new Error(name);
    return signInOf(spec, found);
  };

  it("points Grafana at Authelia's endpoints on the portal host, its secret read from a file", () => {
    const env = of("grafana")?.env ?? {};
    expect(env.GF_AUTH_GENERIC_OAUTH_AUTH_URL).toBe(
      "https://auth.lab.example.org/api/oidc/authorization",
    );
    expect(env.GF_AUTH_GENERIC_OAUTH_TOKEN_URL).toBe("https://auth.lab.example.org/api/oidc/token");
    expect(env.GF_AUTH_GENERIC_OAUTH_API_URL).toBe(
      "https://auth.lab.example.org/api/oidc/userinfo",
    );
    expect(env.GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET__FILE).toBe("/run/secrets/oidc_client_secret");
    expect(of("grafana")?.secretEnv).toBeUndefined();
  });

  it("makes members of admins Grafana admins", () => {
    const path = of("grafana")?.env.GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH ?? "";
    expect(path).toContain("'admins'");
    expect(path).toContain("'Admin'");
  });

  it("sends Outline to Authelia with its secret in a secret env entry", () => {
    const outline = of("outline");
    expect(outline?.env.OIDC_AUTH_URI).toBe("https://auth.lab.example.org/api/oidc/authorization");
    expect(outline?.env.OIDC_CLIENT_ID).toBe("outline");
    expect(Object.keys(outline?.env ?? {})).not.toContain("OIDC_CLIENT_SECRET");
    expect(outline?.secretEnv).toBe("OIDC_CLIENT_SECRET");
  });

  it("gives nothing in localhost mode", () => {
    const local = localhostSpec();
    expect(signInOf(local, app("grafana", "atlas"))).toBeUndefined();
  });
});
