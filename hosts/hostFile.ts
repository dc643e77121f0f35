import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { SUDO_PRELUDE, shellQuote } from "../plan/shell";
import { withAlias } from "./renamed";
import type { Host } from "./host";

type Owner = { uid: number; gid: number };

export interface HostFileArgs {
  host: Host;
  /** Absolute path on the host; its directory must exist unless `directory` is given. */
  path: string;
  content: pulumi.Input<string>;
  owner: Owner;
  /** File mode; 0640 when absent. */
  mode?: string;
  /**
   * The content is a secret: it reaches the host on the command's stdin, never in its command
   * line (which `ps` shows to every user of the host), and the file is created under umask 077.
   */
  secret?: boolean;
  /** Creates the file's directory first (idempotent), for a file that may come before its reader. */
  directory?: { owner: Owner; mode: string };
  /**
   * Moving the file to another host or path replaces it: the old one is removed where it was
   * (an update would leave it behind), then the new one written.
   */
  replaceOnMove?: boolean;
  /** Resources to wait for, usually the command that created the directory. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Options of the write script beyond path, content and owner. */
export interface WriteOptions {
  mode?: string;
  directory?: { owner: Owner; mode: string };
}

function parentDir(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

function before(path: string, options: WriteOptions): string[] {
  const d = options.directory;
  return d
    ? [
        `$SUDO install -d -m ${d.mode} -o ${d.owner.uid} -g ${d.owner.gid} ${shellQuote(parentDir(path))}`,
      ]
    : [];
}

function place(path: string, owner: Owner, options: WriteOptions): string[] {
  const tmp = shellQuote(`${path}.tmp`);
  return [
    `$SUDO chown ${owner.uid}:${owner.gid} ${tmp}`,
    `$SUDO chmod ${options.mode ?? "0640"} ${tmp}`,
    `$SUDO mv ${tmp} ${shellQuote(path)}`,
  ];
}

/** The script that writes base64 content atomically with owner and mode. */
export function writeFileScript(
  path: string,
  base64: string,
  owner: Owner,
  options: WriteOptions = {},
): string {
  const tmp = shellQuote(`${path}.tmp`);
  return [
    ...SUDO_PRELUDE,
    ...before(path, options),
    `printf '%s' '${base64}' | base64 -d | $SUDO tee ${tmp} >/dev/null`,
    ...place(path, owner, options),
  ].join("\n");
}

/** The script that writes its stdin atomically with owner and mode; the content is not in it. */
export function writeStdinScript(path: string, owner: Owner, options: WriteOptions = {}): string {
  return [
    ...SUDO_PRELUDE,
    // sudo keeps the stricter of this umask and its own: the file is never readable by others.
    "umask 077",
    ...before(path, options),
    `$SUDO tee ${shellQuote(`${path}.tmp`)} >/dev/null`,
    ...place(path, owner, options),
  ].join("\n");
}

/** The script that removes the file (a resource's delete). */
export function removeFileScript(path: string): string {
  return [...SUDO_PRELUDE, `$SUDO rm -f ${shellQuote(path)}`].join("\n");
}

/**
 * A file on a host, for configuration read from a watched directory (Traefik's file
 * provider, the backup job's hooks): changing it rewrites the file without touching any
 * container. Deleting the resource removes the file; only generated files are written this way.
 */
export class HostFile extends pulumi.ComponentResource {
  constructor(name: string, args: HostFileArgs, opts?: pulumi.ComponentResourceOptions) {
    // Renamed from `homelab:hosts:File`: the alias keeps deployed stacks' resources.
    super("homelab:hosts:HostFile", name, {}, withAlias(opts, "homelab:hosts:File"));
    const options: WriteOptions = { mode: args.mode, directory: args.directory };
    const create: pulumi.Input<string> = args.secret
      ? writeStdinScript(args.path, args.owner, options)
      : pulumi
          .output(args.content)
          .apply((c) =>
            writeFileScript(
              args.path,
              Buffer.from(c, "utf8").toString("base64"),
              args.owner,
              options,
            ),
          );
    const stdin = args.secret ? pulumi.secret(args.content) : undefined;
    const triggers = args.replaceOnMove ? [args.host.spec.name, args.path] : undefined;
    const remove = removeFileScript(args.path);
    // Every replacement deletes first: created first, the old resource's delete would remove
    // the file just written at the same path (`pulumi up --replace` after a host lost its disk).
    const childOpts = { parent: this, dependsOn: args.dependsOn, deleteBeforeReplace: true };
    const connection = args.host.connection;
    if (connection) {
      new command.remote.Command(
        `${name}-write`,
        { connection, create, update: create, delete: remove, stdin, triggers },
        childOpts,
      );
    } else {
      new command.local.Command(
        `${name}-write`,
        {
          create,
          update: create,
          delete: remove,
          stdin,
          triggers,
          interpreter: ["/bin/sh", "-c"],
        },
        childOpts,
      );
    }
    this.registerOutputs({});
  }
}
