/**
 * Shared fixtures of the backup script tests: a temp "host" per test (sources, repository,
 * staging, hooks and textfile dirs), the generated script, and helpers to run it with a given
 * shell. Hook files reach the hooks directory through the same write and remove scripts the
 * apps' HostFile resources run on a host. The suites live in script-dash.test.ts and
 * script-busybox.test.ts so jest runs them in parallel; restic's key derivation makes every call
 * cost ~0.5 s of CPU.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { removeFileScript, writeFileScript, writeStdinScript } from "../../hosts/hostFile";
import {
  hookFileName,
  hookPasswordFileName,
  renderHook,
  type DumpHook,
} from "../../plan/backup/hooks";
import { backupScript, METRICS_FILE, type BackupJobPlan } from "../../plan/backup/script";

const TOOLS = [
  { command: "restic", apt: "restic" },
  { command: "sqlite3", apt: "sqlite3" },
  { command: "busybox", apt: "busybox" },
  { command: "flock", apt: "util-linux" },
];

function missingTools(): string[] {
  return TOOLS.filter((t) => spawnSync("sh", ["-c", `command -v ${t.command}`]).status !== 0).map(
    (t) => t.apt,
  );
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface Lab {
  dir: string;
  src: string;
  job: BackupJobPlan;
  scriptPath: string;
  env: NodeJS.ProcessEnv;
}

let root = "";

export function setupLabs(): void {
  beforeAll(() => {
    const missing = missingTools();
    if (missing.length > 0) {
      throw new Error(
        `backup tests need Debian packages that are missing: apt-get install -y ${missing.join(" ")}`,
      );
    }
    root = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-backup-"));
  });

  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });
}

let labCount = 0;

/** A fresh source tree, repository, staging and textfile dir, and the generated script. */
export function makeLab(overrides: (dir: string) => Partial<BackupJobPlan> = () => ({})): Lab {
  labCount += 1;
  const dir = path.join(root, `lab${labCount}`);
  const src = path.join(dir, "src");
  fs.mkdirSync(path.join(src, "config"), { recursive: true });
  fs.mkdirSync(path.join(src, "database"), { recursive: true });
  fs.writeFileSync(path.join(dir, "password"), "correct horse battery staple\n");
  const job: BackupJobPlan = {
    host: "atlas",
    paths: [path.join(src, "config"), path.join(src, "database")],
    excludes: [path.join(src, "config", "*", "cache")],
    hooksDir: path.join(dir, "hooks"),
    repositories: [
      {
        name: "local",
        url: path.join(dir, "repo"),
        retention: { daily: 7, weekly: 4, monthly: 6 },
      },
    ],
    stagingDir: path.join(dir, "staging"),
    textfileDir: path.join(dir, "textfile"),
    checkReadData: "100%",
    tags: ["homelab"],
    ...overrides(dir),
  };
  const lab: Lab = { dir, src, job, scriptPath: path.join(dir, "backup.sh"), env: {} };
  writeScript(lab);
  fs.mkdirSync(job.hooksDir, { mode: 0o700 });
  fs.mkdirSync(path.join(dir, "tmp"));
  lab.env = {
    PATH: process.env.PATH,
    HOME: dir,
    TZ: "UTC",
    TMPDIR: path.join(dir, "tmp"),
    RESTIC_PASSWORD_FILE: path.join(dir, "password"),
    RESTIC_CACHE_DIR: path.join(dir, "cache"),
  };
  return lab;
}

export function writeScript(lab: Lab): void {
  fs.writeFileSync(lab.scriptPath, backupScript(lab.job));
}

const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

function sh(script: string, input = ""): void {
  const r = spawnSync("sh", ["-c", script], { input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`host file script failed: ${r.stderr}`);
}

/**
 * An app's hook as its BackupHook resource leaves it: the hook file, and the password on the
 * write command's stdin into `<app>.password`, 0600.
 */
export function dropHook(lab: Lab, hook: DumpHook, password?: string): void {
  const opts = { mode: "0600", directory: { owner: me, mode: "0700" } };
  if (password !== undefined) {
    const file = path.join(lab.job.hooksDir, hookPasswordFileName(hook.app));
    sh(writeStdinScript(file, me, opts), `${password}\n`);
  }
  dropHookFile(lab, hook.app, renderHook(hook));
}

/** A hook file with any content (a hand-written or damaged one). */
export function dropHookFile(lab: Lab, app: string, content: string): void {
  const file = path.join(lab.job.hooksDir, hookFileName(app));
  const opts = { mode: "0600", directory: { owner: me, mode: "0700" } };
  sh(writeFileScript(file, Buffer.from(content, "utf8").toString("base64"), me, opts));
}

/** What deleting the app's BackupHook does on the host. */
export function removeHook(lab: Lab, app: string): void {
  sh(removeFileScript(path.join(lab.job.hooksDir, hookFileName(app))));
  sh(removeFileScript(path.join(lab.job.hooksDir, hookPasswordFileName(app))));
}

export function run(lab: Lab, shell: string[], args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(shell[0], [...shell.slice(1), lab.scriptPath, ...args], {
    env: { ...lab.env, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and fails the test with the script's output when the exit code is not 0. */
export function ok(lab: Lab, shell: string[], args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const r = run(lab, shell, args, env);
  if (r.status !== 0)
    throw new Error(`backup.sh ${args.join(" ")} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

export interface Snapshot {
  id: string;
  time: string;
  hostname: string;
  tags?: string[];
  paths: string[];
}

export function snapshots(lab: Lab): Snapshot[] {
  const r = spawnSync("restic", ["snapshots", "--json"], {
    env: { ...lab.env, RESTIC_REPOSITORY: lab.job.repositories[0].url },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`restic snapshots failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Snapshot[];
}

export function metrics(lab: Lab): Map<string, number> {
  const text = fs.readFileSync(path.join(lab.job.textfileDir, METRICS_FILE), "utf8");
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

export const LOCAL = '{host="atlas",repository="local"}';

/** Every regular file below dir, relative path → bytes and mode. */
export function tree(dir: string): Map<string, { bytes: Buffer; mode: number }> {
  const files = new Map<string, { bytes: Buffer; mode: number }>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile())
        files.set(path.relative(dir, p), { bytes: fs.readFileSync(p), mode: fs.statSync(p).mode });
    }
  };
  walk(dir);
  return files;
}

export function sqlite(db: string, sql: string): string {
  const r = spawnSync("sqlite3", [db, sql], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`sqlite3 ${db}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Config files of several shapes, and a WAL-mode SQLite database written by sqlite3. */
export function populate(lab: Lab): string {
  const cfg = path.join(lab.src, "config");
  fs.mkdirSync(path.join(cfg, "jellyfin", "data", "nested deeper"), { recursive: true });
  fs.writeFileSync(
    path.join(cfg, "jellyfin", "system.xml"),
    "<ServerConfiguration>\n  <x>1</x>\n</ServerConfiguration>\n",
  );
  fs.writeFileSync(
    path.join(cfg, "jellyfin", "data", "nested deeper", "blob name.bin"),
    randomBytes(300_000),
  );
  fs.writeFileSync(path.join(cfg, "jellyfin", "empty"), "");
  fs.writeFileSync(path.join(cfg, "jellyfin", "secret.key"), "k3y\n", { mode: 0o600 });
  fs.mkdirSync(path.join(cfg, "jellyfin", "cache"));
  fs.writeFileSync(path.join(cfg, "jellyfin", "cache", "thumb.jpg"), randomBytes(1000));
  fs.mkdirSync(path.join(lab.src, "database", "postgres"), { recursive: true });
  fs.writeFileSync(path.join(lab.src, "database", "postgres", "PG_VERSION"), "16\n");
  const vw = path.join(cfg, "vaultwarden");
  fs.mkdirSync(vw);
  const db = path.join(vw, "db.sqlite3");
  sqlite(
    db,
    "PRAGMA journal_mode=WAL; CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT);" +
      "INSERT INTO users(email) VALUES ('a@example.com'), ('b@example.com'), ('c@example.com');",
  );
  return db;
}

/**
 * Stand-ins for pg_dumpall, mariadb-dump and redis-cli that log how they were called (password
 * variable and arguments apart) and behave like the real ones on success (the real clients need
 * running servers; test/lab/databases.lab.test.ts runs those).
 */
export function fakeClients(lab: Lab): string {
  const bin = path.join(lab.dir, "bin");
  fs.mkdirSync(bin);
  const log = path.join(bin, "calls.log");
  const write = (name: string, body: string): void => {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nset -eu\n${body}\n`, { mode: 0o755 });
  };
  write(
    "pg_dumpall",
    `printf 'pg_dumpall PGPASSWORD=%s args=%s\\n' "\${PGPASSWORD-<unset>}" "$*" >> '${log}'
while [ $# -gt 0 ]; do if [ "$1" = -f ]; then out=$2; fi; shift; done
printf -- '-- fake pg_dumpall\\n' > "$out"`,
  );
  write(
    "mariadb-dump",
    `printf 'mariadb-dump MYSQL_PWD=%s args=%s\\n' "\${MYSQL_PWD-<unset>}" "$*" >> '${log}'
for a in "$@"; do case "$a" in --result-file=*) out=\${a#--result-file=} ;; esac; done
printf -- '-- fake mariadb-dump\\n' > "$out"`,
  );
  // LASTSAVE moves one call after BGSAVE, as a save in progress does.
  const state = path.join(bin, "redis.state");
  write(
    "redis-cli",
    `printf 'redis-cli REDISCLI_AUTH=%s args=%s\\n' "\${REDISCLI_AUTH-<unset>}" "$*" >> '${log}'
for last; do :; done
case "$last" in
  BGSAVE) echo saving > '${state}'; echo 'Background saving started' ;;
  LASTSAVE)
    s=$(cat '${state}' 2>/dev/null || echo idle)
    case "$s" in
      idle) echo 1700000000 ;;
      saving) echo saved > '${state}'; echo 1700000000 ;;
      saved) echo 1700000001 ;;
    esac ;;
  persistence) printf '# Persistence\\r\\nrdb_last_bgsave_status:ok\\r\\n' ;;
  *) echo "unexpected $*" >&2; exit 1 ;;
esac`,
  );
  return bin;
}

/** The files below `<target>/<staging>` of a restore, relative to staging. */
function restoredStaging(
  lab: Lab,
  argv: string[],
  snapshot: string,
): Map<string, { bytes: Buffer; mode: number }> {
  const target = path.join(lab.dir, `restored-${snapshot}`);
  ok(lab, argv, ["restore", snapshot, target, lab.job.stagingDir]);
  const dir = path.join(target, lab.job.stagingDir);
  return fs.existsSync(dir) ? tree(dir) : new Map();
}

interface FailingHook {
  why: string;
  drop: (lab: Lab) => void;
  error: RegExp;
  /** The stand-in clients on PATH, for a failure that must come after the client check. */
  clients?: boolean;
}

export function describeScript(name: string, argv: string[]): void {
  describe(`generated backup script under ${name}`, () => {
    test("init is idempotent, backup then restore gives back every byte", () => {
      const lab = makeLab();
      const db = populate(lab);
      dropHook(lab, { kind: "sqlite", app: "vaultwarden", database: db });

      ok(lab, argv, ["init"]);
      const again = ok(lab, argv, ["init"]);
      expect(again.stderr).toContain("already initialised");

      const before = tree(lab.src);
      ok(lab, argv, ["backup"]);
      const snaps = snapshots(lab);
      expect(snaps).toHaveLength(1);
      expect(snaps[0].hostname).toBe("atlas");
      expect(snaps[0].tags).toEqual(["homelab"]);

      // Change, add and delete after the snapshot: the restore must not see any of it.
      const cfg = path.join(lab.src, "config");
      fs.writeFileSync(path.join(cfg, "jellyfin", "system.xml"), "changed");
      fs.rmSync(path.join(cfg, "jellyfin", "data"), { recursive: true });
      fs.writeFileSync(path.join(cfg, "jellyfin", "new-file"), "new");
      sqlite(db, "DELETE FROM users;");

      const target = path.join(lab.dir, "restored");
      ok(lab, argv, ["restore", "latest", target]);

      const restoredSrc = tree(path.join(target, lab.src));
      const expected = [...before.keys()]
        .filter((f) => !f.startsWith("config/vaultwarden/db.sqlite3")) // live DB: excluded, the hook's copy is kept
        .filter((f) => !f.startsWith("config/jellyfin/cache/")) // the plan's exclude
        .sort();
      expect([...restoredSrc.keys()].sort()).toEqual(expected);
      for (const f of expected) {
        const want = before.get(f);
        const got = restoredSrc.get(f);
        expect(got?.bytes.equals(want?.bytes ?? Buffer.alloc(0))).toBe(true);
        expect(got?.mode).toBe(want?.mode);
      }

      // The consistent copy from staging is a valid database with the rows.
      const copy = path.join(target, lab.job.stagingDir, "vaultwarden", "db.sqlite3");
      expect(sqlite(copy, "PRAGMA integrity_check;")).toBe("ok");
      expect(sqlite(copy, "SELECT email FROM users ORDER BY id;")).toBe(
        "a@example.com\nb@example.com\nc@example.com",
      );

      // Restoring one path only brings back that path.
      const one = path.join(lab.dir, "restored-one");
      ok(lab, argv, ["restore", "latest", one, path.join(cfg, "jellyfin", "system.xml")]);
      expect([...tree(one).keys()]).toEqual([
        path.relative("/", path.join(cfg, "jellyfin", "system.xml")),
      ]);

      const m = metrics(lab);
      expect(m.get(`homelab_backup_last_run_success${LOCAL}`)).toBe(1);
      expect(m.get(`homelab_backup_last_success_timestamp_seconds${LOCAL}`)).toBe(
        m.get(`homelab_backup_last_run_timestamp_seconds${LOCAL}`),
      );
      expect(m.has('homelab_backup_duration_seconds{host="atlas"}')).toBe(true);
      expect(fs.readdirSync(lab.job.textfileDir)).toEqual([METRICS_FILE]);
    });

    test("discovers hooks at every run: one added between runs is dumped, one removed leaves the next snapshot", () => {
      const lab = makeLab();
      const db = populate(lab);
      const script = fs.readFileSync(lab.scriptPath);
      const liveDb = path.relative("/", db);
      ok(lab, argv, ["init"]);

      // One snapshot a day, so the retention keeps all three.
      const day = (d: number) => ({ BACKUP_TIME: `2024-03-1${d} 12:00:00` });
      const dumps = () => metrics(lab).get('homelab_backup_dumps{host="atlas"}');
      ok(lab, argv, ["backup"], day(1));
      expect(dumps()).toBe(0);
      // The app gets its hook (the app's deployment writes the file; the job is not touched).
      dropHook(lab, { kind: "sqlite", app: "vaultwarden", database: db });
      const added = ok(lab, argv, ["backup"], day(2));
      expect(added.stderr).toContain("hook vaultwarden/sqlite: done");
      expect(dumps()).toBe(1);
      removeHook(lab, "vaultwarden");
      ok(lab, argv, ["backup"], day(3));
      expect(dumps()).toBe(0);

      expect(fs.readFileSync(lab.scriptPath).equals(script)).toBe(true);
      const [first, second, third] = snapshots(lab)
        .sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
        .map((s) => s.id);
      expect([...restoredStaging(lab, argv, first).keys()]).toEqual([]);
      const dumped = restoredStaging(lab, argv, second);
      expect([...dumped.keys()]).toEqual(["vaultwarden/db.sqlite3"]);
      const copy = path.join(
        lab.dir,
        `restored-${second}`,
        lab.job.stagingDir,
        "vaultwarden",
        "db.sqlite3",
      );
      expect(sqlite(copy, "SELECT count(*) FROM users;")).toBe("3");
      expect([...restoredStaging(lab, argv, third).keys()]).toEqual([]);

      // While the hook exists the live file is left out for its copy; without one it is kept.
      const files = (id: string): string[] => {
        const r = spawnSync("restic", ["ls", id], {
          env: { ...lab.env, RESTIC_REPOSITORY: lab.job.repositories[0].url },
          encoding: "utf8",
        });
        return r.stdout.split("\n");
      };
      expect(files(first)).toContain(`/${liveDb}`);
      expect(files(second)).not.toContain(`/${liveDb}`);
      expect(files(third)).toContain(`/${liveDb}`);
    });

    const failingHooks: FailingHook[] = [
      {
        why: "a sqlite hook on a missing file",
        drop: (lab) =>
          dropHook(lab, {
            kind: "sqlite",
            app: "ghost",
            database: path.join(lab.src, "config", "ghost", "ghost.db"),
          }),
        error: /ERROR: hook ghost\/sqlite: .*ghost\.db does not exist/,
      },
      {
        // Fails on the closed port, or earlier when no pg_dumpall is installed: either way the run fails.
        why: "a postgres hook pointing at a closed port",
        drop: (lab) =>
          dropHook(lab, { kind: "postgres", app: "immich", host: "127.0.0.1", port: 1 }),
        error: /ERROR: hook immich\/postgres: pg_dumpall failed|database clients missing/,
      },
      {
        why: "a hook file of a kind the job does not know",
        drop: (lab) => dropHookFile(lab, "mongo", "kind=mongodb\nhost=mongo\nport=27017\n"),
        error: /ERROR: hook mongo: unknown kind 'mongodb'/,
      },
      {
        why: "a hook file whose value is shell code",
        drop: (lab) =>
          dropHookFile(
            lab,
            "evil",
            `kind=redis\nhost=$(touch ${path.join(lab.dir, "pwned")})\nport=6379\n`,
          ),
        error: /ERROR: hook evil: host must be a container or host name/,
      },
      {
        why: "a sqlite hook on a file outside the backed-up directories",
        drop: (lab) => {
          const outside = path.join(lab.dir, "elsewhere.db");
          sqlite(outside, "CREATE TABLE t(x);");
          dropHook(lab, { kind: "sqlite", app: "stray", database: outside });
        },
        error: /ERROR: hook stray: .*elsewhere\.db is not below a backed-up directory/,
      },
      {
        why: "a hook whose password file is missing",
        drop: (lab) =>
          dropHook(lab, {
            kind: "redis",
            app: "immich-redis",
            host: "immich-redis",
            password: true,
          }),
        error: /ERROR: hook immich-redis: password file immich-redis\.password is missing/,
        clients: true,
      },
      {
        why: "a hook file with a key the job does not know",
        drop: (lab) =>
          dropHookFile(
            lab,
            "typo",
            `kind=sqlite\ndatabase=${path.join(lab.src, "config", "vaultwarden", "db.sqlite3")}\npassword=hunter2\n`,
          ),
        error: /ERROR: hook typo line 3: unknown key password/,
      },
    ];

    test.each(failingHooks)(
      "$why fails the run, makes no snapshot and keeps the last success",
      ({ drop, error, clients }) => {
        const lab = makeLab();
        const env = clients ? { PATH: `${fakeClients(lab)}:${process.env.PATH}` } : {};
        populate(lab);
        ok(lab, argv, ["init"]);
        ok(lab, argv, ["backup"]);
        const first = metrics(lab);
        const lastSuccess = first.get(`homelab_backup_last_success_timestamp_seconds${LOCAL}`);
        expect(lastSuccess).toBeGreaterThan(0);

        // A good hook beside the bad one: the bad one still fails the whole run.
        dropHook(lab, {
          kind: "sqlite",
          app: "vaultwarden",
          database: path.join(lab.src, "config", "vaultwarden", "db.sqlite3"),
        });
        drop(lab);
        const r = run(lab, argv, ["backup"], env);
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(error);
        expect(r.stderr).not.toContain("hunter2");
        expect(fs.existsSync(path.join(lab.dir, "pwned"))).toBe(false);
        expect(snapshots(lab)).toHaveLength(1);

        const m = metrics(lab);
        expect(m.get(`homelab_backup_last_run_success${LOCAL}`)).toBe(0);
        expect(m.get(`homelab_backup_last_success_timestamp_seconds${LOCAL}`)).toBe(lastSuccess);
        expect(m.get(`homelab_backup_last_run_timestamp_seconds${LOCAL}`)).toBeGreaterThanOrEqual(
          lastSuccess ?? 0,
        );
      },
    );

    test("network hooks run their clients with the password from its file, never in argv", () => {
      const lab = makeLab();
      populate(lab);
      const bin = fakeClients(lab);
      dropHook(
        lab,
        {
          kind: "postgres",
          app: "immich-postgres",
          host: "immich-postgres",
          user: "immich",
          password: true,
        },
        "pg pw",
      );
      // A Redis without a password (Authelia's session store) gets no password variable at all.
      dropHook(lab, { kind: "redis", app: "authelia-redis", host: "authelia-redis" });
      dropHook(
        lab,
        { kind: "mariadb", app: "mariadb", host: "mariadb", port: 3307, password: true },
        "maria pw",
      );
      // A stale dump of an app that no longer has a hook is removed from staging.
      fs.mkdirSync(path.join(lab.job.stagingDir, "removed-app"), { recursive: true });
      fs.writeFileSync(path.join(lab.job.stagingDir, "removed-app", "postgres.sql"), "old");
      const env = { PATH: `${bin}:${process.env.PATH}` };
      ok(lab, argv, ["init"]);
      ok(lab, argv, ["backup"], env);

      const calls = fs.readFileSync(path.join(bin, "calls.log"), "utf8");
      expect(calls).toContain(
        "pg_dumpall PGPASSWORD=pg pw args=-h immich-postgres -p 5432 -U immich -f",
      );
      expect(calls).toContain(
        "mariadb-dump MYSQL_PWD=maria pw args=-h mariadb -P 3307 -u root --skip-ssl --all-databases",
      );
      expect(calls).toContain(
        "redis-cli REDISCLI_AUTH=<unset> args=-h authelia-redis -p 6379 --no-auth-warning BGSAVE",
      );
      for (const line of calls.trim().split("\n")) {
        expect(line.slice(line.indexOf(" args=")).includes(" pw")).toBe(false);
      }

      const staged = restoredStaging(lab, argv, "latest");
      expect([...staged.keys()].sort()).toEqual([
        "authelia-redis/redis.lastsave",
        "immich-postgres/postgres.sql",
        "mariadb/mariadb.sql",
      ]);
      expect(staged.get("immich-postgres/postgres.sql")?.bytes.toString()).toBe(
        "-- fake pg_dumpall\n",
      );
      expect(staged.get("authelia-redis/redis.lastsave")?.bytes.toString()).toBe("1700000001\n");
      // The password files stay where the apps put them, readable by the job's user only.
      const pw = fs.statSync(path.join(lab.job.hooksDir, "immich-postgres.password"));
      expect(pw.mode & 0o777).toBe(0o600);
    });

    test("check succeeds and keeps the backup metrics", () => {
      const lab = makeLab();
      populate(lab);
      ok(lab, argv, ["init"]);
      ok(lab, argv, ["backup"]);
      const r = ok(lab, argv, ["check"]);
      expect(r.stdout + r.stderr).toContain("no errors were found");
      const m = metrics(lab);
      expect(m.get(`homelab_backup_check_success${LOCAL}`)).toBe(1);
      expect(m.get(`homelab_backup_check_last_run_timestamp_seconds${LOCAL}`)).toBeGreaterThan(0);
      expect(m.get(`homelab_backup_last_run_success${LOCAL}`)).toBe(1);
    });
  });
}
