/**
 * The shared databases for real: the per-app setup scripts of the one-host lab stack (the
 * exact `sh -c` scripts of its setup containers) and the backup job's dump hooks run against
 * real PostgreSQL, MariaDB and Redis servers from Debian's packages. Setup is idempotent, an
 * app's role reaches its own database and no other, and every dump restores into an empty
 * server with the same rows.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Evaluation, RegisteredResource } from "../../scripts/evaluate";
import { loadSpec } from "../../plan/resolve";
import { dumpHooks } from "../../plan/backup/job";
import { renderHook } from "../../plan/backup/hooks";
import { containers, envOf, labelsOf, run } from "../helpers/harness";
import { labStack, type LabStack } from "./engineLab";
import {
  PG_BIN,
  resolverBin,
  startMariadb,
  startPostgres,
  startRedis,
  type Server,
} from "./servers/servers";

let lab: LabStack;
let ev: Evaluation;
const servers: Server[] = [];
let pg: Server;
let maria: Server;
let redis: Server;
let bin = "";

const byApp = (app: string): RegisteredResource => {
  const found = containers(ev).find((c) => labelsOf(c)["homelab.app"] === app);
  if (!found) throw new Error(`no container of ${app}`);
  return found;
};
const setups = (kind: "postgres" | "mariadb") =>
  containers(ev).filter((c) => {
    const app = labelsOf(c)["homelab.app"] ?? "";
    const script = ((c.inputs.command ?? []) as string[]).join(" ");
    return app.endsWith("-db-init") && script.includes(kind === "postgres" ? "psql" : "mariadb ");
  });

/** The setup part of a setup container's script: it then only keeps the container alive. */
function setupScript(c: RegisteredResource): string {
  const script = (c.inputs.command as string[])[2];
  const end = script.indexOf("touch /tmp/ready");
  if (end < 0) throw new Error(`${c.name}: no readiness marker in its script`);
  return script.slice(0, end);
}

function sh(script: string, env: Record<string, string>) {
  return spawnSync("/bin/sh", ["-c", script], {
    encoding: "utf8",
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: lab.root, ...env },
  });
}

function psql(db: string, user: string, password: string, sql: string) {
  return spawnSync(
    `${PG_BIN}/psql`,
    ["-h", "127.0.0.1", "-p", String(pg.port), "-U", user, "-d", db, "-tAc", sql],
    {
      encoding: "utf8",
      env: { PGPASSWORD: password, PATH: "/usr/bin:/bin" },
    },
  );
}

function mariadb(port: number, user: string, password: string, db: string, sql: string) {
  return spawnSync(
    "mariadb",
    [
      "--no-defaults",
      "-h",
      "127.0.0.1",
      "-P",
      String(port),
      "--protocol=tcp",
      "-u",
      user,
      db,
      "-N",
      "-e",
      sql,
    ],
    {
      encoding: "utf8",
      env: { MYSQL_PWD: password, PATH: "/usr/bin:/bin" },
    },
  );
}

beforeAll(async () => {
  lab = labStack("good/lab-one-host.yaml");
  ev = await run(lab.config);
  if (ev.error) throw ev.error;
  const dir = join(lab.root, "servers");
  pg = await startPostgres(join(dir, "postgres"), envOf(byApp("postgres")).POSTGRES_PASSWORD);
  servers.push(pg);
  maria = await startMariadb(join(dir, "mariadb"), envOf(byApp("mariadb")).MARIADB_ROOT_PASSWORD);
  servers.push(maria);
  redis = await startRedis(join(dir, "redis"), envOf(byApp("redis")).REDIS_PASSWORD, [
    "--appendonly",
    "yes",
  ]);
  servers.push(redis);
  bin = resolverBin(join(dir, "bin"), { postgres: pg, mariadb: maria, redis });
});

afterAll(async () => {
  for (const s of servers) await s.stop();
  if (lab) rmSync(lab.root, { recursive: true, force: true });
});

describe("per-app database setup", () => {
  test("the stack sets up PostgreSQL and MariaDB databases", () => {
    expect(setups("postgres").length).toBeGreaterThan(1);
    expect(setups("mariadb").length).toBeGreaterThan(1);
  });

  test("every setup script succeeds against the real server, and again on a second run", () => {
    for (const c of [...setups("postgres"), ...setups("mariadb")]) {
      // PGHOST/PGPORT as the container has them, resolved to the local server.
      const env = { ...envOf(c), PGHOST: "127.0.0.1", PGPORT: String(pg.port) };
      for (const attempt of [1, 2]) {
        const r = sh(setupScript(c), env);
        expect({ app: c.name, attempt, status: r.status, err: r.stderr }).toEqual({
          app: c.name,
          attempt,
          status: 0,
          err: "",
        });
      }
    }
  });

  test("each PostgreSQL app's role reaches its own database and no other", () => {
    const apps = setups("postgres").map((c) => ({
      app: labelsOf(c)["homelab.app"].replace(/-db-init$/, ""),
      password: envOf(c).APP_DB_PASSWORD,
    }));
    for (const a of apps) {
      expect(psql(a.app, a.app, a.password, "select current_user").stdout.trim()).toBe(a.app);
      for (const other of apps.filter((o) => o.app !== a.app)) {
        const r = psql(other.app, a.app, a.password, "select 1");
        expect({ role: a.app, db: other.app, status: r.status }).toEqual({
          role: a.app,
          db: other.app,
          status: 2,
        });
        expect(r.stderr).toMatch(/permission denied for database/);
      }
      expect(psql(a.app, a.app, "wrong-password", "select 1").status).not.toBe(0);
    }
  });

  test("each MariaDB app's user reaches its own database and no other", () => {
    const apps = setups("mariadb").map((c) => ({
      app: labelsOf(c)["homelab.app"].replace(/-db-init$/, ""),
      password: envOf(c).APP_DB_PASSWORD,
    }));
    for (const a of apps) {
      expect(mariadb(maria.port, a.app, a.password, a.app, "select database()").stdout.trim()).toBe(
        a.app,
      );
      for (const other of apps.filter((o) => o.app !== a.app)) {
        const r = mariadb(maria.port, a.app, a.password, other.app, "select 1");
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(/Access denied/);
      }
    }
  });
});

describe("dump hooks", () => {
  const staging = () => join(lab.root, "staging");
  let hooksEnv: Record<string, string> = {};

  beforeAll(() => {
    mkdirSync(staging(), { recursive: true });
    const backup = containers(ev).find(
      (c) => labelsOf(c)["homelab.app"] === "backup",
    ) as RegisteredResource;
    hooksEnv = envOf(backup);
  });

  function runHooks(kind: string): void {
    const spec = loadSpec();
    const host = spec.hosts[0];
    const hooks = dumpHooks(spec, host).filter(
      (h) => h.kind === kind && ["postgres", "mariadb", "redis"].includes(h.app),
    );
    expect(hooks.length).toBe(1);
    const prelude = 'log() { :; }\nfail() { echo "$*" >&2; exit 1; }\n';
    const r = sh(prelude + hooks.flatMap((h) => renderHook(h, staging())).join("\n"), hooksEnv);
    expect({ status: r.status, err: r.stderr }).toEqual({ status: 0, err: "" });
  }

  test("pg_dumpall of the shared server restores into an empty server with the same rows", async () => {
    const app = setups("postgres")[0];
    const name = labelsOf(app)["homelab.app"].replace(/-db-init$/, "");
    const password = envOf(app).APP_DB_PASSWORD;
    expect(
      psql(
        name,
        name,
        password,
        "create table notes (id int primary key, body text); insert into notes select g, md5(g::text) from generate_series(1, 500) g",
      ).status,
    ).toBe(0);
    runHooks("postgres");
    // The dump sets the superuser's password and reconnects with it: restore with the same one.
    const superuser = envOf(byApp("postgres")).POSTGRES_PASSWORD;
    const fresh = await startPostgres(join(lab.root, "servers", "postgres-restore"), superuser);
    servers.push(fresh);
    const restore = spawnSync(
      `${PG_BIN}/psql`,
      [
        "-h",
        "127.0.0.1",
        "-p",
        String(fresh.port),
        "-U",
        "postgres",
        "-d",
        "postgres",
        "-q",
        "-f",
        join(staging(), "postgres", "postgres.sql"),
      ],
      {
        encoding: "utf8",
        env: { PGPASSWORD: superuser },
      },
    );
    // pg_dumpall recreates every role; the new cluster's own superuser already exists.
    const errors = restore.stderr
      .split("\n")
      .filter((l) => l && !/role "postgres" already exists/.test(l));
    expect(errors).toEqual([]);
    expect(restore.status).toBe(0);
    const query = "select count(*), md5(string_agg(body, ',' order by id)) from notes";
    const before = psql(name, name, password, query).stdout;
    const after = spawnSync(
      `${PG_BIN}/psql`,
      ["-h", "127.0.0.1", "-p", String(fresh.port), "-U", name, "-d", name, "-tAc", query],
      {
        encoding: "utf8",
        env: { PGPASSWORD: password },
      },
    ).stdout;
    expect(before).toMatch(/^500\|/);
    expect(after).toBe(before);
  });

  test("mariadb-dump of the shared server restores into an empty server with the same rows", async () => {
    const app = setups("mariadb")[0];
    const name = labelsOf(app)["homelab.app"].replace(/-db-init$/, "");
    const password = envOf(app).APP_DB_PASSWORD;
    expect(
      mariadb(
        maria.port,
        name,
        password,
        name,
        "create table notes (id int primary key, body text); insert into notes select seq, md5(seq) from seq_1_to_500",
      ).status,
    ).toBe(0);
    runHooks("mariadb");
    const fresh = await startMariadb(join(lab.root, "servers", "mariadb-restore"), "restore-root");
    servers.push(fresh);
    const restore = spawnSync(
      "sh",
      [
        "-c",
        `mariadb --no-defaults -h 127.0.0.1 -P ${fresh.port} --protocol=tcp -u root < '${join(staging(), "mariadb", "mariadb.sql")}'`,
      ],
      {
        encoding: "utf8",
        env: { MYSQL_PWD: "restore-root", PATH: "/usr/bin:/bin" },
      },
    );
    expect(restore.stderr).toBe("");
    expect(restore.status).toBe(0);
    const query = "select count(*), md5(group_concat(body order by id)) from notes";
    const before = mariadb(maria.port, name, password, name, query).stdout;
    // The dump carries the users too: the app's own login works on the restored server.
    const after = mariadb(fresh.port, name, password, name, query);
    expect(before).toMatch(/^500\t/);
    expect(after.stderr).toBe("");
    expect(after.stdout).toBe(before);
  });

  test("a Redis BGSAVE leaves an RDB that an empty server loads with the same keys", async () => {
    const password = envOf(byApp("redis")).REDIS_PASSWORD;
    const cli = (port: number, ...args: string[]) =>
      spawnSync("redis-cli", ["-p", String(port), "--no-auth-warning", ...args], {
        encoding: "utf8",
        env: { REDISCLI_AUTH: password },
      });
    for (let i = 0; i < 200; i++) cli(redis.port, "SET", `key:${i}`, `value-${i}`);
    runHooks("redis");
    const copy = join(lab.root, "servers", "redis-restore");
    cpSync(redis.dir, copy, { recursive: true, filter: (src) => !src.includes("appendonly") });
    const fresh = await startRedis(copy, password);
    servers.push(fresh);
    expect(cli(fresh.port, "DBSIZE").stdout.trim()).toBe("200");
    expect(cli(fresh.port, "GET", "key:123").stdout.trim()).toBe("value-123");
  });
});
