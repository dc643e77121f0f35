import * as pulumi from "@pulumi/pulumi";
import type { AppDefinition } from "../catalog/types";
import type { HomelabSpec } from "../config/spec";
import type { Host } from "../hosts/host";
import { HostFile } from "../hosts/hostFile";
import { hookFileName, hookPasswordFileName, renderHook } from "../plan/backup/hooks";
import { HOOKS_DIR_MODE, HOOKS_OWNER, dumpHookOf, hooksDir } from "../plan/backup/job";

export interface BackupHookArgs {
  spec: HomelabSpec;
  host: Host;
  /** The app's definition; its `dump` says what to dump. */
  definition: AppDefinition;
  /** The app's generated secrets by name: the dump password is one of them. */
  secrets: Readonly<Record<string, pulumi.Output<string>>>;
  /** What the hook waits for: the database container, so no run finds a hook without a server. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * An app's dump hook for its host's BackupJob: `<app>.hook` (and `<app>.password` when the
 * database has one, mode 0600) in the host's hooks directory, which the job reads before each
 * snapshot (plan/backup/hooks.ts). Owned by the app, not by the job: adding or removing the app
 * writes or deletes these files and changes nothing of the backup container (DESIGN §7).
 */
export class BackupHook extends pulumi.ComponentResource {
  constructor(name: string, args: BackupHookArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:backup:BackupHook", name, {}, opts);
    const { spec, host, definition: def } = args;
    const hook = dumpHookOf(spec, def, host.spec);
    if (!hook) throw new Error(`${def.name} declares no dump`);
    const dir = hooksDir(spec, host.spec);
    const common = {
      host,
      owner: HOOKS_OWNER,
      directory: { owner: HOOKS_OWNER, mode: HOOKS_DIR_MODE },
      // An app moved to another host takes its hook along: the old host's files are removed.
      replaceOnMove: true,
    };
    const dependsOn = [...(args.dependsOn ?? [])];
    if (hook.password) {
      const secretName = def.dump?.passwordSecret ?? "";
      const value = args.secrets[secretName];
      if (!value) throw new Error(`${def.name}: no secret ${secretName} for its dump hook`);
      // Written before the hook file, so no run finds the hook without its password.
      dependsOn.push(
        new HostFile(
          `${name}-password`,
          {
            ...common,
            path: `${dir}/${hookPasswordFileName(hook.app)}`,
            content: pulumi.secret(value).apply((v) => `${v}\n`),
            mode: "0600",
            secret: true,
            dependsOn: [...dependsOn],
          },
          { parent: this },
        ),
      );
    }
    new HostFile(
      `${name}-file`,
      {
        ...common,
        path: `${dir}/${hookFileName(hook.app)}`,
        content: renderHook(hook),
        mode: "0600",
        dependsOn,
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
