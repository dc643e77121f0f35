/**
 * The pure backup generators: hook files, crontab, restore commands and plan validation (the
 * generated script runs for real in script-*.lab.test.ts and is checked by shellcheck in the lab).
 */
import { crontab, validateSchedule } from "../../plan/backup/crontab";
import { renderHook, shellQuote, type DumpHook } from "../../plan/backup/hooks";
import { restoreCommands } from "../../plan/backup/restore";
import { backupScript, sourcePath, type BackupJobPlan } from "../../plan/backup/script";

const HOOKS: DumpHook[] = [
  {
    kind: "postgres",
    app: "immich-postgres",
    host: "immich-postgres",
    user: "immich",
    password: true,
  },
  { kind: "redis", app: "authelia-redis", host: "authelia-redis" },
  { kind: "mariadb", app: "mariadb", host: "mariadb", port: 3307, password: true },
  { kind: "sqlite", app: "vaultwarden", database: "/source/mnt/ssd/config/vaultwarden/db.sqlite3" },
];

function plan(): BackupJobPlan {
  return {
    host: "atlas",
    paths: [sourcePath("/mnt/ssd/config"), sourcePath("/mnt/ssd/database")],
    excludes: ["/source/mnt/ssd/config/*/cache"],
    hooksDir: "/hooks",
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

/** The key=value lines of a hook file, comments left out. */
function fields(file: string): Record<string, string> {
  return Object.fromEntries(
    file
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

describe("dump hook files", () => {
  test("a network hook names its server, port and user, with the kind's defaults filled in", () => {
    expect(fields(renderHook(HOOKS[0]))).toEqual({
      kind: "postgres",
      host: "immich-postgres",
      port: "5432",
      user: "immich",
      passwordFile: "immich-postgres.password",
    });
    expect(fields(renderHook(HOOKS[2]))).toEqual({
      kind: "mariadb",
      host: "mariadb",
      port: "3307",
      user: "root",
      passwordFile: "mariadb.password",
    });
  });

  test("a database without a password gets no password file, a sqlite hook only its file", () => {
    expect(fields(renderHook(HOOKS[1]))).toEqual({
      kind: "redis",
      host: "authelia-redis",
      port: "6379",
    });
    expect(fields(renderHook(HOOKS[3]))).toEqual({
      kind: "sqlite",
      database: "/source/mnt/ssd/config/vaultwarden/db.sqlite3",
    });
  });

  test("unsafe hooks are refused before anything is written", () => {
    const refused: [DumpHook, RegExp][] = [
      [{ kind: "sqlite", app: "x", database: "/a b/db" }, /database must be/],
      [{ kind: "sqlite", app: "x", database: "/source/../run/secrets/x" }, /database must be/],
      [{ kind: "sqlite", app: "x", database: "/source/x.db", password: true }, /no password/],
      [{ kind: "postgres", app: "x" }, /host must be/],
      [{ kind: "postgres", app: "x", host: "$(id)" }, /host must be/],
      [{ kind: "postgres", app: "x", host: "db", user: "-oProxyCommand" }, /user must match/],
      [{ kind: "redis", app: "x", host: "r", user: "default" }, /password only/],
      [{ kind: "redis", app: "x", host: "r", port: 70000 }, /port must be/],
      [{ kind: "redis", app: "X Y", host: "r" }, /app name/],
      [{ kind: "redis", app: "../x", host: "r" }, /app name/],
    ];
    for (const [hook, error] of refused) expect(() => renderHook(hook)).toThrow(error);
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
    expect(a).toContain("HOOKS='/hooks'");
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
    expect(bad((p) => (p.hooksDir = "/"))).toThrow(/hooksDir must be an absolute path/);
    expect(bad((p) => (p.repositories[0].retention = { daily: 0, weekly: 0, monthly: 0 }))).toThrow(
      /keeps nothing/,
    );
    expect(bad((p) => (p.repositories[1].name = "local"))).toThrow(/appears twice/);
    expect(bad((p) => (p.checkReadData = "5%; rm -rf /"))).toThrow(/checkReadData/);
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
    const cmds = restoreCommands(
      plan(),
      target,
      [
        { app: "jellyfin", paths: [sourcePath("/mnt/ssd/config/jellyfin")] },
        { app: "immich-postgres", paths: [sourcePath("/mnt/ssd/database/immich-postgres")] },
      ],
      HOOKS,
    );
    expect(cmds.map((c) => c.app)).toEqual([
      "authelia-redis",
      "immich-postgres",
      "jellyfin",
      "mariadb",
      "vaultwarden",
      "*",
    ]);
    expect(cmds[1].command).toBe(
      "docker exec homelab-backup-atlas sh /etc/homelab/backup.sh restore latest /restore " +
        "/source/mnt/ssd/database/immich-postgres /staging/immich-postgres",
    );
    expect(cmds[5].command).toBe(
      "docker exec homelab-backup-atlas sh /etc/homelab/backup.sh restore latest /restore",
    );
    expect(cmds[5].paths).toEqual([
      "/source/mnt/ssd/config",
      "/source/mnt/ssd/database",
      "/staging",
    ]);
  });

  test("refuses an app path that is not backed up", () => {
    expect(() =>
      restoreCommands(plan(), target, [{ app: "sonarr", paths: ["/source/mnt/hdd/data"] }], []),
    ).toThrow(/not backed up/);
  });
});
