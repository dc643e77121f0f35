/**
 * One sign-in end to end under the mock engine: what Authelia's container receives and what
 * each sign-in app receives must agree, with no secret in Authelia's file.
 */
import { parse } from "yaml";
import type { RegisteredResource } from "../../scripts/evaluate";
import { container, envOf, run, runCached, stackConfig, withConfig } from "../helpers/harness";
import { verifies } from "./verifies";

interface Upload {
  file: string;
  content: string;
}
const uploads = (r: RegisteredResource): Upload[] => (r.inputs.uploads ?? []) as Upload[];
const upload = (r: RegisteredResource, file: string): string => {
  const found = uploads(r).find((u) => u.file === file);
  if (!found) throw new Error(`${r.name} has no ${file}`);
  return found.content;
};

/** Authelia's clients, read back from its configuration file as Authelia would. */
function clients(
  authelia: RegisteredResource,
): Record<string, { client_secret: string; redirect_uris: string[] }> {
  const text = upload(authelia, "/etc/authelia/configuration.yml");
  // The jwks template is Authelia's to expand; anything else is plain YAML.
  const doc = parse(text.replace(/\{\{ secret [^}]*\}\}/, "KEY")) as {
    identity_providers?: {
      oidc: { clients: { client_id: string; client_secret: string; redirect_uris: string[] }[] };
    };
  };
  return Object.fromEntries(
    (doc.identity_providers?.oidc.clients ?? []).map((c) => [c.client_id, c]),
  );
}

describe("one sign-in on the everything stack", () => {
  it("gives Grafana and Outline each a client whose digest matches the secret the app holds", async () => {
    const ev = await runCached("good/everything.yaml");
    const byId = clients(container(ev, "authelia"));
    const grafanaSecret = upload(container(ev, "grafana"), "/run/secrets/oidc_client_secret");
    const outlineSecret = envOf(container(ev, "outline")).OIDC_CLIENT_SECRET;
    expect(grafanaSecret.length).toBeGreaterThanOrEqual(32);
    expect(outlineSecret.length).toBeGreaterThanOrEqual(32);
    expect(grafanaSecret).not.toBe(outlineSecret);
    expect(verifies(byId.grafana.client_secret, grafanaSecret)).toBe(true);
    expect(verifies(byId.outline.client_secret, outlineSecret)).toBe(true);
    expect(verifies(byId.grafana.client_secret, outlineSecret)).toBe(false);
  });

  it("gives Immich, Nextcloud and Gitea clients whose digests match what each app holds", async () => {
    const ev = await runCached("good/everything.yaml");
    const byId = clients(container(ev, "authelia"));
    const immich = container(ev, "immich-server");
    const settings = JSON.parse(upload(immich, envOf(immich).IMMICH_CONFIG_FILE)) as {
      oauth: { clientId: string; clientSecret: string; issuerUrl: string; scope: string };
    };
    expect(settings.oauth.clientId).toBe("immich");
    expect(settings.oauth.issuerUrl).toBe(
      "https://auth.home.example.com/.well-known/openid-configuration",
    );
    expect(verifies(byId.immich.client_secret, settings.oauth.clientSecret)).toBe(true);
    for (const id of ["nextcloud", "gitea"]) {
      const secret = upload(container(ev, id), "/run/secrets/oidc_client_secret");
      expect(verifies(byId[id].client_secret, secret)).toBe(true);
    }
  });

  it("adds Gitea's auth source with a wiring step in Gitea's container and lets its users register", async () => {
    const ev = await runCached("good/everything.yaml");
    const step = ev.resources.find((r) => r.name === "gitea-wire-sign-in");
    expect(step?.type).toMatch(/^command:(remote|local):Command$/);
    expect(String(step?.inputs.create)).toContain("exec -i 'gitea' sh -s");
    const env = envOf(container(ev, "gitea"));
    expect(env.GITEA__oauth2_client__ENABLE_AUTO_REGISTRATION).toBe("true");
    expect(env.GITEA__oauth2_client__USERNAME).toBe("preferred_username");
  });

  it("keeps every client secret out of Authelia's file and out of its env", async () => {
    const ev = await runCached("good/everything.yaml");
    const authelia = container(ev, "authelia");
    const config = upload(authelia, "/etc/authelia/configuration.yml");
    for (const id of ["grafana", "nextcloud", "gitea"]) {
      const secret = upload(container(ev, id), "/run/secrets/oidc_client_secret");
      expect(config).not.toContain(secret);
      expect(JSON.stringify(authelia.inputs.envs)).not.toContain(secret);
    }
  });

  it("makes Authelia's signing key on its first start and reads it through the template filter", async () => {
    const ev = await runCached("good/everything.yaml");
    const authelia = container(ev, "authelia");
    const script = (authelia.inputs.command as string[]).join(" ");
    const keyAt = script.indexOf("authelia crypto pair rsa generate");
    expect(keyAt).toBeGreaterThan(-1);
    expect(keyAt).toBeLessThan(script.indexOf("exec authelia"));
    expect(script).toContain("if [ ! -s /config/oidc/private.pem ]");
    expect(envOf(authelia).X_AUTHELIA_CONFIG_FILTERS).toBe("template");
    const hmacFile = envOf(authelia).AUTHELIA_IDENTITY_PROVIDERS_OIDC_HMAC_SECRET_FILE;
    expect(upload(authelia, hmacFile).length).toBeGreaterThanOrEqual(32);
  });

  it("tells Grafana its public URL, which its sign-in callback is built from", async () => {
    const ev = await runCached("good/everything.yaml");
    const env = envOf(container(ev, "grafana"));
    const byId = clients(container(ev, "authelia"));
    expect(byId.grafana.redirect_uris).toEqual([`${env.GF_SERVER_ROOT_URL}login/generic_oauth`]);
  });
});

describe("a stack with no sign-in app", () => {
  it("serves no OpenID Connect and leaves Authelia as it was", async () => {
    const base = stackConfig("good/everything.yaml");
    const variant = withConfig(base, (c) => {
      const apps = (c["homelab:apps"] ?? {}) as Record<string, unknown>;
      for (const name of ["grafana", "outline", "gitea", "nextcloud", "immich-server"])
        apps[name] = { ...((apps[name] as object | undefined) ?? {}), enabled: false };
      c["homelab:apps"] = apps;
    });
    const ev = await run(variant);
    const authelia = container(ev, "authelia");
    expect(upload(authelia, "/etc/authelia/configuration.yml")).not.toContain("identity_providers");
    expect(envOf(authelia).X_AUTHELIA_CONFIG_FILTERS).toBeUndefined();
    expect(ev.resources.filter((r) => r.type.startsWith("homelab:sso:"))).toEqual([]);
  });
});
