import * as pulumi from "@pulumi/pulumi";
import {
  QBITTORRENT_DEFAULTS_PATH,
  SABNZBD_SEED_PATH,
  gluetunEnv,
  qbittorrentDefaults,
  sabnzbdSeedScript,
  withTranscodeTmpfs,
} from "../catalog/media";
import { HostDirectories } from "../hosts/directories";
import { appHost } from "../plan/proxy/traefik";
import { DATA_TREE_DIRS, appMounts, dataTreeRoot } from "../plan/storage";
import { bazarrServarrStep } from "../plan/wiring/bazarr";
import {
  JELLYFIN_PASSWORD_ENV,
  jellyfinHardwareStep,
  jellyfinLibrariesStep,
} from "../plan/wiring/jellyfin";
import { SEERR_KEY_ENV, seerrJellyfinStep, seerrServarrStep } from "../plan/wiring/seerr";
import {
  ProfileStack,
  type ProfileArgs,
  type ProfileWiring,
  type WireContext,
  type WireResult,
  type Wiring,
  type WiringUse,
} from "./profileStack";
import { required } from "./secrets";
import {
  RECYCLARR_CONFIG_PATH,
  RECYCLARR_KEY_VARS,
  recyclarrConfig,
} from "../plan/wiring/recyclarr";
import {
  portForwardingEnv,
  webUiPasswordStep,
  WEBUI_PASSWORD_VAR,
} from "../plan/wiring/qbittorrent";
import {
  QBITTORRENT_PASSWORD_VAR,
  SABNZBD_API_KEY_VAR,
  SERVARR,
  downloadClientStep,
  prowlarrApplicationStep,
  rootFolderStep,
  targetKeyVar,
  type ServarrApp,
  PROWLARR_LOGIN,
  loginPasswordVar,
  loginStep,
  type ServarrLogin,
} from "../plan/wiring/servarr";

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

/**
 * Sonarr and Radarr as Seerr and Bazarr reach them on the `proxy` network (container name and
 * port), with the folders they import into and the variable their key travels in: the same
 * facts the Servarr steps use (plan/wiring/servarr.ts SERVARR).
 */
const SERVARRS = (["sonarr", "radarr"] as const).map((kind) => ({
  kind,
  host: SERVARR[kind].name,
  port: SERVARR[kind].port,
  keyEnv: targetKeyVar(SERVARR[kind]),
  rootFolder: SERVARR[kind].rootFolder,
}));

/**
 * An *arr app behind Authelia trusts it (`External`: no second login) on the edge only: on
 * another host its port is also published on the LAN, where nothing would ask for a login.
 */
function behindAuthelia(ctx: WireContext): boolean {
  return ctx.spec.sso.provider === "authelia" && ctx.host.spec.edge === true;
}

function trustsProxy(ctx: WireContext): WireResult {
  if (!behindAuthelia(ctx)) return {};
  return { env: [`${ctx.app.name.toUpperCase()}__AUTH__METHOD=External`] };
}

/** Elsewhere the app gets its own login, `admin` with its generated `loginPassword`. */
function ownLogin(ctx: WireContext, app: ServarrLogin): WiringUse[] {
  const password = ctx.apps[app.name]?.secrets.loginPassword;
  if (behindAuthelia(ctx) || !password) return [];
  return [{ step: loginStep(app), secrets: { [loginPasswordVar(app)]: password } }];
}

/** Sonarr, Radarr or Lidarr: download clients that run, and its root folder. */
function servarrWiring(app: ServarrApp): Wiring {
  return {
    needs: ["gluetun", "qbittorrent", "sabnzbd"],
    before: trustsProxy,
    steps: (ctx): WiringUse[] => {
      const qbittorrent = ctx.apps.qbittorrent;
      const sabnzbd = ctx.apps.sabnzbd;
      return [
        ...(qbittorrent && ctx.apps.gluetun
          ? [
              {
                step: downloadClientStep(app, "qbittorrent"),
                secrets: { [QBITTORRENT_PASSWORD_VAR]: qbittorrent.secrets.webuiPassword },
              },
            ]
          : []),
        ...(sabnzbd
          ? [
              {
                step: downloadClientStep(app, "sabnzbd"),
                secrets: { [SABNZBD_API_KEY_VAR]: sabnzbd.secrets.apiKey },
              },
            ]
          : []),
        { step: rootFolderStep(app) },
        ...ownLogin(ctx, app),
      ];
    },
  };
}

const mediaApps: Readonly<Record<string, Wiring>> = {
  sonarr: servarrWiring(SERVARR.sonarr),
  radarr: servarrWiring(SERVARR.radarr),
  lidarr: servarrWiring(SERVARR.lidarr),
  prowlarr: {
    needs: ["sonarr", "radarr", "lidarr"],
    before: trustsProxy,
    // Prowlarr pushes its indexers to every *arr app that runs.
    steps: (ctx): WiringUse[] => [
      // By container name: only the apps on Prowlarr's own host (the tree's host, by default).
      ...Object.values(SERVARR)
        .filter((app) => ctx.apps[app.name] !== undefined)
        .filter((app) => ctx.spec.apps.find((a) => a.name === app.name)?.host === ctx.app.host)
        .map((app) => ({
          step: prowlarrApplicationStep(app),
          secrets: { [targetKeyVar(app)]: ctx.apps[app.name].secrets.apiKey },
        })),
      ...ownLogin(ctx, PROWLARR_LOGIN),
    ],
  },
  gluetun: {
    before: (ctx): WireResult => {
      const privateKey = required(ctx.secrets, "vpnPrivateKey", "homelab:vpnPrivateKey");
      // Required for AirVPN and Windscribe (config/vpn.ts), optional for the others.
      const presharedKey = ctx.secrets.vpnPresharedKey;
      // qBittorrent listens on the port the provider forwards, where Gluetun gets one.
      const forwarding =
        ctx.spec.vpn && ctx.spec.apps.some((a) => a.name === "qbittorrent")
          ? portForwardingEnv(ctx.spec.vpn.provider)
          : {};
      return {
        env: [
          ...envList({ ...gluetunEnv(ctx.spec), ...forwarding }),
          pulumi.secret(pulumi.interpolate`WIREGUARD_PRIVATE_KEY=${privateKey}`),
          ...(presharedKey
            ? [pulumi.secret(pulumi.interpolate`WIREGUARD_PRESHARED_KEY=${presharedKey}`)]
            : []),
        ],
        secretEnvKeys: [
          "WIREGUARD_PRIVATE_KEY",
          ...(presharedKey ? ["WIREGUARD_PRESHARED_KEY"] : []),
        ],
      };
    },
  },
  qbittorrent: {
    steps: (_ctx, created): WiringUse[] => [
      {
        step: webUiPasswordStep(),
        secrets: { [WEBUI_PASSWORD_VAR]: created.secrets.webuiPassword },
      },
    ],
    // Its first configuration saves into its part of the /data tree.
    before: (ctx): WireResult => {
      const torrents = appMounts(ctx.def, ctx.host.spec, ctx.spec.storage).find(
        (m) => m.class === "data",
      );
      return torrents
        ? {
            files: [
              { path: QBITTORRENT_DEFAULTS_PATH, content: qbittorrentDefaults(torrents.target) },
            ],
          }
        : {};
    },
  },
  sabnzbd: {
    // SABnzbd reads its API key, port and allowed host names only from sabnzbd.ini: a
    // first-start script seeds it with the public name and the container name the *arr
    // apps use (catalog/media.ts sabnzbdSeedScript).
    before: (ctx): WireResult => ({
      files: [
        {
          path: SABNZBD_SEED_PATH,
          content: sabnzbdSeedScript({
            hostWhitelist: [appHost(ctx.spec, ctx.app), ctx.def.name],
            memoryMb: ctx.app.memoryMb,
            login: !behindAuthelia(ctx),
          }),
          executable: true,
        },
      ],
    }),
  },
  // Libraries and hardware transcoding through Jellyfin's API, as the admin its health check
  // seeds (plan/wiring/jellyfin.ts).
  jellyfin: {
    steps: (ctx, created): WiringUse[] => {
      const media = appMounts(ctx.def, ctx.host.spec, ctx.spec.storage).find(
        (m) => m.class === "data",
      );
      const secrets = { [JELLYFIN_PASSWORD_ENV]: created.secrets.adminPassword };
      return [
        ...(media ? [{ step: jellyfinLibrariesStep(ctx.def.name, media.target), secrets }] : []),
        { step: jellyfinHardwareStep(ctx.def.name, ctx.host.spec.gpu), secrets },
      ];
    },
  },
  // Seerr's setup with Jellyfin's admin, Sonarr and Radarr (plan/wiring/seerr.ts). With Plex
  // only, the sign-in needs the owner's plex.tv account: it stays a click.
  seerr: {
    needs: ["jellyfin", "sonarr", "radarr"],
    steps: (ctx, created): WiringUse[] => {
      const jellyfin = ctx.apps.jellyfin;
      if (!jellyfin) return [];
      const runsIn = "jellyfin";
      const seerrKey = { [SEERR_KEY_ENV]: created.secrets.apiKey };
      return [
        {
          step: seerrJellyfinStep(runsIn),
          secrets: { ...seerrKey, [JELLYFIN_PASSWORD_ENV]: jellyfin.secrets.adminPassword },
        },
        ...SERVARRS.filter((s) => ctx.apps[s.kind]).map((s) => ({
          step: seerrServarrStep(runsIn, s),
          secrets: { ...seerrKey, [s.keyEnv]: ctx.apps[s.kind].secrets.apiKey },
        })),
      ];
    },
  },
  // Sonarr and Radarr in Bazarr's settings (plan/wiring/bazarr.ts).
  bazarr: {
    needs: ["sonarr", "radarr"],
    steps: (ctx): WiringUse[] =>
      SERVARRS.filter((s) => ctx.apps[s.kind]).map((s) => ({
        step: bazarrServarrStep(s),
        secrets: { [s.keyEnv]: ctx.apps[s.kind].secrets.apiKey },
      })),
  },
  recyclarr: {
    needs: ["sonarr", "radarr"],
    // recyclarr.yml names the apps that run; their keys reach it only as secret env.
    before: (ctx): WireResult => {
      const apps = (["sonarr", "radarr"] as const).filter((a) => ctx.apps[a] !== undefined);
      return {
        files: [{ path: RECYCLARR_CONFIG_PATH, content: recyclarrConfig(apps) }],
        env: apps.map((a) =>
          pulumi.secret(pulumi.interpolate`${RECYCLARR_KEY_VARS[a]}=${ctx.apps[a].secrets.apiKey}`),
        ),
        secretEnvKeys: apps.map((a) => RECYCLARR_KEY_VARS[a]),
      };
    },
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
 * behind Gluetun, or SABnzbd for Usenet) → import (Sonarr/Radarr/Lidarr, hardlinks on one `/data` tree) → library
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
