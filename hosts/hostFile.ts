import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { SUDO_PRELUDE, shellQuote } from "../plan/shell";
import { withAlias } from "./renamed";
import type { Host } from "./host";

export interface HostFileArgs {
  host: Host;
  /** Absolute path on the host; its directory must exist. */
  path: string;
  content: pulumi.Input<string>;
  owner: { uid: number; gid: number };
  /** Resources to wait for, usually the command that created the directory. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The script that writes base64 content atomically with owner and mode. */
export function writeFileScript(
  path: string,
  base64: string,
  owner: { uid: number; gid: number },
): string {
  const tmp = shellQuote(`${path}.tmp`);
  return [
    ...SUDO_PRELUDE,
    `printf '%s' '${base64}' | base64 -d | $SUDO tee ${tmp} >/dev/null`,
    `$SUDO chown ${owner.uid}:${owner.gid} ${tmp}`,
    `$SUDO chmod 0640 ${tmp}`,
    `$SUDO mv ${tmp} ${shellQuote(path)}`,
  ].join("\n");
}

/**
 * A file on a host, for configuration read from a watched directory (Traefik's file
 * provider): changing it rewrites the file without touching any container.
 * Deleting the resource removes the file; only generated configuration is written this way.
 */
export class HostFile extends pulumi.ComponentResource {
  constructor(name: string, args: HostFileArgs, opts?: pulumi.ComponentResourceOptions) {
    // Renamed from `homelab:hosts:File`: the alias keeps deployed stacks' resources.
    super("homelab:hosts:HostFile", name, {}, withAlias(opts, "homelab:hosts:File"));
    const create = pulumi
      .output(args.content)
      .apply((c) =>
        writeFileScript(args.path, Buffer.from(c, "utf8").toString("base64"), args.owner),
      );
    const remove = [...SUDO_PRELUDE, `$SUDO rm -f ${shellQuote(args.path)}`].join("\n");
    const childOpts = { parent: this, dependsOn: args.dependsOn };
    const connection = args.host.connection;
    if (connection) {
      new command.remote.Command(
        `${name}-write`,
        {
          connection,
          create,
          update: create,
          delete: remove,
        },
        childOpts,
      );
    } else {
      new command.local.Command(
        `${name}-write`,
        { create, update: create, delete: remove, interpreter: ["/bin/sh", "-c"] },
        childOpts,
      );
    }
    this.registerOutputs({});
  }
}
