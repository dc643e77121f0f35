import * as pulumi from "@pulumi/pulumi";
import { IMMICH_ML_PORT, NEXTCLOUD_PORT, immichMlTag } from "../catalog/cloud";
import { apacheListenFiles } from "../catalog/shared";
import { hostByName, type AppSpec, type HomelabSpec } from "../config/spec";
import { appUrl } from "../plan/proxy/traefik";
import type { AppFile } from "./app";
import {
  ProfileStack,
  borrowMount,
  type ProfileArgs,
  type WireContext,
  type WireResult,
  type Wiring,
} from "./profileStack";

/** Runs as www-data before Apache starts, on every start: points Nextcloud Office at Collabora. */
export const COLLABORA_HOOK_PATH = "/docker-entrypoint-hooks.d/before-starting/50-collabora.sh";

/** The Nextcloud Office app talks to Collabora at its public URL (WOPI discovery and editing). */
export function collaboraHook(collaboraUrl: string): string {
  return [
    "#!/bin/sh",
    "set -eu",
    'occ() { php /var/www/html/occ "$@"; }',
    // Installed once; enabling is idempotent on every later start.
    "occ app:install richdocuments >/dev/null 2>&1 || occ app:enable richdocuments",
    `occ config:app:set richdocuments wopi_url --value='${collaboraUrl}'`,
    `occ config:app:set richdocuments public_wopi_url --value='${collaboraUrl}'`,
    "occ richdocuments:activate-config || true",
    "",
  ].join("\n");
}

function placedApp(spec: HomelabSpec, name: string): AppSpec | undefined {
  return spec.apps.find((a) => a.name === name);
}

/** `K=<secret of another app>` when that app exists in this family. */
function secretEnv(
  ctx: WireContext,
  app: string,
  secret: string,
  key: string,
): pulumi.Output<string>[] {
  const value = ctx.apps[app]?.secrets[secret];
  return value ? [pulumi.secret(pulumi.interpolate`${key}=${value}`)] : [];
}

/**
 * Same host: over the shared `proxy` network by container name. Another host (the GPU box):
 * its published LAN port.
 */
export function immichMlUrl(spec: HomelabSpec, server: AppSpec, ml: AppSpec): string {
  if (ml.host === server.host) return `http://immich-machine-learning:${IMMICH_ML_PORT}`;
  return `http://${hostByName(spec, ml.host).address}:${IMMICH_ML_PORT}`;
}

const wiring: Readonly<Record<string, Wiring>> = {
  nextcloud: {
    needs: ["nextcloud-redis", "collabora"],
    before: (ctx): WireResult => {
      const files: AppFile[] = [...apacheListenFiles(NEXTCLOUD_PORT)];
      const collabora = placedApp(ctx.spec, "collabora");
      if (collabora)
        files.push({
          path: COLLABORA_HOOK_PATH,
          content: collaboraHook(appUrl(ctx.spec, collabora)),
          executable: true,
        });
      const redis = ctx.apps["nextcloud-redis"];
      return {
        env: secretEnv(ctx, "nextcloud-redis", "password", "REDIS_HOST_PASSWORD"),
        secretEnvKeys: ["REDIS_HOST_PASSWORD"],
        files,
        dependsOn: redis ? [redis.container] : [],
      };
    },
  },
  "nextcloud-cron": {
    needs: ["nextcloud"],
    // Runs cron.php of the very same installation: it mounts Nextcloud's directory.
    before: (ctx): WireResult => {
      const nextcloud = ctx.apps.nextcloud;
      const html = nextcloud?.plan.mounts.find((m) => m.target === "/var/www/html");
      if (!nextcloud || !html) return {};
      const borrowed = borrowMount(
        ctx.spec,
        ctx.host,
        ctx.def,
        html,
        "/var/www/html",
        false,
        "runs Nextcloud's background jobs against Nextcloud's own installation",
      );
      // Only the directory must exist: until Nextcloud has installed itself, cron.php exits
      // at once, so waiting for its container would only lengthen the chain.
      return { ...borrowed, dependsOn: nextcloud.directories ? [nextcloud.directories] : [] };
    },
  },
  "immich-machine-learning": {
    // CUDA on NVIDIA, OpenVINO on Intel, CPU elsewhere: the image variant follows the host.
    before: (ctx): WireResult => ({
      definition: { ...ctx.def, image: { ...ctx.def.image, tag: immichMlTag(ctx.host.spec.gpu) } },
    }),
  },
  "immich-server": {
    needs: ["immich-postgres", "immich-redis", "immich-machine-learning"],
    before: (ctx): WireResult => {
      const ml = placedApp(ctx.spec, "immich-machine-learning");
      const mlEnv = ml
        ? [`IMMICH_MACHINE_LEARNING_URL=${immichMlUrl(ctx.spec, ctx.app, ml)}`]
        : ["IMMICH_MACHINE_LEARNING_ENABLED=false"];
      const deps = ["immich-postgres", "immich-redis"].flatMap((n) =>
        ctx.apps[n] ? [ctx.apps[n].container] : [],
      );
      return {
        env: [
          ...mlEnv,
          ...secretEnv(ctx, "immich-postgres", "password", "DB_PASSWORD"),
          ...secretEnv(ctx, "immich-redis", "password", "REDIS_PASSWORD"),
        ],
        secretEnvKeys: ["DB_PASSWORD", "REDIS_PASSWORD"],
        dependsOn: deps,
      };
    },
  },
};

/**
 * The cloud profile: Nextcloud with its cron job, cache and Office integration, Collabora,
 * Immich with its own vector-enabled PostgreSQL, cache and machine learning, and Navidrome.
 */
export class CloudStack extends ProfileStack {
  constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:cloud:CloudStack", name, args, { apps: wiring }, opts);
    this.registerOutputs({});
  }
}
