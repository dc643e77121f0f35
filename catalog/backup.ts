/**
 * The BackupJob's container (components/backupJob.ts): one per host, always on. Its mounts,
 * script, crontab and secrets depend on the spec and come from plan/backup/job.ts; the entry
 * holds what is the same everywhere.
 */
import type { AppDefinition } from "./types";

/** Where the BackupJob uploads the script in the container. */
export const BACKUP_SCRIPT_PATH = "/etc/homelab/backup.sh";

/** Catalog name of the backup app. */
export const BACKUP_APP = "backup";

export const backupApp: AppDefinition = {
  name: BACKUP_APP,
  profile: "core",
  description:
    "Scheduled restic backups of every config and database directory of the host, with database dumps, retention and checks",
  image: { repository: "restic/restic", tag: "0.19.1" },
  contract: {
    user: "0:0",
    source: ["restic/restic docker/Dockerfile.release and docker/entrypoint.sh@v0.19.1"],
  },
  perHost: true,
  // Losing a config volume must never mean losing the homelab: on even without the core profile.
  always: true,
  // The image's ENTRYPOINT runs restic (under nice); the container runs the generated script, whose
  // `serve` installs the dump clients, initialises the repositories and runs busybox crond.
  entrypoint: ["/bin/sh"],
  command: [BACKUP_SCRIPT_PATH, "serve"],
  health: { test: ["CMD-SHELL", "pgrep crond >/dev/null || exit 1"], startPeriodSeconds: 120 },
  // internal: the databases it dumps; proxy: remote repositories and the Alpine package index.
  networks: ["internal", "proxy"],
  memoryMb: 1024,
  exceptions: {
    capAdd: {
      caps: ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "SETGID"],
      reason:
        "runs as root to read every app's directory whatever its owner (DAC_READ_SEARCH, DAC_OVERRIDE), to restore files with their owners and modes (CHOWN, FOWNER), and busybox crond sets the job's groups before every run (SETGID: without it no job ever starts)",
    },
    writableRoot:
      "receives its script, crontab and secrets as uploads and installs database clients with apk at start",
  },
};
