import { ConfigError, type ConfigIssue } from "../../config/errors";
import { readFileSync } from "node:fs";
import { CATALOG } from "../../catalog";
import { immichMlTag } from "../../catalog/cloud";
import { serviceApps } from "../../catalog/services";
import type { AppDefinition } from "../../catalog/types";
import { parseSpec } from "../../plan/resolve";
import type { AppSpec } from "../../config/spec";
import {
  connectionFor,
  dataServiceIssues,
  databaseEnv,
  databaseSecretKeys,
  mariadbInitScript,
  postgresInitScript,
} from "../../plan/dataServices";
import { displayName, homepageLabels } from "../../plan/homepage";
import { localRecords } from "../../plan/pihole";
import { renderTemplate, withTemplates } from "../../plan/templates";
import { APPS_DOC, README, renderAppsDoc, renderReadmeApps } from "../../scripts/apps-doc";
import { stackConfig, withConfig } from "../helpers/harness";

/** Pure checks of the service catalog and its generators: no Pulumi evaluation. */

const everything = stackConfig("good/everything.yaml");
const spec = parseSpec(everything);
const placed = (name: string): AppSpec => {
  const app = spec.apps.find((a) => a.name === name);
  if (!app) throw new Error(`${name} is not enabled`);
  return app;
};

/** Web UIs that administer infrastructure or run code: SSO with a second factor. */
const ADMIN_APPS = [
  "backrest",
  "dozzle",
  "glances",
  "jupyter",
  "mlflow",
  "n8n",
  "nodered",
  "pihole",
  "wg-easy",
];
/** Alternatives and helpers the owner switches on explicitly. */
const OPT_IN = ["duckdns", "fail2ban", "heimdall", "organizr", "ros", "sablier"];

describe.each(serviceApps.map((d) => [d.name, d] as const))(
  "catalog entry %s",
  (_name, def: AppDefinition) => {
    it("pins its image and has a health check or says why not", () => {
      expect(def.image.tag).toBeTruthy();
      expect(def.image.tag).not.toBe("latest");
      if ("none" in def.health) expect(def.health.none.length).toBeGreaterThan(10);
      else expect(def.health.test.length).toBeGreaterThan(0);
      expect(def.memoryMb).toBeGreaterThan(0);
    });

    it("gives a reason for every published port and exception", () => {
      for (const p of def.ports ?? []) expect(p.reason.length).toBeGreaterThan(10);
      for (const p of def.lanPorts ?? []) expect(p.reason.length).toBeGreaterThan(10);
      const ex = def.exceptions ?? {};
      for (const reason of [
        ex.hostNetwork,
        ex.hostPid,
        ex.privileged,
        ex.writableRoot,
        ex.capAdd?.reason,
      ]) {
        if (reason !== undefined) expect(reason.length).toBeGreaterThan(10);
      }
      for (const a of ex.hostAccess ?? []) expect(a.reason.length).toBeGreaterThan(10);
    });

    it("keeps databases off the proxy: internal only, never routed or published", () => {
      if (!def.internalOnly) return;
      expect(def.route).toBeUndefined();
      expect(def.ports ?? []).toEqual([]);
      expect(def.networks).toBeUndefined();
      expect(def.volumes?.some((v) => v.class === "database")).toBe(true);
    });

    it("puts admin interfaces behind two factors and lists routed apps on the dashboard", () => {
      if (ADMIN_APPS.includes(def.name)) expect(def.route?.auth).toBe("two_factor");
      if (def.route && !["homepage", "heimdall", "organizr"].includes(def.name)) {
        expect(def.route.dashboard?.group).toBeTruthy();
      }
    });

    it("is on by default unless it is an alternative or an opt-in helper", () => {
      expect(def.defaultEnabled === false).toBe(OPT_IN.includes(def.name));
    });
  },
);

describe("shared databases", () => {
  it("every consumer is a catalog app that reaches the internal network", () => {
    const consumers = [...CATALOG.values()].filter((d) => d.database);
    expect(consumers.length).toBeGreaterThan(0);
    for (const def of consumers) expect(def.networks).toContain("internal");
    for (const def of CATALOG.values())
      if (def.companionOf) expect(CATALOG.has(def.companionOf)).toBe(true);
  });

  it("fills each consumer's env with its own database, user and password", () => {
    expect(databaseEnv("nextcloud", "pw")).toEqual([
      "POSTGRES_DB=nextcloud",
      "POSTGRES_HOST=postgres:5432",
      "POSTGRES_PASSWORD=pw",
      "POSTGRES_USER=nextcloud",
    ]);
    expect(databaseEnv("wordpress", "pw")).toContain("WORDPRESS_DB_HOST=mariadb:3306");
    expect(databaseSecretKeys("outline")).toEqual(["DATABASE_URL"]);
    expect(databaseEnv("whoami", "pw")).toEqual([]);
  });

  it("creates roles and databases idempotently, reading the password from the environment", () => {
    const pg = postgresInitScript(connectionFor("n8n") ?? fail());
    expect(pg).toContain("WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'n8n')");
    expect(pg).toContain("WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'n8n')");
    expect(pg).toContain("\\getenv app_password APP_DB_PASSWORD");
    expect(pg).toContain("<<'SQL'");
    const maria = mariadbInitScript(connectionFor("bookstack") ?? fail());
    expect(maria).toContain("CREATE DATABASE IF NOT EXISTS bookstack");
    expect(maria).toContain("CREATE USER IF NOT EXISTS 'bookstack'@'%'");
    expect(maria).toContain("ALTER USER 'bookstack'@'%' IDENTIFIED BY '${APP_DB_PASSWORD}'");
    expect(() =>
      postgresInitScript({
        engine: "postgres",
        host: "postgres",
        port: 5432,
        database: "x'; DROP",
        user: "x",
      }),
    ).toThrow();
  });

  it("reports a consumer without its database server, and a companion away from its owner", () => {
    expect(dataServiceIssues(spec)).toEqual([]);
    const issuesOf = (edit: (c: Record<string, unknown>) => void): ConfigIssue[] => {
      try {
        parseSpec(withConfig(everything, edit));
      } catch (e) {
        if (e instanceof ConfigError) return [...e.issues];
        throw e;
      }
      return [];
    };
    const noData = issuesOf((c) => {
      c["homelab:profiles"] = (c["homelab:profiles"] as string[]).filter((p) => p !== "data");
    });
    const keys = noData.map((i) => i.key);
    expect(keys).toContain("homelab:apps.postgres.enabled");
    expect(keys).toContain("homelab:apps.mariadb.enabled");
    expect(noData[0].message).toMatch(/^required because \S+ is enabled/);
    const moved = issuesOf((c) => {
      (c["homelab:apps"] as Record<string, object>)["nextcloud-redis"] = { host: "gateway" };
    });
    expect(moved).toEqual([
      {
        key: "homelab:apps.nextcloud-redis.host",
        message: "must be nas, where nextcloud runs (they share a host-local network or directory)",
      },
    ]);
  });
});

describe("templates", () => {
  it("render URLs, hosts and stack facts, also of other apps", () => {
    const collabora = placed("collabora");
    expect(renderTemplate("{{url:nextcloud}}", spec, collabora)).toBe(
      "https://nextcloud.home.example.com",
    );
    expect(renderTemplate("{{host}} {{scheme}} {{https}} {{uid}}", spec, collabora)).toBe(
      "office.home.example.com https true 1000",
    );
    expect(renderTemplate("{{trustedProxies}}", spec, collabora)).toBe(
      "10.0.10.0/24 10.0.20.0/24 172.16.0.0/12",
    );
    expect(() => renderTemplate("{{nope}}", spec, collabora)).toThrow(/unknown template/);
  });

  it("follow localhost mode", () => {
    const local = parseSpec(stackConfig("dev"));
    const app: AppSpec = {
      name: "n8n",
      host: local.hosts[0].name,
      subdomain: "n8n",
      memoryMb: 1,
      env: {},
      auth: "two_factor",
    };
    const def = withTemplates(CATALOG.get("n8n") ?? fail(), local, app);
    expect(def.env?.WEBHOOK_URL).toBe("http://n8n.localhost/");
    expect(def.env?.N8N_PROTOCOL).toBe("http");
    // An app that is not enabled is addressed by its catalog subdomain.
    expect(renderTemplate("{{url:collabora}}", local, app)).toBe("http://office.localhost");
  });
});

describe("generated files", () => {
  it("Immich ML picks the image variant of the host's GPU", () => {
    expect(immichMlTag("nvidia")).toMatch(/-cuda$/);
    expect(immichMlTag("intel")).toMatch(/-openvino$/);
    expect(immichMlTag("none")).toMatch(/^v[\d.]+$/);
  });

  it("Pi-hole has no records in localhost mode, where *.localhost needs none", () => {
    expect(localRecords(parseSpec(stackConfig("dev")))).toEqual([]);
  });

  it("Homepage labels come from the route's dashboard entry", () => {
    const app = placed("homeassistant");
    expect(homepageLabels(spec, app, CATALOG.get("homeassistant") ?? fail())).toEqual({
      "homepage.description": "Devices and automations",
      "homepage.group": "Home",
      "homepage.href": "https://homeassistant.home.example.com",
      "homepage.icon": "home-assistant.png",
      "homepage.name": "Home Assistant",
    });
    expect(homepageLabels(spec, placed("postgres"), CATALOG.get("postgres") ?? fail())).toEqual({});
    expect(displayName("immich-server")).toBe("Immich");
    expect(displayName("uptime-kuma")).toBe("Uptime Kuma");
  });

  it("docs/apps.md is generated from the catalog and current (npx tsx scripts/apps-doc.ts)", () => {
    const doc = readFileSync(APPS_DOC, "utf8");
    expect(doc).toBe(renderAppsDoc());
    for (const name of CATALOG.keys()) expect(doc).toContain(`| ${name} |`);
    expect(doc).toContain("Dockge");
  });

  it("the README lists every app with its profile, default host and address", () => {
    const readme = readFileSync(README, "utf8");
    expect(readme).toBe(renderReadmeApps(readme));
    for (const name of CATALOG.keys()) expect(readme).toContain(`| ${name} |`);
  });
});

function fail(): never {
  throw new Error("missing catalog entry");
}
