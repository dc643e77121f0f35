/**
 * No first-run page is left to the first visitor (DESIGN §6). Checked over every container of
 * every good stack against each app's `firstRun` story, and against facts written out here by
 * hand from the apps' upstream sources: which requests would claim an app that is not set up,
 * how each seeded app receives its admin secret, which env closes its sign-ups.
 */
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { deploy } from "../../program";
import { CATALOG, definitionOf } from "../../catalog";
import { authOverrideProblem, appsNeedingSso } from "../../plan/overrides";
import {
  CONTAINER,
  evaluate,
  type Evaluation,
  type RegisteredResource,
} from "../../scripts/evaluate";
import { LABELS } from "../../plan/labels";
import { CADDYFILE_PATH } from "../../plan/proxy/caddy";
import { appRoute, caddyTree } from "../proxy/caddyTree";
import {
  containers,
  envOf,
  goodStacks,
  labelsOf,
  run,
  runCached,
  stackConfig,
  withConfig,
  writtenContent,
} from "../helpers/harness";

/**
 * Requests a stranger would send to claim an app nobody has set up yet, read from upstream
 * (the sources are in each app's `firstRun`). None of them may pass SSO.
 */
const CLAIM_REQUESTS: Readonly<Record<string, readonly string[]>> = {
  seerr: ["/api/v1/auth/plex", "/api/v1/auth/jellyfin", "/setup"],
  karakeep: ["/api/trpc/users.create", "/api/trpc/users.create?batch=1", "/signup"],
  wizarr: ["/api/setup/accounts", "/api/settings", "/api/backup/restore", "/setup"],
  n8n: ["/setup", "/rest/owner/setup"],
  organizr: ["/api/v2/wizard", "/"],
  outline: ["/auth/oidc", "/"],
  sonarr: ["/api/v3/config/host", "/"],
  radarr: ["/api/v3/config/host", "/"],
  lidarr: ["/api/v1/config/host", "/"],
  prowlarr: ["/api/v1/config/host", "/"],
  bazarr: ["/api/system/settings", "/"],
  // Its API bypasses SSO, but with no admin and no sign-ups nothing there creates one.
  gitea: ["/user/sign_up", "/install"],
};

/** How each seeded app receives its admin secret: an env var, or an uploaded file. */
const SEEDED: Readonly<Record<string, { secret: string; env?: string; file?: string }>> = {
  authelia: { secret: "admin_password", file: "/run/secrets/admin_password.bcrypt" },
  backrest: { secret: "adminPassword", file: "/run/secrets/adminPassword.bcrypt" },
  bookstack: { secret: "adminPassword", env: "HOMELAB_ADMIN_PASSWORD" },
  collabora: { secret: "adminPassword", env: "password" },
  cs2: { secret: "rconPassword", env: "CS2_RCONPW" },
  grafana: { secret: "admin_password", file: "/run/secrets/admin_password" },
  homeassistant: { secret: "adminPassword", env: "HOMELAB_ADMIN_PASSWORD" },
  "immich-server": { secret: "adminPassword", env: "HOMELAB_ADMIN_PASSWORD" },
  jellyfin: { secret: "adminPassword", env: "HOMELAB_ADMIN_PASSWORD" },
  jupyter: { secret: "token", env: "JUPYTER_TOKEN" },
  mosquitto: { secret: "password", file: "/run/secrets/password" },
  navidrome: { secret: "adminPassword", env: "ND_DEVAUTOCREATEADMINPASSWORD" },
  nextcloud: { secret: "adminPassword", env: "NEXTCLOUD_ADMIN_PASSWORD" },
  pihole: { secret: "adminPassword", env: "FTLCONF_webserver_api_password" },
  // Off the edge only: read into its first sabnzbd.ini by the seed script.
  sabnzbd: { secret: "loginPassword", file: "/run/secrets/loginPassword" },
  "uptime-kuma": { secret: "adminPassword", env: "HOMELAB_ADMIN_PASSWORD" },
  vaultwarden: { secret: "adminToken", env: "ADMIN_TOKEN" },
  "wg-easy": { secret: "adminPassword", env: "INIT_PASSWORD" },
  wordpress: { secret: "adminPassword", env: "HOMELAB_ADMIN_PASSWORD" },
};

/** Apps seeded through their own setup API by the health check: the endpoints it calls. */
const SETUP_CALLS: Readonly<Record<string, readonly string[]>> = {
  jellyfin: ["/Startup/User", "/Startup/Complete", "/System/Info/Public"],
  homeassistant: ["/api/onboarding/users", "/api/onboarding"],
  "immich-server": ["/api/auth/admin-sign-up", "/api/server/config"],
  wordpress: ["/wp-admin/install.php?step=2", "/wp-admin/install.php"],
  // Socket.io events of server/server.js@1.23.17, on Kuma's own port.
  "uptime-kuma": ['"needSetup"', '"setup"', "127.0.0.1:3001"],
};

/** The env that closes self-registration, and its closed value. */
const SIGN_UPS: Readonly<Record<string, readonly [string, string]>> = {
  gitea: ["GITEA__service__DISABLE_REGISTRATION", "true"],
  grafana: ["GF_USERS_ALLOW_SIGN_UP", "false"],
  vaultwarden: ["SIGNUPS_ALLOWED", "false"],
  karakeep: ["DISABLE_SIGNUPS", "true"],
};

const appOf = (c: RegisteredResource): string => labelsOf(c)["homelab.app"] ?? "";
const firstRunOf = (name: string) => CATALOG.get(name)?.contract?.firstRun;

interface Route {
  host: string;
  middlewares: string[];
}

/** An app's router as Traefik gets it: container labels on the edge, a file route elsewhere. */
/**
 * Caddy's route of an app in its one Caddyfile (wildcard site, one `@<app> host` matcher per
 * app): forward-auth shows as the same marker as Traefik's middleware.
 */
function caddyRouteOf(ev: Evaluation, name: string): Route | undefined {
  const caddy = ev.resources.find(
    (r) => r.type === CONTAINER && labelsOf(r)[LABELS.app] === "caddy",
  );
  if (!caddy) return undefined;
  const uploads = (caddy.inputs.uploads ?? []) as { file: string; content: string }[];
  const text = uploads.find((u) => u.file === CADDYFILE_PATH)?.content ?? "";
  const host = new RegExp(`^\\s*@${name} host (\\S+)$`, "m").exec(text)?.[1];
  const route = host ? appRoute(caddyTree(text), name, "") : undefined;
  if (!host || !route) return undefined;
  return {
    host,
    middlewares: route.lines.includes("import authelia") ? ["authelia@file"] : [],
  };
}

function routeOf(ev: Evaluation, c: RegisteredResource, name: string): Route | undefined {
  const viaCaddy = caddyRouteOf(ev, name);
  if (viaCaddy) return viaCaddy;
  const labels = labelsOf(c);
  const host = (rule: string) => /Host\(`([^`]+)`\)/.exec(rule)?.[1] ?? "";
  const mw = labels[`traefik.http.routers.${name}.middlewares`];
  if (mw !== undefined)
    return { host: host(labels[`traefik.http.routers.${name}.rule`]), middlewares: mw.split(",") };
  for (const r of ev.resources.filter((x) => x.type.startsWith("command:"))) {
    const create = String(r.inputs.create ?? "");
    if (!create.includes(`/app-${name}.yml.tmp`)) continue;
    const doc = parse(writtenContent(r)) as {
      http: { routers: Record<string, { rule: string; middlewares: string[] }> };
    };
    const router = doc.http.routers[name];
    return { host: host(router.rule), middlewares: router.middlewares };
  }
  return undefined;
}

interface Rule {
  domain: string[];
  policy: string;
  resources?: string[];
}

/** Authelia's access rules as uploaded into its container. */
function autheliaRules(ev: Evaluation): Rule[] | undefined {
  const authelia = containers(ev).find((c) => appOf(c) === "authelia");
  if (!authelia) return undefined;
  const uploads = authelia.inputs.uploads as { file: string; content: string }[];
  const config = uploads.find((u) => u.file.endsWith("/configuration.yml"));
  const doc = parse(config?.content ?? "") as { access_control: { rules: Rule[] } };
  return doc.access_control.rules;
}

/** The policy Authelia applies to a request: its first matching rule, else deny. */
function policyFor(rules: readonly Rule[], host: string, path: string): string {
  const rule = rules.find(
    (r) =>
      r.domain.some((d) => d === host || (d.startsWith("*.") && host.endsWith(d.slice(1)))) &&
      (r.resources === undefined || r.resources.some((re) => new RegExp(re).test(path))),
  );
  return rule?.policy ?? "deny";
}

/** `K=V` of an env entry and whether the container's inputs mark it secret. */
function secretEnv(c: RegisteredResource, key: string): { value?: string; secret: boolean } {
  const envs = (c.inputs.envs ?? []) as string[];
  const at = envs.findIndex((e) => e.startsWith(`${key}=`));
  return {
    value: at < 0 ? undefined : envs[at].slice(key.length + 1),
    secret: c.secretPaths.some((p) => p === "envs" || p === `envs.${at}`),
  };
}

function secretUpload(c: RegisteredResource, file: string): { value?: string; secret: boolean } {
  const uploads = (c.inputs.uploads ?? []) as { file: string; content: string }[];
  const at = uploads.findIndex((u) => u.file === file);
  return {
    value: uploads[at]?.content,
    secret: c.secretPaths.some((p) => p === "uploads" || p === `uploads.${at}.content`),
  };
}

describe("the catalog's first-run stories", () => {
  const routedOrPublished = [...CATALOG.values()].filter(
    (d) => (d.route && !d.perHost) || (d.ports ?? []).length > 0,
  );

  it.each(routedOrPublished.map((d) => d.name))("%s says how its first admin exists", (name) => {
    const f = firstRunOf(name);
    expect(f).toBeDefined();
    expect(f?.source.length).toBeGreaterThan(0);
    for (const s of f?.source ?? []) expect(s).toMatch(/^[\w.-]+\/[\w.-]+ \S+.*(@|\()/);
  });

  it("seeds exactly the apps whose image can take a generated admin secret", () => {
    const seeded = [...CATALOG.values()]
      .filter((d) => d.contract?.firstRun?.admin === "seeded")
      .map((d) => d.name)
      .sort();
    expect(seeded).toEqual(Object.keys(SEEDED).sort());
    for (const [name, s] of Object.entries(SEEDED)) {
      const def = CATALOG.get(name);
      expect(def?.contract?.firstRun?.secret).toBe(s.secret);
      // Exported, so the owner can log in: `generatedSecrets` in the stack outputs.
      expect(def?.secrets?.find((x) => x.name === s.secret)?.exported).toBe(true);
    }
  });

  it("lists a claim request for every app whose first visitor sets it up", () => {
    const claimable = [...CATALOG.values()]
      .filter((d) => ["sso-until-configured", "cli"].includes(d.contract?.firstRun?.admin ?? ""))
      .map((d) => d.name)
      .sort();
    // Bazarr has no admin to claim; the Servarr apps' login is set by a wiring step right after
    // start (their claim requests are still checked below, for the time before it).
    const wiredOrNone = ["bazarr", "lidarr", "prowlarr", "radarr", "sonarr"];
    const listed = Object.keys(CLAIM_REQUESTS).filter((n) => !wiredOrNone.includes(n));
    expect(claimable).toEqual(listed.sort());
  });

  it("lets only seeded apps be public by default or opened without a word from the owner", () => {
    for (const def of CATALOG.values()) {
      if (!def.route || def.perHost) continue;
      const admin = def.contract?.firstRun?.admin;
      // `auth: bypass` or an own login that permits it: the admin must exist from the start.
      if (def.route.auth === "bypass" || def.route.ownLogin)
        expect([def.name, admin]).toEqual([def.name, "seeded"]);
    }
  });

  it("refuses auth: bypass on an app whose first visitor would claim it, until it opens once configured", () => {
    const def = (name: string) => definitionOf(name);
    for (const name of ["n8n", "organizr", "sonarr", "outline", "gitea"])
      expect(authOverrideProblem(def(name), "bypass")).toContain("no login of its own");
    for (const name of ["seerr", "karakeep", "wizarr"])
      expect(authOverrideProblem(def(name), "bypass")).toBeUndefined();
    // Without SSO in domain mode they count as needing it, until the owner opened them.
    const lookup = (name: string) => def(name);
    expect(appsNeedingSso([{ name: "seerr", auth: "one_factor" }], lookup)).toEqual(["seerr"]);
    expect(appsNeedingSso([{ name: "seerr", auth: "bypass" }], lookup)).toEqual([]);
    expect(appsNeedingSso([{ name: "jellyfin", auth: "one_factor" }], lookup)).toEqual([]);
  });

  it("makes Plex wait for its claim token", () => {
    expect(CATALOG.get("plex")?.requires).toContain("homelab:plexClaim");
  });
});

describe.each(goodStacks())("first run in %s", (stack) => {
  let ev: Evaluation;
  let outputsSecret = false;
  beforeAll(async () => {
    if (stack !== "good/everything.yaml") {
      ev = await runCached(stack);
      return;
    }
    // The stack with every app also says whether the exported secrets are secret outputs.
    let isSecret: Promise<boolean> = Promise.resolve(false);
    ev = await evaluate(stackConfig(stack), () => {
      const out = deploy();
      isSecret = pulumi.isSecret(out.generatedSecrets);
      return out;
    });
    outputsSecret = await isSecret;
  });

  it("evaluates", () => {
    expect(ev.error).toBeUndefined();
  });

  it("gives every seeded app its admin secret as a secret input, the one the stack exports", () => {
    const exported = ev.outputs.generatedSecrets as Record<string, string>;
    let seen = 0;
    for (const c of containers(ev)) {
      const seed = SEEDED[appOf(c)];
      if (!seed) continue;
      seen++;
      const id = c.name.replace(/-container$/, "");
      expect(Object.keys(exported)).toContain(`${id}.${seed.secret}`);
      const got = seed.env ? secretEnv(c, seed.env) : secretUpload(c, seed.file ?? "");
      expect([c.name, got.secret]).toEqual([c.name, true]);
      expect(got.value).toBeTruthy();
      // A digest file carries the hash, not the password; everything else the value itself.
      if (!seed.file?.endsWith(".bcrypt")) expect(got.value).toBe(exported[`${id}.${seed.secret}`]);
    }
    expect(seen).toBeGreaterThan(0);
    if (stack === "good/everything.yaml") expect(outputsSecret).toBe(true);
  });

  it("seeds through the setup API only from the health check, never with the secret on a command line", () => {
    const exported = Object.values(ev.outputs.generatedSecrets as Record<string, string>);
    for (const c of containers(ev)) {
      const calls = SETUP_CALLS[appOf(c)];
      if (!calls) continue;
      const tests = ((c.inputs.healthcheck as { tests?: string[] }).tests ?? []).join(" ");
      expect(tests.startsWith("CMD-SHELL ")).toBe(true);
      for (const call of calls) expect(tests).toContain(call);
      expect(tests).toContain('"$HOMELAB_ADMIN_PASSWORD"');
      for (const value of exported) expect(tests).not.toContain(value);
    }
  });

  it("closes sign-ups wherever a visitor could reach them without SSO", () => {
    const sso = containers(ev).some((c) => appOf(c) === "authelia");
    for (const c of containers(ev)) {
      const name = appOf(c);
      const sw = SIGN_UPS[name];
      if (!sw) continue;
      const [key, closed] = sw;
      const route = routeOf(ev, c, name);
      const behindSso = sso && (route?.middlewares ?? []).includes("authelia@file");
      // KaraKeep's first account needs sign-ups: open only while SSO guards every path.
      if (name === "karakeep" && behindSso) expect(envOf(c)[key]).toBe("false");
      else expect([c.name, envOf(c)[key]]).toEqual([c.name, closed]);
    }
  });

  it("keeps every app a stranger could set up behind SSO, on the setup paths too", () => {
    const rules = autheliaRules(ev);
    const mode = stackConfig(stack).config["homelab:mode"] ?? "domain";
    for (const c of containers(ev)) {
      const name = appOf(c);
      const admin = firstRunOf(name)?.admin;
      const def = CATALOG.get(name);
      if (!def?.route || def.perHost || admin === undefined) continue;
      if (admin === "seeded" || admin === "claim-token") continue;
      const route = routeOf(ev, c, name);
      expect(route).toBeDefined();
      if (!rules) {
        // No SSO at all: only in localhost mode, where 80/443 listen on 127.0.0.1.
        expect([stack, mode]).toEqual([stack, "localhost"]);
        continue;
      }
      expect([name, route?.middlewares]).toEqual([name, expect.arrayContaining(["authelia@file"])]);
      for (const path of CLAIM_REQUESTS[name] ?? ["/"])
        expect([name, path, policyFor(rules, route?.host ?? "", path)]).toEqual([
          name,
          path,
          expect.stringMatching(/^(one_factor|two_factor|deny)$/),
        ]);
    }
  });
});

describe("opening an app once it is set up", () => {
  it("is refused for an app without a login of its own, naming the key, before anything is registered", async () => {
    const ev = await run(
      withConfig(stackConfig("good/everything.yaml"), (c) => {
        const apps = (c["homelab:apps"] ?? {}) as Record<string, Record<string, unknown>>;
        c["homelab:apps"] = { ...apps, n8n: { ...apps.n8n, auth: "bypass" } };
      }),
    );
    expect(ev.error?.message).toContain("homelab:apps.n8n.auth:");
    expect(ev.resources).toHaveLength(0);
  });

  it("takes SSO off KaraKeep and closes its sign-ups in the same change", async () => {
    const ev = await run(
      withConfig(stackConfig("good/everything.yaml"), (c) => {
        const apps = (c["homelab:apps"] ?? {}) as Record<string, Record<string, unknown>>;
        c["homelab:apps"] = { ...apps, karakeep: { ...apps.karakeep, auth: "bypass" } };
      }),
    );
    expect(ev.error).toBeUndefined();
    const karakeep = containers(ev).find((c) => appOf(c) === "karakeep");
    expect(karakeep).toBeDefined();
    if (!karakeep) return;
    expect(routeOf(ev, karakeep, "karakeep")?.middlewares).not.toContain("authelia@file");
    expect(envOf(karakeep).DISABLE_SIGNUPS).toBe("true");
  });
});
