/**
 * The pure backup generators: hooks, crontab, restore commands and plan validation (the
 * generated scripts are checked by the real shellcheck in the lab).
 */
import { crontab, validateSchedule } from "../../plan/backup/crontab";
import {
  hookClients,
  hookExcludes,
  renderHook,
  shellQuote,
  type DumpHook,
} from "../../plan/backup/hooks";
import { restoreCommands } from "../../plan/backup/restore";
import { backupScript, sourcePath, type BackupJobPlan } from "../../plan/backup/script";

const HOOKS: DumpHook[] = [
  {
    kind: "postgres",
    app: "immich",
    host: "immich-postgres",
    user: "postgres",
    passwordEnv: "IMMICH_DB_PASSWORD",
  },
  { kind: "redis", app: "immich", host: "immich-redis" },
  {
    kind: "mariadb",
    app: "nextcloud",
    host: "nextcloud-db",
    port: 3307,
    user: "root",
    passwordEnv: "NEXTCLOUD_DB_PASSWORD",
  },
  { kind: "sqlite", app: "vaultwarden", database: "/source/mnt/ssd/config/vaultwarden/db.sqlite3" },
];

function plan(): BackupJobPlan {
  return {
    host: "atlas",
    paths: [sourcePath("/mnt/ssd/config"), sourcePath("/mnt/ssd/database")],
    excludes: ["/source/mnt/ssd/config/*/cache"],
    hooks: HOOKS,
    repositories: [
      { name: "local", url: "/repo", retention: { daily: 7, weekly: 4, monthly: 0 } },
      {
        name: "offsite",
        url: "b2:homelab-backups:atlas",
        retention: { daily: 7, weekly: 4, monthly: 3 },
      },
    ],
    stagingDir: "/staging",
    textfileDir: "/textfile",
    checkReadData: "5%",
    tags: ["homelab"],
  };
}

describe("dump hooks", () => {
  test("postgres dumps every database over the network with the password from env", () => {
    const text = renderHook(HOOKS[0], "/staging").join("\n");
    expect(text).toContain(`PGPASSWORD="\${IMMICH_DB_PASSWORD:?IMMICH_DB_PASSWORD is not set}"`);
    expect(text).toContain(
      "pg_dumpall -h 'immich-postgres' -p 5432 -U 'postgres' -f '/staging/immich/postgres.sql.tmp'",
    );
    expect(text).toContain(
      "mv -f '/staging/immich/postgres.sql.tmp' '/staging/immich/postgres.sql'",
    );
  });

  test("mariadb takes a single-transaction dump of all databases", () => {
    const text = renderHook(HOOKS[2], "/staging").join("\n");
    expect(text).toContain("mariadb-dump -h 'nextcloud-db' -P 3307 -u 'root'");
    expect(text).toContain("--all-databases --flush-privileges --single-transaction");
    expect(text).toContain('MYSQL_PWD="${NEXTCLOUD_DB_PASSWORD:?');
  });

  test("redis waits for LASTSAVE to change after BGSAVE", () => {
    const text = renderHook(HOOKS[1], "/staging").join("\n");
    expect(text).toContain("BGSAVE");
    expect(text).toMatch(/while :; do[\s\S]*LASTSAVE[\s\S]*done/);
    expect(text).toContain("rdb_last_bgsave_status:ok");
  });

  test("sqlite copies with the online backup API and excludes the live files", () => {
    const text = renderHook(HOOKS[3], "/staging").join("\n");
    expect(text).toContain(
      `sqlite3 -readonly -cmd '.timeout 60000' '/source/mnt/ssd/config/vaultwarden/db.sqlite3' '.backup '\\''/staging/vaultwarden/db.sqlite3.tmp'\\'''`,
    );
    expect(text).toContain(`[ ! -e '/source/mnt/ssd/config/vaultwarden/db.sqlite3-wal' ] || fail`);
    expect(text).toContain(
      `sqlite3 'file:/source/mnt/ssd/config/vaultwarden/db.sqlite3?immutable=1'`,
    );
    expect(text).toContain("PRAGMA integrity_check");
    expect(hookExcludes(HOOKS[3])).toEqual([
      "/source/mnt/ssd/config/vaultwarden/db.sqlite3",
      "/source/mnt/ssd/config/vaultwarden/db.sqlite3-wal",
      "/source/mnt/ssd/config/vaultwarden/db.sqlite3-shm",
      "/source/mnt/ssd/config/vaultwarden/db.sqlite3-journal",
    ]);
  });

  test("every command line of a hook fails the run on error", () => {
    for (const hook of HOOKS) {
      // `if ! cmd; then` handles the failure itself (the sqlite fallback) and is left out.
      const commands = renderHook(hook, "/staging").filter(
        (l) =>
          !/^\s*if ! /.test(l) &&
          /^\s*[A-Z_]*=?.*(pg_dumpall|mariadb-dump|redis-cli|sqlite3|mv|mkdir) /.test(l),
      );
      expect(commands.length).toBeGreaterThan(0);
      for (const c of commands) expect(c).toMatch(/\|\| fail /);
    }
  });

  test("clients are listed once per kind", () => {
    expect(hookClients(HOOKS).map((c) => c.apkPackage)).toEqual([
      "mariadb-client",
      "postgresql-client",
      "redis",
      "sqlite",
    ]);
  });

  test("unsafe hooks are refused", () => {
    expect(() => renderHook({ kind: "sqlite", app: "x", database: "/a b/db" }, "/staging")).toThrow(
      /database must be/,
    );
    expect(() => renderHook({ kind: "postgres", app: "x" }, "/staging")).toThrow(/host must be/);
    expect(() =>
      renderHook({ kind: "redis", app: "x", host: "r", passwordEnv: "A-B" }, "/staging"),
    ).toThrow(/passwordEnv/);
    expect(() => renderHook({ kind: "redis", app: "X Y", host: "r" }, "/staging")).toThrow(
      /app name/,
    );
  });

  test("shellQuote survives single quotes", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe("backup script", () => {
  test("is deterministic and takes every path from the plan", () => {
    const a = backupScript(plan());
    expect(backupScript(plan())).toBe(a);
    expect(a).toContain("STAGING='/staging'");
    expect(a).toContain("'local') printf '%s\\n' '/repo' ;;");
    expect(a).toContain(
      "'offsite') printf '%s\\n' '--keep-daily 7 --keep-weekly 4 --keep-monthly 3' ;;",
    );
    expect(a).toContain("'local') printf '%s\\n' '--keep-daily 7 --keep-weekly 4' ;;");
    expect(a).toContain("--group-by host");
    expect(a).toContain('check --read-data-subset="$CHECK_READ_DATA"');
  });

  test("refuses plans it cannot run safely", () => {
    const bad = (change: (p: BackupJobPlan) => void): (() => string) => {
      const p = plan();
      change(p);
      return () => backupScript(p);
    };
    expect(bad((p) => (p.paths = []))).toThrow(/no paths/);
    expect(bad((p) => (p.stagingDir = "staging"))).toThrow(/stagingDir must be an absolute path/);
    expect(bad((p) => (p.repositories[0].retention = { daily: 0, weekly: 0, monthly: 0 }))).toThrow(
      /keeps nothing/,
    );
    expect(bad((p) => (p.repositories[1].name = "local"))).toThrow(/appears twice/);
    expect(bad((p) => (p.checkReadData = "5%; rm -rf /"))).toThrow(/checkReadData/);
    expect(bad((p) => p.hooks.push({ kind: "postgres", app: "immich", host: "other" }))).toThrow(
      /two hooks write/,
    );
  });
});

describe("crontab", () => {
  test("runs backup and check through sh", () => {
    expect(crontab("30 3 * * *", "0 5 * * 0", "/etc/homelab/backup.sh")).toBe(
      [
        "# Generated by homelab (plan/backup/crontab.ts). Times are in the container's TZ.",
        "30 3 * * * /bin/sh /etc/homelab/backup.sh backup",
        "0 5 * * 0 /bin/sh /etc/homelab/backup.sh check",
        "",
      ].join("\n"),
    );
  });

  test("accepts five fields only", () => {
    expect(validateSchedule(" 0  */6 * * 1-5 ")).toEqual(["0", "*/6", "*", "*", "1-5"]);
    expect(() => validateSchedule("@daily")).toThrow(/five cron fields/);
    expect(() => validateSchedule("0 3 * * * rm")).toThrow(/five cron fields/);
    expect(() => crontab("0 3 * * *", "0 5 * * 0", "backup.sh")).toThrow(/script path/);
  });
});

describe("restore commands", () => {
  const target = {
    container: "homelab-backup-atlas",
    restoreDir: "/restore",
    restoreDirOnHost: "/mnt/hdd/backups/_restore",
  };

  test("one command per app with its dumps, then the whole host", () => {
    const cmds = restoreCommands(plan(), target, [
      { app: "jellyfin", paths: [sourcePath("/mnt/ssd/config/jellyfin")] },
      {
        app: "immich",
        paths: [sourcePath("/mnt/ssd/config/immich"), sourcePath("/mnt/ssd/database/immich")],
      },
    ]);
    expect(cmds.map((c) => c.app)).toEqual(["immich", "jellyfin", "nextcloud", "vaultwarden", "*"]);
    expect(cmds[0].command).toBe(
      "docker exec homelab-backup-atlas sh /etc/homelab/backup.sh restore latest /restore " +
        "/source/mnt/ssd/config/immich /source/mnt/ssd/database/immich /staging/immich",
    );
    expect(cmds[4].command).toBe(
      "docker exec homelab-backup-atlas sh /etc/homelab/backup.sh restore latest /restore",
    );
    expect(cmds[4].paths).toEqual([
      "/source/mnt/ssd/config",
      "/source/mnt/ssd/database",
      "/staging",
    ]);
  });

  test("refuses an app path that is not backed up", () => {
    expect(() =>
      restoreCommands(plan(), target, [{ app: "sonarr", paths: ["/source/mnt/hdd/data"] }]),
    ).toThrow(/not backed up/);
  });
});
