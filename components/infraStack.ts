import * as pulumi from "@pulumi/pulumi";
import { definitionOf } from "../catalog";
import { PIHOLE_HOSTS_DIR, PIHOLE_RECORDS_FILE, SOCKET_PROXY_URL } from "../catalog/infra";
import {
  CROWDSEC_ACQUIS_PATH,
  CROWDSEC_BOUNCER_APP,
  FAIL2BAN_FILES,
  TRAEFIK_LOGS_TARGET,
  crowdsecAcquisition,
} from "../catalog/security";
import { HOMEPAGE_CONFIG_DIR } from "../catalog/web";
import { HostFile } from "../hosts/hostFile";
import { homepageDockerConfig, homepageKeyEnv, homepageRemoteServices } from "../plan/homepage";
import { localRecordsFile } from "../plan/pihole";
import {
  CROWDSEC_LAN_WHITELIST_PATH,
  bouncerTrustedProxies,
  crowdsecLanWhitelist,
} from "../plan/proxy/crowdsec";
import { BACKUP_APP } from "../catalog/backup";
import { REPO_TARGET, backupMounts } from "../plan/backup/job";
import { appMounts } from "../plan/storage";
import type { App } from "./app";
import { required } from "./secrets";
import {
  ProfileStack,
  mergeWiring,
  type ProfileArgs,
  type WireContext,
  type WireResult,
  type Wiring,
} from "./profileStack";

/** A generated file in a directory an app mounts, rewritten in place when it changes. */
function fileBeside(
  ctx: WireContext,
  created: App,
  target: string,
  file: string,
  content: string,
): void {
  const dir = created.plan.mounts.find((m) => m.target === target)?.source;
  if (!dir) throw new Error(`${ctx.app.name} has no mount at ${target}`);
  new HostFile(
    `${ctx.app.name}-${file.replace(/\W+/g, "-")}`,
    {
      host: ctx.host,
      path: `${dir}/${file}`,
      content,
      owner: ctx.spec.owner,
      dependsOn: created.directories ? [created.directories] : [],
    },
    { parent: ctx.parent },
  );
}

/** The log readers (CrowdSec, Fail2ban) see Traefik's access log directory, read-only. */
function traefikLogs(ctx: WireContext): WireResult {
  if (!ctx.spec.apps.some((a) => a.name === "traefik" && a.host === ctx.app.host)) return {};
  const mount = appMounts(definitionOf("traefik"), ctx.host.spec, ctx.spec.storage).find(
    (m) => m.target === TRAEFIK_LOGS_TARGET,
  );
  return mount ? { extraMounts: [{ ...mount, readOnly: true }] } : {};
}

/** Adds a capability exception (with its reason) to the definition in the context. */
function withCaps(ctx: WireContext, caps: readonly string[], reason: string): WireResult {
  const ex = ctx.def.exceptions ?? {};
  const before = ex.capAdd;
  return {
    definition: {
      ...ctx.def,
      exceptions: {
        ...ex,
        capAdd: {
          caps: [...(before?.caps ?? []), ...caps],
          reason: before ? `${before.reason}; ${reason}` : reason,
        },
      },
    },
  };
}

const infraWiring: Readonly<Record<string, Wiring>> = {
  pihole: {
    // Split-horizon records live in a watched directory: a new app rewrites the file and
    // dnsmasq re-reads it, with no change to the Pi-hole container.
    after: (ctx, created) =>
      fileBeside(ctx, created, PIHOLE_HOSTS_DIR, PIHOLE_RECORDS_FILE, localRecordsFile(ctx.spec)),
  },
  homepage: {
    before: (): WireResult => ({
      files: [{ path: `${HOMEPAGE_CONFIG_DIR}/docker.yaml`, content: homepageDockerConfig() }],
      // Paths of the widgets' key files (components/dashboardKeys.ts writes them).
      env: Object.entries(homepageKeyEnv()).map(([k, v]) => `${k}=${v}`),
    }),
    // Apps on other hosts are listed from a file Homepage re-reads, not by restarting it.
    after: (ctx, created) =>
      fileBeside(
        ctx,
        created,
        HOMEPAGE_CONFIG_DIR,
        "services.yaml",
        homepageRemoteServices(ctx.spec),
      ),
  },
  duckdns: {
    before: (ctx): WireResult => ({
      files: [
        {
          path: "/run/secrets/duckdns-token",
          content: required(ctx.secrets, "duckdnsToken", "homelab:duckdnsToken"),
        },
      ],
    }),
  },
  backrest: {
    // A UI over the local repository the BackupJob of this host writes (same directory, same mode).
    before: (ctx): WireResult => {
      if (!ctx.spec.apps.some((a) => a.name === BACKUP_APP && a.host === ctx.app.host)) return {};
      const repo = backupMounts(ctx.spec, ctx.host.spec).find((m) => m.target === REPO_TARGET);
      if (!repo) return {};
      return mergeWiring(
        withCaps(ctx, ["DAC_OVERRIDE"], "opens the repository the backup job writes as root"),
        { extraMounts: [{ ...repo, target: "/repos/local" }] },
      );
    },
  },
};

const securityWiring: Readonly<Record<string, Wiring>> = {
  crowdsec: {
    before: (ctx): WireResult =>
      mergeWiring(
        withCaps(
          ctx,
          ["DAC_READ_SEARCH"],
          "reads the proxy's log directory, owned by the homelab owner",
        ),
        traefikLogs(ctx),
        {
          files: [
            { path: CROWDSEC_ACQUIS_PATH, content: crowdsecAcquisition(SOCKET_PROXY_URL) },
            { path: CROWDSEC_LAN_WHITELIST_PATH, content: crowdsecLanWhitelist(ctx.spec) },
          ],
        },
      ),
  },
  [CROWDSEC_BOUNCER_APP]: {
    // CrowdSec generates the key and registers it from its env at start; the bouncer gets
    // the same value, so no key is ever printed, copied or passed on a command line of ours.
    needs: ["crowdsec"],
    before: (ctx): WireResult => {
      const key = ctx.apps.crowdsec?.secrets.bouncerKey;
      if (!key)
        throw new Error(`${CROWDSEC_BOUNCER_APP} needs crowdsec (the resolve stage checks it)`);
      return {
        env: [
          pulumi.secret(pulumi.interpolate`CROWDSEC_BOUNCER_API_KEY=${key}`),
          `TRUSTED_PROXIES=${bouncerTrustedProxies(ctx.spec).join(",")}`,
        ],
        secretEnvKeys: ["CROWDSEC_BOUNCER_API_KEY"],
      };
    },
  },
  fail2ban: {
    before: (ctx): WireResult =>
      mergeWiring(
        withCaps(
          ctx,
          ["DAC_READ_SEARCH"],
          "reads the proxy's log directory, owned by the homelab owner",
        ),
        traefikLogs(ctx),
        { files: Object.entries(FAIL2BAN_FILES).map(([path, content]) => ({ path, content })) },
      ),
  },
};

/** Pi-hole, Dozzle, Glances, Sablier, DuckDNS, Backrest and the dashboards. */
export class InfraStack extends ProfileStack {
  constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:infra:InfraStack", name, args, { apps: infraWiring }, opts);
    this.registerOutputs({});
  }
}

/** WireGuard, CrowdSec with its bouncer, and Fail2ban. */
export class SecurityStack extends ProfileStack {
  constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:security:SecurityStack", name, args, { apps: securityWiring }, opts);
    this.registerOutputs({});
  }
}
