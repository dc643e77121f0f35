import { shellQuote } from "../shell";
/**
 * Database dump hooks, discovered by the BackupJob at run time (DESIGN §7).
 *
 * Each app that declares `dump` gets its own hook file, `<app>.hook`, in its host's hooks
 * directory (and its database password beside it in `<app>.password`, mode 0600), written by a
 * resource of the app itself. The backup script reads every hook file there before each snapshot,
 * so adding or removing such an app adds or removes two files and leaves the backup container,
 * its script and its environment byte-identical: nothing restarts.
 *
 * A hook file is data, never code: `key=value` lines that the script reads one by one and checks
 * before use (plan/backup/script.ts), so the worst a wrong file can do is fail the run. Dumps are
 * taken over the network with each database's own client, so the backup container never needs
 * the Docker socket (DESIGN §5).
 */

export type DumpHookKind = "postgres" | "mariadb" | "redis" | "sqlite";

export interface DumpHook {
  kind: DumpHookKind;
  /** Catalog name of the app that owns the database: the hook file's name, and the dump lands in `<staging>/<app>/`. */
  app: string;
  /** Container name of the database server (network hooks: postgres, mariadb, redis). */
  host?: string;
  port?: number;
  user?: string;
  /** SQLite only: the live database file as seen in the backup container (`/source/...`). */
  database?: string;
  /** The database needs a password: the script reads it from `<app>.password` beside the hook. */
  password?: boolean;
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

/** The superuser a hook logs in as when the catalog names none. */
const DEFAULT_USERS: Readonly<Record<DumpHookKind, string | undefined>> = {
  postgres: "postgres",
  mariadb: "root",
  redis: undefined,
  sqlite: undefined,
};

/** How long a Redis BGSAVE may take before the hook fails. */
export const REDIS_SAVE_TIMEOUT_SECONDS = 600;

export { shellQuote };

/**
 * The script checks every value against these same patterns before use (plan/backup/script.ts);
 * checking here too turns a bad catalog entry into an error at `pulumi preview`.
 */
export const HOOK_PATTERNS = {
  app: /^[a-z0-9][a-z0-9._-]*$/,
  host: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
  user: /^[A-Za-z0-9_][A-Za-z0-9._-]*$/,
  /** SQLite paths go inside a quoted dot-command argument and a `file:` URI: no quotes, blanks, `?` or `%`. */
  database: /^\/[A-Za-z0-9._@+=,:/-]+$/,
} as const;

/** Throws on a hook that would render an unsafe or meaningless hook file. */
export function validateHook(hook: DumpHook): void {
  const where = `backup hook ${hook.kind} for ${hook.app}`;
  if (!HOOK_PATTERNS.app.test(hook.app)) {
    throw new Error(`${where}: app name must match ${HOOK_PATTERNS.app}`);
  }
  if (hook.kind === "sqlite") {
    const db = hook.database ?? "";
    if (!HOOK_PATTERNS.database.test(db) || db.split("/").includes("..")) {
      throw new Error(`${where}: database must be an absolute path of [A-Za-z0-9._@+=,:/-]`);
    }
    if (hook.password) throw new Error(`${where}: a sqlite database has no password`);
    return;
  }
  if (!hook.host || !HOOK_PATTERNS.host.test(hook.host)) {
    throw new Error(`${where}: host must be a container or host name`);
  }
  if (
    hook.port !== undefined &&
    !(Number.isInteger(hook.port) && hook.port > 0 && hook.port < 65536)
  ) {
    throw new Error(`${where}: port must be 1-65535`);
  }
  if (hook.user !== undefined && !HOOK_PATTERNS.user.test(hook.user)) {
    throw new Error(`${where}: user must match ${HOOK_PATTERNS.user}`);
  }
  if (hook.kind === "redis" && hook.user !== undefined) {
    throw new Error(`${where}: a redis hook authenticates with a password only`);
  }
}

/** The hook file's name in the hooks directory. */
export function hookFileName(app: string): string {
  return `${app}.hook`;
}

/** The name of the file beside the hook that holds the database password. */
export function hookPasswordFileName(app: string): string {
  return `${app}.password`;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The file the hook leaves in staging (inside the snapshot); the script names it the same way. */
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
 * The hook file of one app: every value the script needs, written out (ports and users with
 * their defaults), so the script holds no per-app knowledge.
 */
export function renderHook(hook: DumpHook): string {
  validateHook(hook);
  const lines = [
    `# Dump hook of ${hook.app}, read by this host's backup job before each snapshot.`,
    "# Generated by homelab (plan/backup/hooks.ts); removed with the app.",
    `kind=${hook.kind}`,
  ];
  if (hook.kind === "sqlite") {
    lines.push(`database=${hook.database ?? ""}`);
  } else {
    lines.push(`host=${hook.host ?? ""}`, `port=${hook.port ?? DEFAULT_PORTS[hook.kind] ?? ""}`);
    const user = hook.user ?? DEFAULT_USERS[hook.kind];
    if (user !== undefined) lines.push(`user=${user}`);
    if (hook.password) lines.push(`passwordFile=${hookPasswordFileName(hook.app)}`);
  }
  return `${lines.join("\n")}\n`;
}
