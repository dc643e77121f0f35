import { BACKUP_SCRIPT_PATH } from "../../catalog/backup";
/**
 * The documented restore commands, one per app and one for the whole host.
 *
 * A restore never writes over live data: files come back below the restore directory (on the
 * backups class of the host), at their full host path, e.g.
 * `<restore dir on host>/source/mnt/ssd/config/jellyfin`. The owner stops the app, copies them
 * into place and starts it again (docs/backup-and-restore.md); database dumps come back from
 * staging and are loaded with the database's own client.
 */
import { hookOutput, shellQuote } from "./hooks";
import { type BackupJobPlan } from "./script";

export interface RestoreTarget {
  /** Name of the BackupJob container on the host (`docker exec` target). */
  container: string;
  /** Writable restore directory as mounted in the container, e.g. `/restore`. */
  restoreDir: string;
  /** The same directory on the host, where the owner picks the files up. */
  restoreDirOnHost: string;
  scriptPath?: string;
}

export interface AppBackupPaths {
  app: string;
  /** The app's directories as mounted in the backup container (`/source/<host path>`). */
  paths: readonly string[];
}

export interface RestoreCommand {
  /** `*` for the whole host. */
  app: string;
  /** One command, run on the Docker host. */
  command: string;
  /** Container paths restored, including the app's database dumps. */
  paths: string[];
  /** Host directory below which the files appear at their full container path. */
  restoredAt: string;
}

function restoreCommand(target: RestoreTarget, paths: readonly string[]): string {
  const script = target.scriptPath ?? BACKUP_SCRIPT_PATH;
  return [
    "docker",
    "exec",
    target.container,
    "sh",
    script,
    "restore",
    "latest",
    target.restoreDir,
    ...paths,
  ]
    .map((w) => (/^[A-Za-z0-9._/=:@%+-]+$/.test(w) ? w : shellQuote(w)))
    .join(" ");
}

/**
 * Restore commands for every app that has backed-up paths or a dump hook (sorted by app), then
 * the whole host. Apps' paths must be among the job's paths or below them.
 */
export function restoreCommands(
  job: BackupJobPlan,
  target: RestoreTarget,
  apps: readonly AppBackupPaths[],
): RestoreCommand[] {
  const covered = (p: string): boolean =>
    job.paths.some((root) => p === root || p.startsWith(`${root}/`));
  const byApp = new Map<string, Set<string>>();
  for (const a of apps) {
    for (const p of a.paths) {
      if (!covered(p))
        throw new Error(`restore: ${a.app} path ${p} is not backed up on ${job.host}`);
    }
    byApp.set(a.app, new Set([...(byApp.get(a.app) ?? []), ...a.paths]));
  }
  for (const h of job.hooks) {
    // The whole staging dir of the app: the dump and anything a later version adds there.
    const dump = hookOutput(h, job.stagingDir);
    const dir = dump.slice(0, dump.lastIndexOf("/"));
    byApp.set(h.app, new Set([...(byApp.get(h.app) ?? []), dir]));
  }
  const restoredAt = target.restoreDirOnHost;
  const perApp = [...byApp.keys()].sort().map((app) => {
    const paths = [...(byApp.get(app) ?? [])].sort();
    return { app, command: restoreCommand(target, paths), paths, restoredAt };
  });
  const all = [...job.paths, job.stagingDir];
  return [...perApp, { app: "*", command: restoreCommand(target, []), paths: all, restoredAt }];
}
