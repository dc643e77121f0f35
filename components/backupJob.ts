import * as pulumi from "@pulumi/pulumi";
import { BACKUP_SCRIPT_PATH, backupApp } from "../catalog/backup";
import { definitionOf } from "../catalog";
import type { AppSpec, HomelabSpec } from "../config/spec";
import type { Host } from "../hosts/host";
import {
  backupJobPlan,
  backupMounts,
  backupsDir,
  dumpHooks,
  hasRemote,
  PASSWORD_FILE,
  REMOTE_ENV_FILE,
  RESTORE_TARGET,
  STATEFUL_CLASSES,
  remoteEnvFile,
} from "../plan/backup/job";
import { crontab } from "../plan/backup/crontab";
import { restoreCommands, type RestoreCommand } from "../plan/backup/restore";
import { CRONTABS_DIR, backupScript, sourcePath, type BackupJobPlan } from "../plan/backup/script";
import { appMounts } from "../plan/storage";
import { App, type AppFile } from "./app";

export interface BackupJobArgs {
  spec: HomelabSpec;
  /** The host whose state this job backs up (one job per host). */
  host: Host;
  /** The placed `backup` app on that host, from `spec.apps`. */
  app: AppSpec;
  /** restic repository password, shared by every host's job (a secret). */
  password: pulumi.Input<string>;
  /**
   * `homelab:backupRemoteKeys`: a JSON object of env vars (`AWS_ACCESS_KEY_ID`, `B2_ACCOUNT_ID`,
   * ...) for the remote repositories; ignored when every repository is local.
   */
  remoteKeys?: pulumi.Input<string>;
}

/**
 * Scheduled, encrypted restic backups of one host (DESIGN §3): every `config` and `database`
 * directory (plus `homelab:backup.include`), database dumps taken with each database's own
 * client just before the snapshot, retention and `restic check` on their schedules, and a
 * node-exporter textfile metric per run. The container is an App like any other; the script
 * and crontab are generated (plan/backup/) and uploaded, so an unchanged config changes nothing.
 * Which databases to dump is discovered at run time from the hook files each app leaves in the
 * host's hooks directory (components/backupHook.ts): the container's inputs never depend on the
 * apps of the host, so adding one restarts nothing here (DESIGN §7).
 */
export class BackupJob extends pulumi.ComponentResource {
  readonly plan: BackupJobPlan;
  readonly app: App;
  /** The documented restore commands of this host: one per app, then the whole host (`*`). */
  readonly restore: RestoreCommand[];

  constructor(name: string, args: BackupJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:backup:BackupJob", name, {}, opts);
    const { spec, host, app } = args;
    const plan = backupJobPlan(spec, host.spec);
    this.plan = plan;

    const files: AppFile[] = [
      { path: BACKUP_SCRIPT_PATH, content: backupScript(plan) },
      {
        path: `${CRONTABS_DIR}/root`,
        content: crontab(spec.backup.schedule, spec.backup.checkSchedule, BACKUP_SCRIPT_PATH),
      },
      { path: PASSWORD_FILE, content: pulumi.secret(args.password) },
    ];
    const env: pulumi.Input<string>[] = [`RESTIC_PASSWORD_FILE=${PASSWORD_FILE}`];
    if (hasRemote(spec) && args.remoteKeys !== undefined) {
      files.push({
        path: REMOTE_ENV_FILE,
        content: pulumi.secret(pulumi.output(args.remoteKeys).apply(remoteEnvFile)),
      });
      env.push(`RESTIC_REMOTE_ENV_FILE=${REMOTE_ENV_FILE}`);
    }

    this.app = new App(
      name,
      {
        spec,
        app,
        definition: backupApp,
        host,
        env,
        files,
        extraMounts: backupMounts(spec, host.spec),
      },
      { parent: this },
    );

    // Restore paths per app: its backed-up directories as the backup container sees them.
    const appPaths = spec.apps
      .filter((a) => a.host === host.spec.name && a.name !== backupApp.name)
      .map((a) => ({
        app: a.name,
        paths: appMounts(definitionOf(a.name), host.spec, spec.storage)
          .filter((m) => STATEFUL_CLASSES.includes(m.class))
          .map((m) => sourcePath(m.source)),
      }))
      .filter((a) => a.paths.length > 0);
    this.restore = restoreCommands(
      plan,
      {
        container: this.app.plan.containerName,
        restoreDir: RESTORE_TARGET,
        restoreDirOnHost: `${backupsDir(spec, host.spec)}/_restore`,
      },
      appPaths,
      dumpHooks(spec, host.spec),
    );
    this.registerOutputs({ restore: this.restore });
  }
}
