import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { AppSpec, HomelabSpec } from "../config/spec";
import { edgeHost } from "../config/spec";
import { HostFile } from "../hosts/hostFile";
import {
  AUTHELIA_PATHS,
  adminBootstrapScript,
  autheliaConfig,
  autheliaSecretPath,
} from "../plan/proxy/authelia";
import { CADDYFILE_PATH, caddySecretFiles, caddyfile } from "../plan/proxy/caddy";
import { ddnsEnv, dnsRecords } from "../plan/proxy/dns";
import {
  DYNAMIC_DIR,
  MIDDLEWARES_FILE,
  STATIC_CONFIG_PATH,
  TRAEFIK_SECRET_ENV,
  middlewaresConfig,
  remoteRouteFileName,
  remoteRoutesConfig,
  traefikSecretEnv,
  traefikStaticConfig,
} from "../plan/proxy/traefik";
import { App, type AppArgs, type AppFile } from "./app";
import { createApps, type FamilyArgs } from "./appGroup";

/** Arguments of the ReverseProxy: the `core` family plus every routed app of the spec. */
export type ReverseProxyArgs = FamilyArgs;

const CF_TOKEN_FILE = TRAEFIK_SECRET_ENV.CF_DNS_API_TOKEN_FILE.path;

/** Per-app wiring of the core apps: generated files, secret files and env. */
function coreWiring(spec: HomelabSpec, app: AppSpec): Partial<AppArgs> {
  const homelab = new pulumi.Config("homelab");
  const cfToken = () => new pulumi.Config("cloudflare").requireSecret("apiToken");
  switch (app.name) {
    case "traefik": {
      const files: AppFile[] = [{ path: STATIC_CONFIG_PATH, content: traefikStaticConfig(spec) }];
      const env = Object.entries(traefikSecretEnv(spec)).map(([k, v]) => `${k}=${v}`);
      if (env.length) files.push({ path: CF_TOKEN_FILE, content: cfToken() });
      return { files, env };
    }
    case "caddy": {
      // Every route is in the one Caddyfile (plan/proxy/caddy.ts says why).
      const files: AppFile[] = [{ path: CADDYFILE_PATH, content: caddyfile(spec) }];
      for (const f of caddySecretFiles(spec)) files.push({ path: f.path, content: cfToken() });
      return { files };
    }
    case "authelia": {
      const files: AppFile[] = [
        { path: AUTHELIA_PATHS.config, content: autheliaConfig(spec, spec.apps) },
      ];
      const env: string[] = [];
      if (spec.sso.smtp) {
        files.push({
          path: autheliaSecretPath("smtpPassword"),
          content: homelab.requireSecret("smtpPassword"),
        });
        env.push(`AUTHELIA_NOTIFIER_SMTP_PASSWORD_FILE=${autheliaSecretPath("smtpPassword")}`);
      }
      if (spec.sso.usersFromConfig) {
        files.push({
          path: AUTHELIA_PATHS.providedUsers,
          content: homelab.requireSecret("ssoUsers"),
        });
        return { files, env, command: ["--config", AUTHELIA_PATHS.config] };
      }
      // No users file given: one admin whose generated password is hashed by Authelia itself on first start.
      return {
        files,
        env,
        command: ["sh", "-c", adminBootstrapScript(spec.tls?.email ?? `admin@${spec.domain}`)],
      };
    }
    case "cloudflare-ddns":
      return {
        files: [{ path: CF_TOKEN_FILE, content: cfToken() }],
        env: [`CLOUDFLARE_API_TOKEN_FILE=${CF_TOKEN_FILE}`, ...ddnsEnv(spec)],
      };
    default:
      return {};
  }
}

/**
 * The single way in: socket proxy, the edge proxy (Traefik with route files for apps on other
 * hosts, or Caddy with its one Caddyfile), Authelia with its Redis, the DDNS updater and one
 * Cloudflare record per routed app.
 */
export class ReverseProxy extends pulumi.ComponentResource {
  readonly apps: Readonly<Record<string, App>>;
  /** Cloudflare records by app name (empty without a DNS provider). */
  readonly dnsRecords: Readonly<Record<string, cloudflare.DnsRecord>>;

  constructor(name: string, args: ReverseProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:proxy:ReverseProxy", name, {}, opts);
    const { spec, hosts } = args;
    const apps = createApps(this, args, (app) => coreWiring(spec, app));
    this.apps = apps;

    const traefik = apps.traefik;
    if (traefik) {
      const edge = hosts[edgeHost(spec).name];
      const dir = traefik.plan.mounts.find((m) => m.target === DYNAMIC_DIR)?.source;
      if (!dir) throw new Error("traefik has no dynamic configuration mount");
      const fileArgs = {
        host: edge,
        owner: spec.owner,
        dependsOn: traefik.directories ? [traefik.directories] : [],
      };
      new HostFile(
        `${name}-middlewares`,
        { ...fileArgs, path: `${dir}/${MIDDLEWARES_FILE}`, content: middlewaresConfig(spec) },
        { parent: this },
      );
      // One file per remote app: adding an app adds a file and changes nothing else.
      for (const app of spec.apps) {
        const content = remoteRoutesConfig(spec, app);
        if (content) {
          new HostFile(
            `${name}-route-${app.name}`,
            { ...fileArgs, path: `${dir}/${remoteRouteFileName(app)}`, content },
            { parent: this },
          );
        }
      }
    }

    const records: Record<string, cloudflare.DnsRecord> = {};
    const planned = dnsRecords(spec);
    if (planned.length) {
      const zone = cloudflare.getZoneOutput({ filter: { name: spec.dns.zone } }, { parent: this });
      for (const r of planned) {
        records[r.app] = new cloudflare.DnsRecord(
          `${name}-dns-${r.app}`,
          {
            zoneId: zone.id,
            name: r.name,
            type: r.type,
            content: r.content,
            ttl: 1,
            proxied: r.proxied,
            comment: r.comment,
          },
          { parent: this, deleteBeforeReplace: true },
        );
      }
    }
    this.dnsRecords = records;
    this.registerOutputs({ dnsRecords: records });
  }
}
