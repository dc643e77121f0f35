import * as pulumi from "@pulumi/pulumi";
import { gluetunEnv, withTranscodeTmpfs } from "../catalog/media";
import { HostDirectories } from "../hosts/directories";
import { DATA_TREE_DIRS, dataTreeRoot } from "../plan/storage";
import {
  ProfileStack,
  type ProfileArgs,
  type ProfileWiring,
  type WireContext,
  type WireResult,
  type Wiring,
} from "./profileStack";
import { required } from "./secrets";

/** `K=V` env entries in a stable order. */
function envList(env: Readonly<Record<string, string>>): string[] {
  return Object.keys(env)
    .sort()
    .map((key) => `${key}=${env[key]}`);
}

/** The wiring of the media apps; `dataTree` creates (once) the TRaSH folders of the `/data` tree. */
function mediaWiring(dataTree: (ctx: WireContext) => pulumi.Resource): ProfileWiring {
  return {
    // Every app of the shared tree waits for its folders; a transcoding app gets its scratch
    // on tmpfs when `homelab:media.transcodeTmpfsMb` says so.
    everyApp: (ctx): WireResult => {
      const tmpfsMb = ctx.spec.media?.transcodeTmpfsMb;
      return {
        definition: tmpfsMb !== undefined ? withTranscodeTmpfs(ctx.def, tmpfsMb) : undefined,
        dependsOn: ctx.def.data !== undefined ? [dataTree(ctx)] : [],
      };
    },
    apps: mediaApps,
  };
}

const mediaApps: Readonly<Record<string, Wiring>> = {
  gluetun: {
    before: (ctx): WireResult => ({
      env: [
        ...envList(gluetunEnv(ctx.spec)),
        pulumi.secret(
          pulumi.interpolate`WIREGUARD_PRIVATE_KEY=${required(ctx.secrets, "vpnPrivateKey", "homelab:vpnPrivateKey")}`,
        ),
      ],
      secretEnvKeys: ["WIREGUARD_PRIVATE_KEY"],
    }),
  },
  plex: {
    before: (ctx): WireResult => {
      const claim = ctx.secrets.plexClaim;
      return {
        env: claim ? [pulumi.secret(pulumi.interpolate`PLEX_CLAIM=${claim}`)] : [],
        secretEnvKeys: claim ? ["PLEX_CLAIM"] : [],
      };
    },
  },
};

/**
 * The media pipeline: request (Seerr) → indexer search (Prowlarr) → download (qBittorrent
 * behind Gluetun) → import (Sonarr/Radarr/Lidarr, hardlinks on one `/data` tree) → library
 * (Jellyfin/Plex with the host's GPU). The catalog decides images, mounts and health; the
 * wiring adds what only exists at deploy time: secret config and the shared namespace.
 */
export class MediaStack extends ProfileStack {
  /** Generated API keys by app (`sonarr`, `radarr`, `seerr`, ...), all secret outputs. */
  readonly apiKeys: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    // The TRaSH folders (media/tv, torrents/movies, ...) exist before any app of the tree
    // starts, so root folders and download categories point at real, group-writable directories.
    let folders: pulumi.Resource | undefined;
    const dataTree = (ctx: WireContext): pulumi.Resource =>
      (folders ??= new HostDirectories(
        `${name}-data-tree`,
        {
          host: ctx.host,
          mounts: DATA_TREE_DIRS.map((dir) => ({
            source: `${dataTreeRoot(ctx.host.spec, ctx.spec.storage).path}${dir}`,
            class: "data" as const,
          })),
          owner: ctx.spec.owner,
        },
        { parent: ctx.parent },
      ).done);
    super("homelab:media:MediaStack", name, args, mediaWiring(dataTree), opts);
    this.apiKeys = Object.fromEntries(
      Object.entries(this.apps)
        .filter(([, a]) => a.secrets.apiKey !== undefined)
        .map(([id, a]) => [id, pulumi.secret(a.secrets.apiKey)]),
    );
    this.registerOutputs({ apiKeys: this.apiKeys });
  }
}
