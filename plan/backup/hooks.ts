import { shellQuote } from "../shell";
/**
 * Database dump hooks run by the BackupJob before each snapshot (DESIGN §3, §4).
 *
 * Dumps are taken over the network with each database's own client, so the backup container
 * never needs the Docker socket (DESIGN §5). Every hook writes to a temporary file and renames it
 * into `<staging>/<app>/` only when the client succeeded, so a failed run never leaves a
 * half-written dump where the previous good one was. Each rendered line ends in `|| fail`, which
 * exits the script: a failing hook fails the whole run even where `set -e` is suspended.
 */

export type DumpHookKind = "postgres" | "mariadb" | "redis" | "sqlite";

export interface DumpHook {
  kind: DumpHookKind;
  /** Catalog name of the app that owns the database; the dump lands in `<staging>/<app>/`. */
  app: string;
  /** Container name of the database server (network hooks: postgres, mariadb, redis). */
  host?: string;
  port?: number;
  user?: string;
  /** SQLite only: the live database file as seen in the backup container (`/source/...`). */
  database?: string;
  /** Name of an env var of the backup container that holds the database password. */
  passwordEnv?: string;
}

/** The client each hook kind runs, and the Alpine package that provides it. */
export const HOOK_CLIENTS: Readonly<Record<DumpHookKind, { command: string; apkPackage: string }>> =
  {
    postgres: { command: "pg_dumpall", apkPackage: "postgresql-client" },
    mariadb: { command: "mariadb-dump", apkPackage: "mariadb-client" },
    redis: { command: "redis-cli", apkPackage: "redis" },
    sqlite: { command: "sqlite3", apkPackage: "sqlite" },
  };

const DEFAULT_PORTS: Readonly<Record<DumpHookKind, number | undefined>> = {
  postgres: 5432,
  mariadb: 3306,
  redis: 6379,
  sqlite: undefined,
};

/** How long a Redis BGSAVE may take before the hook fails. */
export const REDIS_SAVE_TIMEOUT_SECONDS = 600;

export { shellQuote };

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** SQLite paths go inside a quoted dot-command argument, so quotes and blanks are not allowed. */
const SAFE_PATH = /^\/[A-Za-z0-9._@+=,:/-]+$/;

/** Throws on a hook that would render an unsafe or meaningless command. */
export function validateHook(hook: DumpHook): void {
  const where = `backup hook ${hook.kind} for ${hook.app}`;
  if (!NAME.test(hook.app)) throw new Error(`${where}: app name must match ${NAME}`);
  if (hook.passwordEnv !== undefined && !ENV_NAME.test(hook.passwordEnv)) {
    throw new Error(`${where}: passwordEnv must be an environment variable name`);
  }
  if (hook.kind === "sqlite") {
    if (!hook.database || !SAFE_PATH.test(hook.database)) {
      throw new Error(`${where}: database must be an absolute path of [A-Za-z0-9._@+=,:/-]`);
    }
    return;
  }
  if (!hook.host || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(hook.host)) {
    throw new Error(`${where}: host must be a container or host name`);
  }
  if (
    hook.port !== undefined &&
    !(Number.isInteger(hook.port) && hook.port > 0 && hook.port < 65536)
  ) {
    throw new Error(`${where}: port must be 1-65535`);
  }
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The file the hook leaves in staging (inside the snapshot). */
export function hookOutput(hook: DumpHook, stagingDir: string): string {
  const dir = `${stagingDir}/${hook.app}`;
  switch (hook.kind) {
    case "postgres":
      return `${dir}/postgres.sql`;
    case "mariadb":
      return `${dir}/mariadb.sql`;
    case "redis":
      // The RDB stays in the Redis data directory, which is backed up; staging holds a marker.
      return `${dir}/redis.lastsave`;
    case "sqlite":
      return `${dir}/${basename(hook.database ?? "")}`;
  }
}

/**
 * Paths kept out of the snapshot because the hook stores a consistent copy instead:
 * a live SQLite file and its journals can be torn mid-transaction.
 */
export function hookExcludes(hook: DumpHook): string[] {
  if (hook.kind !== "sqlite" || !hook.database) return [];
  const db = hook.database;
  return [db, `${db}-wal`, `${db}-shm`, `${db}-journal`];
}

/** Clients the hooks need, sorted and de-duplicated. */
export function hookClients(hooks: readonly DumpHook[]): { command: string; apkPackage: string }[] {
  const kinds = [...new Set(hooks.map((h) => h.kind))].sort();
  return kinds.map((k) => HOOK_CLIENTS[k]);
}

function passwordPrefix(hook: DumpHook, variable: string): string {
  if (!hook.passwordEnv) return "";
  const v = hook.passwordEnv;
  // `:?` aborts the script with a clear message when the secret env var is missing.
  return `${variable}="\${${v}:?${v} is not set}" `;
}

/**
 * Shell lines for one hook. They rely on the script's `log` and `fail` functions and use
 * `_h*` variables only.
 */
export function renderHook(hook: DumpHook, stagingDir: string): string[] {
  validateHook(hook);
  const label = `hook ${hook.app}/${hook.kind}`;
  const out = hookOutput(hook, stagingDir);
  const tmp = `${out}.tmp`;
  const q = shellQuote;
  const failWith = (what: string): string => `|| fail ${q(`${label}: ${what}`)}`;
  const port = hook.port ?? DEFAULT_PORTS[hook.kind];
  const lines = [
    `log ${q(`${label}: start`)}`,
    `mkdir -p ${q(`${stagingDir}/${hook.app}`)} ${failWith("cannot create staging dir")}`,
  ];
  const publish = `mv -f ${q(tmp)} ${q(out)} ${failWith("cannot move the dump into place")}`;

  switch (hook.kind) {
    case "postgres": {
      const user = hook.user ?? "postgres";
      lines.push(
        `${passwordPrefix(hook, "PGPASSWORD")}PGCONNECT_TIMEOUT=30 pg_dumpall -h ${q(hook.host ?? "")} -p ${port} -U ${q(user)} -f ${q(tmp)} ${failWith("pg_dumpall failed")}`,
        publish,
      );
      break;
    }
    case "mariadb": {
      const user = hook.user ?? "root";
      // --single-transaction gives a consistent InnoDB dump without locking the apps out.
      // --flush-privileges: the dump carries the mysql database (the apps' users); without a
      // FLUSH PRIVILEGES after it, a restored server refuses every app login until a restart.
      // --skip-ssl: clients from 11.4 on demand TLS, which servers before 11.4 lack by default;
      // the dump crosses only the host's `internal` network, as the apps' own queries do.
      lines.push(
        `${passwordPrefix(hook, "MYSQL_PWD")}mariadb-dump -h ${q(hook.host ?? "")} -P ${port} -u ${q(user)} --skip-ssl --all-databases --flush-privileges --single-transaction --routines --events --triggers --result-file=${q(tmp)} ${failWith("mariadb-dump failed")}`,
        publish,
      );
      break;
    }
    case "redis": {
      const auth = passwordPrefix(hook, "REDISCLI_AUTH");
      const cli = `${auth}redis-cli -h ${q(hook.host ?? "")} -p ${port} --no-auth-warning`;
      lines.push(
        `_hbefore=$(${cli} LASTSAVE) ${failWith("LASTSAVE failed")}`,
        // LASTSAVE has one-second resolution: a save finishing in the same second as the last
        // one would look like no save at all, so never start one in that second.
        `[ "$_hbefore" != "$(date +%s)" ] || sleep 1`,
        `_hreply=$(${cli} BGSAVE) ${failWith("BGSAVE failed")}`,
        `case "$_hreply" in *"Background saving"*) ;; *) fail ${q(`${label}: BGSAVE refused: `)}"$_hreply" ;; esac`,
        `_hwaited=0`,
        `while :; do`,
        `  _hnow=$(${cli} LASTSAVE) ${failWith("LASTSAVE failed")}`,
        `  [ "$_hnow" = "$_hbefore" ] || break`,
        `  [ "$_hwaited" -lt ${REDIS_SAVE_TIMEOUT_SECONDS} ] ${failWith(`BGSAVE did not finish in ${REDIS_SAVE_TIMEOUT_SECONDS}s`)}`,
        `  sleep 1`,
        `  _hwaited=$((_hwaited + 1))`,
        `done`,
        `_hinfo=$(${cli} INFO persistence) ${failWith("INFO failed")}`,
        `case "$_hinfo" in *"rdb_last_bgsave_status:ok"*) ;; *) fail ${q(`${label}: the last BGSAVE failed`)} ;; esac`,
        `printf '%s\\n' "$_hnow" > ${q(tmp)} ${failWith("cannot write the marker")}`,
        publish,
      );
      break;
    }
    case "sqlite": {
      const db = hook.database ?? "";
      const backup = q(`.backup '${tmp}'`);
      // The online backup API copies a consistent state even while the app writes. The source
      // mount is read-only: -readonly works while the app runs (its -wal and -shm exist), but a
      // WAL database of a stopped app cannot be opened where -shm cannot be created. No -wal
      // means no connection is open, so the file is read as immutable then.
      lines.push(
        `[ -f ${q(db)} ] ${failWith(`${db} does not exist`)}`,
        `rm -f ${q(tmp)}`,
        `if ! sqlite3 -readonly -cmd '.timeout 60000' ${q(db)} ${backup}; then`,
        `  [ ! -e ${q(`${db}-wal`)} ] ${failWith("sqlite3 .backup failed")}`,
        `  log ${q(`${label}: no open connection, reading the file as immutable`)}`,
        `  rm -f ${q(tmp)}`,
        `  sqlite3 ${q(`file:${db}?immutable=1`)} ${backup} ${failWith("sqlite3 .backup failed")}`,
        `fi`,
        `_hcheck=$(sqlite3 ${q(tmp)} 'PRAGMA integrity_check;') ${failWith("integrity_check could not run")}`,
        `[ "$_hcheck" = ok ] ${failWith("the copy failed integrity_check")}`,
        publish,
      );
      break;
    }
  }
  lines.push(`log ${q(`${label}: done`)}`);
  return lines;
}
