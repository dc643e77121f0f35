/**
 * The backup job as it runs on a host: the dev stack's backup container, built from Debian's
 * real restic, busybox, sqlite3 and database clients, runs its generated `serve` under busybox
 * crond with exactly the declared capabilities and `no-new-privileges`. A schedule of every
 * minute fires inside the test, a snapshot appears, and a restore gives back every byte. A dump
 * hook written into the host's hooks directory later, the way an app's BackupHook writes it, is
 * picked up by the running container at its next run: the dump is in the snapshot and the
 * container never restarted.
 *
 * Debian's busybox differs from Alpine's (the real image's): it has no flock and no pgrep
 * applet (the image gets util-linux's and procps'), and its crond has no -d (the job logs with
 * -L, which both have).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { writeFileScript } from "../../hosts/hostFile";
import { renderHook } from "../../plan/backup/hooks";
import { sourcePath } from "../../plan/backup/script";
import type { Evaluation, RegisteredResource } from "../../scripts/evaluate";
import { labelsOf, run } from "../helpers/harness";
import { applyStack, buildImages, removeStack, type AppliedStack } from "./engine/apply";
import type { DockerApi } from "./engine/dockerApi";
import { LAB_IMAGES, labEngine, labStack, type LabStack } from "./engineLab";

const METRICS = "homelab_backup.prom";

let api: DockerApi;
let lab: LabStack;
let ev: Evaluation;
let applied: AppliedStack;
let backup: RegisteredResource;
let id = "";
let password = "";
const roots = { ssd: "" };

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out[relative(dir, p)] = readFileSync(p).toString("base64");
    }
  };
  walk(dir);
  return out;
}

function snapshots(): { time: string; paths: string[] }[] {
  const r = spawnSync(
    "restic",
    ["-r", join(roots.ssd, "backups", "restic"), "snapshots", "--json"],
    {
      encoding: "utf8",
      env: { ...process.env, RESTIC_PASSWORD: password },
    },
  );
  if (r.status !== 0) return [];
  return JSON.parse(r.stdout) as { time: string; paths: string[] }[];
}

async function until<T>(
  what: string,
  seconds: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${seconds}s:\n${await api.logs(id)}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

beforeAll(async () => {
  api = await labEngine();
  lab = labStack("dev", (c) => {
    c["homelab:backup"] = { schedule: "* * * * *" };
  });
  roots.ssd = join(lab.root, "local", "ssd");
  ev = await run(lab.config);
  if (ev.error) throw ev.error;
  backup = ev.resources.find((r) => labelsOf(r)["homelab.app"] === "backup") as RegisteredResource;
  const uploads = backup.inputs.uploads as { file: string; content: string }[];
  password = uploads.find((u) => u.file === "/run/secrets/restic-password")?.content ?? "";
  await buildImages(api, ev, LAB_IMAGES);
  applied = await applyStack(api, ev, (r) => r === backup);
  id = applied.containers[0].id;
});

afterAll(async () => {
  if (applied) await removeStack(api, applied);
  if (lab) rmSync(lab.root, { recursive: true, force: true });
});

test("runs with exactly the declared capabilities and no-new-privileges", async () => {
  const info = await api.json<{
    HostConfig: { CapAdd: string[]; CapDrop: string[]; SecurityOpt: string[] };
  }>("GET", `/containers/${id}/json`);
  const declared = backup.inputs.capabilities as { adds: string[]; drops: string[] };
  expect(info.HostConfig.CapAdd).toEqual(declared.adds);
  expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
  expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges:true");
});

test("writes its metrics at start, before any backup ran: a job that never runs is stale, not silent", async () => {
  const file = join(roots.ssd, "metrics");
  const prom = await until("metrics file", 60, () => {
    const found = readdirSync(file, { recursive: true })
      .map(String)
      .find((f) => f.endsWith(METRICS));
    return found ? readFileSync(join(file, found), "utf8") : undefined;
  });
  expect(prom).toMatch(
    /homelab_backup_last_success_timestamp_seconds\{host="local",repository="local"\} 0/,
  );
  expect(prom).toMatch(/homelab_backup_watched_since_timestamp_seconds\{host="local"\} \d{10}/);
});

test("crond fires the schedule: a snapshot appears and a restore gives back every byte", async () => {
  const app = join(roots.ssd, "config", "grafana");
  mkdirSync(join(app, "nested"), { recursive: true });
  writeFileSync(join(app, "random.bin"), randomBytes(300_000));
  writeFileSync(join(app, "nested", "settings.yml"), "answer: 42\n");
  const seeded = Date.now();
  const snap = await until("a snapshot taken after the data was written", 150, () =>
    snapshots().find((s) => Date.parse(s.time) > seeded),
  );
  expect(snap.paths.some((p) => p.endsWith("/config"))).toBe(true);
  // The run goes on after the snapshot (forget, prune) and reports its end.
  const logs = await until("the run's end", 120, async () => {
    const text = await api.logs(id);
    return /backup: (ok|FAILED)/.test(text) ? text : undefined;
  });
  expect(logs).not.toContain("can't set groups");
  expect(logs).toContain("backup: ok");

  const restore = await api.exec(id, [
    "/bin/sh",
    "/etc/homelab/backup.sh",
    "restore",
    "latest",
    "/restore",
  ]);
  expect(restore.exitCode).toBe(0);
  const restoredRoot = join(roots.ssd, "backups", "_restore");
  const restored = readdirSync(restoredRoot, { recursive: true })
    .map(String)
    .find(
      (p) => p.endsWith(join("config", "grafana")) && statSync(join(restoredRoot, p)).isDirectory(),
    );
  expect(restored).toBeDefined();
  expect(files(join(restoredRoot, restored as string))).toEqual(files(app));
});

test("discovers a hook added while it runs: the dump is in the next snapshot, nothing restarted", async () => {
  type Info = { State: { StartedAt: string }; RestartCount: number };
  const before = await api.json<Info>("GET", `/containers/${id}/json`);
  const app = join(roots.ssd, "config", "notes");
  mkdirSync(app, { recursive: true });
  const db = join(app, "notes.db");
  execFileSync("sqlite3", [
    db,
    "CREATE TABLE notes(body TEXT); INSERT INTO notes VALUES ('kept');",
  ]);
  // The hook file as an app's BackupHook writes it, into the directory the container mounts.
  const volumes = backup.inputs.volumes as { hostPath: string; containerPath: string }[];
  const hooks = volumes.find((v) => v.containerPath === "/hooks")?.hostPath ?? "";
  expect(hooks).not.toBe("");
  const content = renderHook({ kind: "sqlite", app: "notes", database: sourcePath(db) });
  const root = { uid: 0, gid: 0 };
  execFileSync("sh", [
    "-c",
    writeFileScript(`${hooks}/notes.hook`, Buffer.from(content).toString("base64"), root, {
      mode: "0600",
      directory: { owner: root, mode: "0700" },
    }),
  ]);

  const logs = await until("a run with the new hook to end", 210, async () => {
    const text = await api.logs(id);
    const at = text.indexOf("hook notes/sqlite: done");
    return at >= 0 && /backup: (ok|FAILED)/.test(text.slice(at)) ? text.slice(at) : undefined;
  });
  expect(logs).toMatch(/backup: ok/);
  const restore = await api.exec(id, [
    "/bin/sh",
    "/etc/homelab/backup.sh",
    "restore",
    "latest",
    "/restore",
    "/staging/notes",
  ]);
  expect(restore.exitCode).toBe(0);
  const copy = join(roots.ssd, "backups", "_restore", "staging", "notes", "notes.db");
  expect(execFileSync("sqlite3", [copy, "SELECT body FROM notes;"], { encoding: "utf8" })).toBe(
    "kept\n",
  );

  const after = await api.json<Info>("GET", `/containers/${id}/json`);
  expect(after.State.StartedAt).toBe(before.State.StartedAt);
  expect(after.RestartCount).toBe(0);
});
