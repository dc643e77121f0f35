/**
 * The generated backup script run for real under busybox ash, the shell of the restic/restic
 * image, with Debian's restic and sqlite3 (CI: `apt-get install -y restic sqlite3 busybox`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  describeScript,
  LOCAL,
  makeLab,
  metrics,
  ok,
  populate,
  run,
  setupLabs,
  snapshots,
  writeScript,
} from "./lab";

setupLabs();
describeScript("busybox ash", ["busybox", "sh"]);

describe("generated backup script, busybox ash only", () => {
  const ash = ["busybox", "sh"];

  test("forget keeps the daily, weekly and monthly snapshots of the retention", () => {
    const lab = makeLab(() => ({ checkReadData: "1/3" }));
    lab.job.repositories[0].retention = { daily: 3, weekly: 2, monthly: 2 };
    writeScript(lab);
    populate(lab);
    ok(lab, ash, ["init"]);
    const times = [
      "2024-01-10 12:00:00",
      "2024-02-10 12:00:00",
      "2024-03-04 12:00:00", // Monday, ISO week 10
      "2024-03-06 12:00:00", // week 10
      "2024-03-11 12:00:00", // Monday, week 11
      "2024-03-12 12:00:00",
      "2024-03-13 12:00:00",
      "2024-03-13 18:00:00", // same day, later
    ];
    times.forEach((time, i) => {
      fs.writeFileSync(path.join(lab.src, "config", "counter"), `${i}\n`);
      ok(lab, ash, ["backup"], { BACKUP_TIME: time });
    });
    // daily 3: 03-13 18h, 03-12, 03-11; weekly 2: week 11 (03-13 18h), week 10 (03-06);
    // monthly 2: March (03-13 18h), February (02-10). Gone: 01-10, 03-04, 03-13 12h.
    const kept = snapshots(lab)
      .map((s) => new Date(s.time).toISOString())
      .sort();
    expect(kept).toEqual(
      [
        "2024-02-10T12:00:00",
        "2024-03-06T12:00:00",
        "2024-03-11T12:00:00",
        "2024-03-12T12:00:00",
        "2024-03-13T18:00:00",
      ].map((t) => `${t}.000Z`),
    );
    ok(lab, ash, ["check"]);
  });

  test("a broken remote env file fails without printing its values", () => {
    const lab = makeLab();
    populate(lab);
    const envFile = path.join(lab.dir, "remote.env");
    fs.writeFileSync(
      envFile,
      "# keys\nB2_ACCOUNT_ID=abc\nB2_ACCOUNT_KEY=s3cr3t'with $pecial chars\nnot a pair\n",
    );
    const r = run(lab, ash, ["init"], { RESTIC_REMOTE_ENV_FILE: envFile });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("line 4: not KEY=value");
    expect(r.stderr).not.toContain("s3cr3t");
  });

  test("a missing source path fails the backup before any hook or snapshot", () => {
    const lab = makeLab();
    lab.job.paths = [...lab.job.paths, path.join(lab.src, "not-mounted")];
    writeScript(lab);
    ok(lab, ash, ["init"]);
    const r = run(lab, ash, ["backup"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("not-mounted does not exist");
    expect(snapshots(lab)).toHaveLength(0);
    expect(metrics(lab).get(`homelab_backup_last_success_timestamp_seconds${LOCAL}`)).toBe(0);
  });

  test("a missing hooks directory fails the backup: a lost mount must not look like no databases", () => {
    const lab = makeLab();
    populate(lab);
    ok(lab, ash, ["init"]);
    fs.rmSync(lab.job.hooksDir, { recursive: true });
    const r = run(lab, ash, ["backup"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${lab.job.hooksDir} does not exist (is it mounted?)`);
    expect(snapshots(lab)).toHaveLength(0);
  });
});
