import * as pulumi from "@pulumi/pulumi";
import { definitionOf } from "../catalog";
import {
  QBITTORRENT_DEFAULTS_PATH,
  gluetunEnv,
  qbittorrentDefaults,
  withTranscodeTmpfs,
} from "../catalog/media";
import type { AppDefinition } from "../catalog/types";
import type { AppSpec, HomelabSpec } from "../config/spec";
import { HostDirectories } from "../hosts/directories";
import { instanceId } from "../plan/container";
import { DATA_TREE_DIRS, appMounts, dataTreeRoot } from "../plan/storage";
import { App, type AppFile } from "./app";
import type { FamilyArgs } from "./appGroup";

/**
 * What the media family receives from the Homelab: the validated spec, the hosts and the
 * enabled media apps, already placed (validation keeps the `/data` apps on one host and
 * qBittorrent next to Gluetun).
 */
export type MediaStackArgs = FamilyArgs;

/** The catalog entry as this stack deploys it: transcode scratch on tmpfs when configured. */
function definitionFor(spec: HomelabSpec, app: AppSpec): AppDefinition {
  const def = definitionOf(app.name);
  const tmpfsMb = spec.media?.transcodeTmpfsMb;
  return tmpfsMb !== undefined ? withTranscodeTmpfs(def, tmpfsMb) : def;
}

/** `K=V` env entries in a stable order. */
function envList(env: Readonly<Record<string, string>>): string[] {
  return Object.keys(env)
    .sort()
    .map((key) => `${key}=${env[key]}`);
}

/**
 * The media pipeline: request (Seerr) → indexer search (Prowlarr) → download (qBittorrent
 * behind Gluetun) → import (Sonarr/Radarr/Lidarr, hardlinks on one `/data` tree) → library
 * (Jellyfin/Plex with the host's GPU). The catalog decides images, mounts and health; this
 * component adds what only exists at deploy time: secret config and the shared namespace.
 */
export class MediaStack extends pulumi.ComponentResource {
  readonly apps: Readonly<Record<string, App>>;
  /** Generated API keys by app (`sonarr`, `radarr`, `seerr`, ...), all secret outputs. */
  readonly apiKeys: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: MediaStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:media:MediaStack", name, {}, opts);
    const { spec } = args;
    const cfg = new pulumi.Config("homelab");

    // Secret config only: values never pass through the spec, labels or plain outputs.
    const gluetun = args.apps.some((a) => a.name === "gluetun");
    const secretConfig: Record<string, pulumi.Output<string> | undefined> = {
      WIREGUARD_PRIVATE_KEY: gluetun ? cfg.requireSecret("vpnPrivateKey") : undefined,
      // Required for AirVPN and Windscribe (config/vpn.ts), optional for the others.
      WIREGUARD_PRESHARED_KEY: gluetun ? cfg.getSecret("vpnPresharedKey") : undefined,
      PLEX_CLAIM: cfg.getSecret("plexClaim"),
    };
    const secretKeysOf: Readonly<Record<string, readonly string[]>> = {
      gluetun: ["WIREGUARD_PRIVATE_KEY", "WIREGUARD_PRESHARED_KEY"],
      plex: ["PLEX_CLAIM"],
    };
    const secretEnv = (appName: string) => {
      const keys = (secretKeysOf[appName] ?? []).filter((key) => secretConfig[key] !== undefined);
      const entries = keys.map((key) =>
        pulumi.secret(pulumi.interpolate`${key}=${secretConfig[key]}`),
      );
      return { keys, entries };
    };

    // The TRaSH folders (media/tv, torrents/movies, ...) exist before any app starts, so
    // root folders and download categories point at real, group-writable directories.
    const dataApp = args.apps.find((a) => definitionOf(a.name).data !== undefined);
    const dataTree = dataApp
      ? new HostDirectories(
          `${name}-data-tree`,
          {
            host: args.hosts[dataApp.host],
            mounts: DATA_TREE_DIRS.map((dir) => ({
              source: `${dataTreeRoot(args.hosts[dataApp.host].spec, spec.storage).path}${dir}`,
              class: "data" as const,
            })),
            owner: spec.owner,
          },
          { parent: this },
        ).done
      : undefined;

    // Namespace owners first, so the apps that join them can reference their container.
    const ordered = [...args.apps].sort(
      (a, b) =>
        Number(definitionOf(a.name).networkOf !== undefined) -
        Number(definitionOf(b.name).networkOf !== undefined),
    );
    const apps: Record<string, App> = {};
    for (const app of ordered) {
      const def = definitionFor(spec, app);
      const id = instanceId(def, app);
      const owner = def.networkOf !== undefined ? apps[def.networkOf] : undefined;
      if (def.networkOf !== undefined && !owner)
        throw new Error(`${app.name} needs ${def.networkOf} (config validation enforces it)`);
      const plain = app.name === "gluetun" ? envList(gluetunEnv(spec)) : [];
      // qBittorrent's first configuration saves into its part of the /data tree.
      const torrents = appMounts(def, args.hosts[app.host].spec, spec.storage).find(
        (m) => m.class === "data",
      );
      const files: AppFile[] =
        app.name === "qbittorrent" && torrents
          ? [{ path: QBITTORRENT_DEFAULTS_PATH, content: qbittorrentDefaults(torrents.target) }]
          : [];
      const secret = secretEnv(app.name);
      apps[id] = new App(
        id,
        {
          spec,
          app,
          definition: def,
          host: args.hosts[app.host],
          env: [...plain, ...secret.entries],
          secretEnvKeys: secret.keys,
          files,
          dependsOn: [
            ...(owner ? [owner.container] : []),
            ...(dataTree && def.data !== undefined ? [dataTree] : []),
          ],
          // By id, not name: Docker stores `container:<id>` either way, so a name would
          // differ from the refreshed state; and a new Gluetun container (whose namespace
          // dies with the old one) then replaces qBittorrent too.
          networkMode: owner ? pulumi.interpolate`container:${owner.container.id}` : undefined,
        },
        { parent: this },
      );
    }
    this.apps = apps;
    this.apiKeys = Object.fromEntries(
      Object.entries(apps)
        .filter(([, a]) => a.secrets.apiKey !== undefined)
        .map(([id, a]) => [id, pulumi.secret(a.secrets.apiKey)]),
    );
    this.registerOutputs({ apiKeys: this.apiKeys });
  }
}
