import * as pulumi from "@pulumi/pulumi";
import { BACKUP_SCRIPT_PATH, backupApp } from "../catalog/backup";
import { definitionOf } from "../catalog";
import type { AppSpec, HomelabSpec } from "../config/spec";
import type { Host } from "../hosts/host";
import {
  backupJobPlan,
  backupMounts,
  backupsDir,
  dumpPasswordEnv,
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
import { instanceId } from "../plan/container";
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
  /** The homelab's Apps by instance id: dump passwords come from their generated secrets. */
  apps: Readonly<Record<string, App>>;
}

/**
 * Scheduled, encrypted restic backups of one host (DESIGN §3): every `config` and `database`
 * directory (plus `homelab:backup.include`), database dumps taken with each database's own
 * client just before the snapshot, retention and `restic check` on their schedules, and a
 * node-exporter textfile metric per run. The container is an App like any other; the script
 * and crontab are generated (plan/backup/) and uploaded, so an unchanged config changes nothing.
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

    const secretEnvKeys: string[] = [];
    const dependsOn: pulumi.Resource[] = [];
    for (const hook of plan.hooks) {
      const placed = spec.apps.find((a) => a.name === hook.app && a.host === host.spec.name);
      const owner = placed ? args.apps[instanceId(definitionOf(hook.app), placed)] : undefined;
      if (owner) dependsOn.push(owner.container);
      if (!hook.passwordEnv) continue;
      const secretName = definitionOf(hook.app).dump?.passwordSecret ?? "";
      const value = owner?.secrets[secretName];
      if (!value)
        throw new Error(`backup ${host.spec.name}: no secret ${secretName} of ${hook.app}`);
      env.push(pulumi.secret(pulumi.interpolate`${dumpPasswordEnv(hook.app)}=${value}`));
      secretEnvKeys.push(dumpPasswordEnv(hook.app));
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
        secretEnvKeys,
        extraMounts: backupMounts(spec, host.spec),
        dependsOn,
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
    );
    this.registerOutputs({ restore: this.restore });
  }
}
