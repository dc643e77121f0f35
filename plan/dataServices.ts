import { CATALOG } from "../catalog";
import { DB_PORTS, databaseName } from "../catalog/data";
import type { DbEngine } from "../catalog/types";
import type { AppSpec, HomelabSpec } from "../config/spec";

/**
 * Shared databases: one server per host and engine (`postgres`, `mariadb`), one database and
 * one role per consuming app. A small init container per consumer creates both idempotently
 * over the host's `internal` network and stays up idle, so:
 *
 * - no Docker socket and no SSH session is needed (the init is a container on the network);
 * - adding a consumer adds that consumer's resources only, never touching the server;
 * - re-running is harmless (`IF NOT EXISTS`, password re-applied), so replacing an init
 *   container after a password rotation simply converges.
 *
 * Dependency chain: provider → image/network/dirs → server → init → app.
 */

/** Env var the init container reads the consumer's password from (never argv, never a file). */
export const APP_PASSWORD_ENV = "APP_DB_PASSWORD";
/** Marker the init's health check looks for once the SQL went through. */
export const READY_FILE = "/tmp/ready";

export interface DbConnection {
  engine: DbEngine;
  /** Container name of the server on the consumer's host. */
  host: string;
  port: number;
  database: string;
  user: string;
}

export function connectionFor(app: string): DbConnection | undefined {
  const need = CATALOG.get(app)?.database;
  if (!need) return undefined;
  const name = databaseName(app);
  return {
    engine: need.engine,
    host: need.engine,
    port: DB_PORTS[need.engine],
    database: name,
    user: name,
  };
}

/** The consumer's env (`K=V`), its connection filled in; `password` may be a placeholder. */
export function databaseEnv(app: string, password: string): string[] {
  const need = CATALOG.get(app)?.database;
  const conn = connectionFor(app);
  if (!need || !conn) return [];
  const fill = (v: string) =>
    v
      .replace(/\{host\}/g, conn.host)
      .replace(/\{port\}/g, String(conn.port))
      .replace(/\{database\}/g, conn.database)
      .replace(/\{user\}/g, conn.user)
      .replace(/\{password\}/g, password);
  return Object.keys(need.env)
    .sort()
    .map((k) => `${k}=${fill(need.env[k])}`);
}

/** The consumer's env keys whose values carry the password. */
export function databaseSecretKeys(app: string): string[] {
  const need = CATALOG.get(app)?.database;
  if (!need) return [];
  return Object.keys(need.env)
    .filter((k) => need.env[k].includes("{password}"))
    .sort();
}

const IDENT = /^[a-z][a-z0-9_]*$/;

/** Stays up idle after success, and stops at once on `docker stop`. */
const IDLE = `touch ${READY_FILE}\ntrap 'exit 0' TERM INT\nwhile :; do sleep 3600 & wait $!; done`;

/** psql script: the role and the database, created only when missing; the password re-applied. */
export function postgresInitScript(conn: DbConnection): string {
  if (!IDENT.test(conn.database) || !IDENT.test(conn.user))
    throw new Error(`bad database name ${conn.database}`);
  const { user, database: db } = conn;
  return [
    "set -eu",
    "until pg_isready -q; do sleep 2; done",
    "psql -v ON_ERROR_STOP=1 -d postgres <<'SQL'",
    `\\getenv app_password ${APP_PASSWORD_ENV}`,
    `SELECT format('CREATE ROLE %I LOGIN', '${user}') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${user}')\\gexec`,
    `ALTER ROLE ${user} WITH LOGIN PASSWORD :'app_password';`,
    `SELECT format('CREATE DATABASE %I OWNER %I', '${db}', '${user}') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${db}')\\gexec`,
    `REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`,
    `GRANT ALL ON DATABASE ${db} TO ${user};`,
    "SQL",
    IDLE,
  ].join("\n");
}

/** mariadb script: database and user if missing, password and grants re-applied. */
export function mariadbInitScript(conn: DbConnection): string {
  if (!IDENT.test(conn.database) || !IDENT.test(conn.user))
    throw new Error(`bad database name ${conn.database}`);
  const { user, database: db, host } = conn;
  // Unquoted heredoc: the shell inserts the (alphanumeric) password; it never reaches argv.
  return [
    "set -eu",
    `until mariadb-admin -h ${host} -u root ping --silent; do sleep 2; done`,
    `mariadb -h ${host} -u root <<SQL`,
    `CREATE DATABASE IF NOT EXISTS ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
    `CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '\${${APP_PASSWORD_ENV}}';`,
    `ALTER USER '${user}'@'%' IDENTIFIED BY '\${${APP_PASSWORD_ENV}}';`,
    `GRANT ALL PRIVILEGES ON ${db}.* TO '${user}'@'%';`,
    "SQL",
    IDLE,
  ].join("\n");
}

export interface DataIssue {
  key: string;
  message: string;
}

function placed(spec: HomelabSpec, name: string): AppSpec[] {
  return spec.apps.filter((a) => a.name === name);
}

/**
 * What the shared data services need from the stack, as config problems: every consumer's
 * database server on its host. Pure, so the loader can
 * report them with the rest of the validation.
 */
export function dataServiceIssues(spec: HomelabSpec): DataIssue[] {
  const issues: DataIssue[] = [];
  for (const app of spec.apps) {
    const conn = connectionFor(app.name);
    if (conn && !placed(spec, conn.engine).some((s) => s.host === app.host)) {
      issues.push({
        key: `homelab:apps.${conn.engine}.enabled`,
        message: `required because ${app.name} is enabled: it keeps its data in the shared ${conn.engine} of host ${app.host} (enable the data profile)`,
      });
    }
  }
  return issues;
}
