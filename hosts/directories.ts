import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { directoriesScript } from "../plan/directories";
import type { ResolvedMount } from "../plan/storage";
import type { Host } from "./host";
import { withAlias } from "./renamed";

export interface HostDirectoriesArgs {
  host: Host;
  /** The bind-mount sources to create. */
  mounts: readonly Pick<ResolvedMount, "source" | "class" | "mode" | "owner">[];
  owner: { uid: number; gid: number };
}

/**
 * Creates an app's directories on its host before the container mounts them, so that
 * Docker does not create them as root. Runs again only when the set of directories changes;
 * has no delete, so data survives the app's removal.
 */
export class HostDirectories extends pulumi.ComponentResource {
  readonly done: pulumi.Resource;

  constructor(name: string, args: HostDirectoriesArgs, opts?: pulumi.ComponentResourceOptions) {
    // Renamed from `homelab:hosts:Directories`: the alias keeps deployed stacks' resources.
    super("homelab:hosts:HostDirectories", name, {}, withAlias(opts, "homelab:hosts:Directories"));
    const script = directoriesScript(args.mounts, args.owner);
    const connection = args.host.connection;
    const childOpts = { parent: this, retainOnDelete: true };
    this.done = connection
      ? new command.remote.Command(
          `${name}-mkdir`,
          {
            connection,
            create: script,
          },
          childOpts,
        )
      : new command.local.Command(
          `${name}-mkdir`,
          { create: script, interpreter: ["/bin/sh", "-c"] },
          childOpts,
        );
    this.registerOutputs({});
  }
}
