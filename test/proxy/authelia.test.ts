import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import {
  AUTHELIA_SECRET_ENV,
  accessControlRules,
  adminBootstrapScript,
  autheliaConfig,
  autheliaSecretEnv,
  generatedAdminUsers,
  hashCommand,
  usersFileTemplate,
  type Rule,
} from "../../plan/proxy/authelia";
import { middlewaresConfig, routerLabels, traefikStaticConfig } from "../../plan/proxy/traefik";
import { app, def, dig, domainSpec, localhostSpec, withApp } from "./fixture";

function yamlAt(text: string): (path: string) => unknown {
  const doc: unknown = parse(text);
  return (path) => dig(doc, path);
}

const smtp = {
  host: "smtp.example.org",
  port: 587,
  username: "lab",
  sender: "Lab <lab@example.org>",
};

describe("accessControlRules", () => {
  const spec = domainSpec();
  const rules = accessControlRules(spec, spec.apps, def);
  const indexOf = (pred: (r: Rule) => boolean): number => rules.findIndex(pred);

  it("bypasses the portal itself", () => {
    expect(rules[0]).toEqual({ domain: ["auth.lab.example.org"], policy: "bypass" });
  });

  it("bypasses media API/stream paths before any factor rule", () => {
    const jellyfin = indexOf(
      (r) => r.domain[0] === "jellyfin.lab.example.org" && r.policy === "bypass",
    );
    const photos = indexOf(
      (r) => r.domain[0] === "photos.lab.example.org" && r.policy === "bypass",
    );
    // The catalog's paths for native clients, carried over as they are.
    expect(rules[jellyfin].resources).toEqual(
      [...(def("jellyfin").route?.bypassPaths ?? [])].sort(),
    );
    expect(rules[jellyfin].resources?.length).toBeGreaterThan(0);
    expect(rules[photos].resources).toEqual(["^/api/.*"]);
    const firstFactor = indexOf((r) => r.policy === "one_factor" || r.policy === "two_factor");
    expect(jellyfin).toBeLessThan(firstFactor);
    expect(photos).toBeLessThan(firstFactor);
  });

  it("asks one factor for one_factor apps, two factors and the admins group for the rest", () => {
    const oneFactor = rules.filter((r) => r.policy === "one_factor").map((r) => r.domain[0]);
    expect(oneFactor).toEqual([
      "jellyfin.lab.example.org",
      "photos.lab.example.org",
      "whoami.lab.example.org",
    ]);
    expect(rules[rules.length - 1]).toEqual({
      domain: ["*.lab.example.org"],
      subject: ["group:admins"],
      policy: "two_factor",
    });
    expect(indexOf((r) => r.policy === "two_factor")).toBe(rules.length - 1);
  });

  it("does not list bypass apps: their routers never ask Authelia", () => {
    expect(rules.some((r) => r.domain.includes("vault.lab.example.org"))).toBe(false);
    const l = routerLabels(spec, app("vaultwarden", "atlas"), def("vaultwarden"));
    expect(l["traefik.http.routers.vaultwarden.middlewares"]).not.toContain("authelia");
  });

  it("is sorted deterministically whatever the input order", () => {
    expect(accessControlRules(spec, [...spec.apps].reverse(), def)).toEqual(rules);
  });

  it("does not change when a two_factor app is added", () => {
    const more = withApp(spec, app("dozzle", "nas"));
    expect(accessControlRules(more, more.apps, def)).toEqual(rules);
  });

  it("follows the portal's subdomain", () => {
    const s = {
      ...spec,
      apps: spec.apps.map((a) => (a.name === "authelia" ? { ...a, subdomain: "login" } : a)),
    };
    expect(accessControlRules(s, s.apps, def)[0].domain).toEqual(["login.lab.example.org"]);
  });
});

describe("autheliaConfig", () => {
  const spec = domainSpec();
  const text = autheliaConfig(spec, spec.apps, def);
  const at = yamlAt(text);

  it("denies by default and carries the rules", () => {
    expect(at("access_control.default_policy")).toBe("deny");
    const jellyfinPaths = [...(def("jellyfin").route?.bypassPaths ?? [])].sort();
    expect(at("access_control.rules")).toEqual([
      { domain: ["auth.lab.example.org"], policy: "bypass" },
      { domain: ["jellyfin.lab.example.org"], resources: jellyfinPaths, policy: "bypass" },
      { domain: ["photos.lab.example.org"], resources: ["^/api/.*"], policy: "bypass" },
      { domain: ["jellyfin.lab.example.org"], policy: "one_factor" },
      { domain: ["photos.lab.example.org"], policy: "one_factor" },
      { domain: ["whoami.lab.example.org"], policy: "one_factor" },
      { domain: ["*.lab.example.org"], subject: ["group:admins"], policy: "two_factor" },
    ]);
  });

  it("listens on 9091 and exports metrics on 9959", () => {
    expect(at("server.address")).toBe("tcp://:9091/");
    expect(at("telemetry.metrics")).toEqual({ enabled: true, address: "tcp://:9959/metrics" });
  });

  it("scopes the session cookie to the domain with the portal URL, in Redis", () => {
    expect(at("session.cookies")).toEqual([
      { domain: "lab.example.org", authelia_url: "https://auth.lab.example.org" },
    ]);
    expect(at("session.redis.host")).toBe("authelia-redis");
  });

  it("stores in SQLite and reads users from a file hashed with argon2id", () => {
    expect(at("storage.local.path")).toBe("/config/db.sqlite3");
    expect(at("authentication_backend.file.path")).toBe("/config/users.yml");
    expect(at("authentication_backend.file.password.algorithm")).toBe("argon2");
    expect(at("authentication_backend.file.password.argon2.variant")).toBe("argon2id");
  });

  it("uses the filesystem notifier without SMTP and SMTP submission with it", () => {
    expect(at("notifier")).toEqual({ filesystem: { filename: "/config/notification.txt" } });
    const withSmtp = yamlAt(
      autheliaConfig(
        domainSpec({ sso: { provider: "authelia", usersFromConfig: true, smtp } }),
        spec.apps,
        def,
      ),
    );
    expect(withSmtp("notifier")).toEqual({
      smtp: { address: "submission://smtp.example.org:587", username: "lab", sender: smtp.sender },
    });
  });

  it("sets TOTP issuer and regulation", () => {
    expect(at("totp.issuer")).toBe("lab.example.org");
    expect(at("regulation.max_retries")).toBeGreaterThan(0);
    expect(at("regulation.modes")).toEqual(["user", "ip"]);
  });

  it("turns self-service password changes off when users come from config", () => {
    expect(at("authentication_backend.password_reset.disable")).toBe(false);
    const managed = yamlAt(
      autheliaConfig(
        domainSpec({ sso: { provider: "authelia", usersFromConfig: true } }),
        spec.apps,
        def,
      ),
    );
    expect(managed("authentication_backend.password_reset.disable")).toBe(true);
  });

  it("holds no secret: those come from _FILE env vars", () => {
    expect(at("identity_validation.reset_password.jwt_secret")).toBeUndefined();
    expect(at("session.secret")).toBeUndefined();
    expect(at("storage.encryption_key")).toBeUndefined();
    expect(at("notifier.smtp.password")).toBeUndefined();
    for (const env of Object.keys(AUTHELIA_SECRET_ENV)) expect(env).toMatch(/^AUTHELIA_.*_FILE$/);
    expect(autheliaSecretEnv(spec)).toEqual({
      AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET_FILE: "/run/secrets/jwt",
      AUTHELIA_SESSION_SECRET_FILE: "/run/secrets/session",
      AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE: "/run/secrets/storageKey",
    });
    const withSmtp = domainSpec({ sso: { provider: "authelia", usersFromConfig: false, smtp } });
    expect(autheliaSecretEnv(withSmtp).AUTHELIA_NOTIFIER_SMTP_PASSWORD_FILE).toBe(
      "/run/secrets/smtpPassword",
    );
  });

  it("refuses localhost mode and a spec without Authelia", () => {
    const local = localhostSpec({ sso: { provider: "authelia", usersFromConfig: false } });
    expect(() => autheliaConfig(local, local.apps, def)).toThrow(/domain/);
    const off = domainSpec({ sso: { provider: "none", usersFromConfig: false } });
    expect(() => autheliaConfig(off, off.apps, def)).toThrow(/authelia/);
  });
});

describe("no secret reaches generated text", () => {
  const FAKE = {
    CF_DNS_API_TOKEN: "FAKE-cf-token-7f3a9c",
    AUTHELIA_SESSION_SECRET: "FAKE-session-91b2e4",
    AUTHELIA_STORAGE_ENCRYPTION_KEY: "FAKE-storage-55d0aa",
    AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET: "FAKE-jwt-c0ffee",
  };
  const saved = { ...process.env };
  beforeAll(() => Object.assign(process.env, FAKE));
  afterAll(() => {
    process.env = saved;
  });

  it("reads nothing from the environment and references secrets by _FILE only", () => {
    const spec = domainSpec({ sso: { provider: "authelia", usersFromConfig: false, smtp } });
    const texts = [
      traefikStaticConfig(spec),
      middlewaresConfig(spec),
      autheliaConfig(spec, spec.apps, def),
      ...spec.apps
        .filter((a) => def(a.name).route)
        .map((a) => JSON.stringify(routerLabels(spec, a, def(a.name)))),
    ];
    for (const t of texts) for (const v of Object.values(FAKE)) expect(t).not.toContain(v);
    expect(Object.keys(autheliaSecretEnv(spec)).every((k) => k.endsWith("_FILE"))).toBe(true);
  });
});

describe("users file", () => {
  it("generates a single admin in group admins", () => {
    const digest = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g";
    const doc = parse(generatedAdminUsers(digest, "owner@example.org")) as unknown;
    expect(dig(doc, "users.admin")).toEqual({
      disabled: false,
      displayname: "Administrator",
      password: digest,
      email: "owner@example.org",
      groups: ["admins"],
    });
  });

  it("documents the format and the hash command", () => {
    expect(dig(parse(usersFileTemplate()) as unknown, "users.alice.groups")).toEqual(["admins"]);
    expect(hashCommand("4.39.13")).toBe(
      "docker run --rm -it authelia/authelia:4.39.13 authelia crypto hash generate argon2",
    );
  });
});

describe("adminBootstrapScript", () => {
  let dir = "";
  const digest = "$2a$10$abcdefghijklmnopqrstuuJ0123456789ABCDEFGHIJKLMNOPQRSTU";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "authelia-bootstrap-"));
    // A stand-in for the authelia binary: records its arguments and that it started.
    writeFileSync(
      join(dir, "authelia"),
      ["#!/bin/sh", `echo "started $*" >> ${join(dir, "started")}`].join("\n"),
    );
    chmodSync(join(dir, "authelia"), 0o755);
    writeFileSync(join(dir, "admin_password.bcrypt"), digest);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (script: string): void => {
    execFileSync("sh", ["-c", script], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ""}` },
    });
  };
  const paths = (): { users: string; digestFile: string; config: string } => ({
    users: join(dir, "users.yml"),
    digestFile: join(dir, "admin_password.bcrypt"),
    config: join(dir, "configuration.yml"),
  });

  it("writes a valid users file on first start, then starts Authelia", () => {
    run(adminBootstrapScript("owner@example.org", paths()));
    const doc = parse(readFileSync(join(dir, "users.yml"), "utf8")) as unknown;
    expect(dig(doc, "users.admin.password")).toBe(digest);
    expect(dig(doc, "users.admin.email")).toBe("owner@example.org");
    expect(dig(doc, "users.admin.groups")).toEqual(["admins"]);
    // The only program started is Authelia itself, with its config: nothing hashed on argv.
    expect(readFileSync(join(dir, "started"), "utf8")).toBe(
      `started --config ${join(dir, "configuration.yml")}\n`,
    );
  });

  it("refuses to write a users file without a bcrypt digest", () => {
    writeFileSync(join(dir, "admin_password.bcrypt"), "plain-password");
    expect(() => run(adminBootstrapScript("owner@example.org", paths()))).toThrow();
    expect(existsSync(join(dir, "users.yml"))).toBe(false);
  });

  it("never overwrites an existing users file", () => {
    writeFileSync(join(dir, "users.yml"), "users: {}\n");
    run(adminBootstrapScript("owner@example.org", paths()));
    expect(readFileSync(join(dir, "users.yml"), "utf8")).toBe("users: {}\n");
  });

  it("reads the digest from its secret file and refuses unsafe e-mail addresses", () => {
    expect(adminBootstrapScript("owner@example.org")).toContain(
      "/run/secrets/admin_password.bcrypt",
    );
    expect(adminBootstrapScript("owner@example.org")).not.toContain("--password");
    expect(() => adminBootstrapScript("x'; rm -rf /;'@example.org")).toThrow(/unsafe/);
  });
});
