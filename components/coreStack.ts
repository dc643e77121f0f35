import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { edgeHost } from "../config/spec";
import { HostFile } from "../hosts/hostFile";
import { withAlias } from "../hosts/renamed";
import {
  AUTHELIA_PATHS,
  adminBootstrapScript,
  autheliaConfig,
  autheliaSecretPath,
} from "../plan/proxy/authelia";
import {
  OIDC_CONFIG_FILTERS_ENV,
  OIDC_HMAC_SECRET_ENV,
  OIDC_HMAC_SECRET_FILE,
  autheliaConfigWithClients,
  jwksKeyScript,
} from "../plan/sso/oidc";
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
import type { AppFile } from "./app";
import { ProfileStack, type ProfileArgs, type WireResult, type Wiring } from "./profileStack";
import { required } from "./secrets";

const CF_TOKEN_FILE = TRAEFIK_SECRET_ENV.CF_DNS_API_TOKEN_FILE.path;
const CF_TOKEN_KEY = "cloudflare:apiToken";

/** Generated files, secret files and env of the core apps. */
const wiring: Readonly<Record<string, Wiring>> = {
  traefik: {
    before: ({ spec, secrets }): WireResult => {
      const files: AppFile[] = [{ path: STATIC_CONFIG_PATH, content: traefikStaticConfig(spec) }];
      const env = Object.entries(traefikSecretEnv(spec)).map(([k, v]) => `${k}=${v}`);
      if (env.length)
        files.push({
          path: CF_TOKEN_FILE,
          content: required(secrets, "cloudflareApiToken", CF_TOKEN_KEY),
        });
      return { files, env };
    },
  },
  caddy: {
    // Every route is in the one Caddyfile (plan/proxy/caddy.ts says why).
    before: ({ spec, secrets }): WireResult => ({
      files: [
        { path: CADDYFILE_PATH, content: caddyfile(spec) },
        ...caddySecretFiles(spec).map((f) => ({
          path: f.path,
          content: required(secrets, "cloudflareApiToken", CF_TOKEN_KEY),
        })),
      ],
    }),
  },
  authelia: {
    before: ({ spec, secrets, oidc }): WireResult => {
      const config = oidc
        ? oidc.digests.apply((d) => autheliaConfigWithClients(spec, spec.apps, (id) => d[id]))
        : autheliaConfig(spec, spec.apps);
      const files: AppFile[] = [{ path: AUTHELIA_PATHS.config, content: config }];
      const env: string[] = [];
      // OpenID Connect: the HMAC secret as a file, the signing key made on first start.
      const before = oidc ? jwksKeyScript() : [];
      if (oidc) {
        files.push({ path: OIDC_HMAC_SECRET_FILE, content: oidc.hmacSecret });
        env.push(`${OIDC_HMAC_SECRET_ENV}=${OIDC_HMAC_SECRET_FILE}`, OIDC_CONFIG_FILTERS_ENV);
      }
      if (spec.sso.smtp) {
        files.push({
          path: autheliaSecretPath("smtpPassword"),
          content: required(secrets, "smtpPassword", "homelab:smtpPassword"),
        });
        env.push(`AUTHELIA_NOTIFIER_SMTP_PASSWORD_FILE=${autheliaSecretPath("smtpPassword")}`);
      }
      if (spec.sso.usersFromConfig) {
        files.push({
          path: AUTHELIA_PATHS.providedUsers,
          content: required(secrets, "ssoUsers", "homelab:ssoUsers"),
        });
        const start = ["--config", AUTHELIA_PATHS.config];
        const command = oidc
          ? ["sh", "-c", ["set -eu", ...before, `exec authelia ${start.join(" ")}`].join("\n")]
          : start;
        return { files, env, command };
      }
      // No users file given: one admin whose generated password is hashed by Authelia itself on first start.
      return {
        files,
        env,
        command: [
          "sh",
          "-c",
          adminBootstrapScript(spec.tls?.email ?? `admin@${spec.domain}`, {}, before),
        ],
      };
    },
  },
  "cloudflare-ddns": {
    before: ({ spec, secrets }): WireResult => ({
      files: [
        { path: CF_TOKEN_FILE, content: required(secrets, "cloudflareApiToken", CF_TOKEN_KEY) },
      ],
      env: [`CLOUDFLARE_API_TOKEN_FILE=${CF_TOKEN_FILE}`, ...ddnsEnv(spec)],
    }),
  },
};

/**
 * The core profile, the single way in: socket proxy, the edge proxy (Traefik with route files
 * for apps on other hosts, or Caddy with its one Caddyfile), Authelia with its Redis, the DDNS
 * updater and one Cloudflare record per routed app.
 */
export class CoreStack extends ProfileStack {
  /** Cloudflare records by app name (empty without a DNS provider). */
  readonly dnsRecords: Readonly<Record<string, cloudflare.DnsRecord>>;

  constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    // Renamed from `homelab:proxy:ReverseProxy` (one name per profile); the alias keeps its resources.
    super(
      "homelab:core:CoreStack",
      name,
      args,
      { apps: wiring },
      withAlias(opts, "homelab:proxy:ReverseProxy"),
    );
    const { spec, hosts } = args;
    const traefik = this.apps.traefik;
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
