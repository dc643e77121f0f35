import { z } from "zod";
import { addressProblem, lanCidrProblem, SAFE_EMAIL, SAFE_PATH, systemPathReason } from "./guards";
import { GPU_KINDS, PROFILES, PROXIES, STORAGE_CLASSES, TIERS } from "./spec";
import { VPN_PROVIDERS, vpnFieldProblems } from "./vpn";

/** Zod schemas for each `homelab:` key, as the owner writes them in `Pulumi.<stack>.yaml`. */

/** A public key line as `ssh-keyscan` prints it after the host name. */
const SSH_HOST_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}$/;
/**
 * A tier root: it reaches host-preparation scripts and mount sources, so plain path
 * characters only, and never a system directory that preparation would chown.
 */
const storageRoot = z.string().superRefine((p, ctx) => {
  const problem = !p.startsWith("/")
    ? "must be an absolute path"
    : p.split("/").includes("..")
      ? "must not contain .."
      : !SAFE_PATH.test(p)
        ? "may contain only letters, digits and . _ - / (no spaces, quotes or newlines)"
        : systemPathReason(p);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const address = z.string().superRefine((a, ctx) => {
  const problem = addressProblem(a);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const email = z.string().regex(SAFE_EMAIL, {
  message: "must be a plain e-mail address (letters, digits and . _ + - only; no quotes or spaces)",
});
/** uid/gid of the data owner: never root, or every PUID/PGID app runs as root. */
const ownerId = z
  .int()
  .min(0)
  .refine((n) => n !== 0, {
    message:
      "must not be 0 (root): every app would run as root; use the owner's own id (e.g. 1000)",
  });
const positiveInt = z.int().positive();
/** A WireGuard key as its tools print it: 32 bytes in base64. */
const WIREGUARD_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const hostname = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
  message: "must be lower-case letters, digits and dashes",
});
const fqdn = z.string().regex(/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
  message: "must be a lower-case DNS name",
});
/** Five plain cron fields, as busybox crond reads them (no `@daily`, no quotes). */
const cron = z.string().regex(/^[0-9A-Za-z*,/-]+( [0-9A-Za-z*,/-]+){4}$/, {
  message: 'must be five cron fields separated by single spaces, such as "30 3 * * *"',
});
const auth = z.enum(["two_factor", "one_factor", "bypass"]);
const retention = z
  .strictObject({
    daily: z.int().min(0),
    weekly: z.int().min(0),
    monthly: z.int().min(0),
  })
  .refine((r) => r.daily + r.weekly + r.monthly > 0, {
    message: "keeps no snapshot at all; keep at least one daily, weekly or monthly",
  });

const hostSchema = z.strictObject({
  docker: z.string(),
  address,
  edge: z.boolean().optional(),
  gpu: z.enum(GPU_KINDS).default("none"),
  renderGroup: z.int().min(0).optional(),
  memoryMb: positiveInt.optional(),
  cpus: z.number().positive().optional(),
  containerdImageStore: z.boolean().optional(),
  storage: z
    .strictObject({
      nvme: storageRoot.optional(),
      ssd: storageRoot.optional(),
      hdd: storageRoot.optional(),
    })
    .refine((s) => Object.values(s).some((v) => v !== undefined), {
      message: "must name at least one tier root (nvme, ssd or hdd)",
    }),
  ssh: z
    .strictObject({
      user: z
        .string()
        .regex(/^[a-z_][a-z0-9_-]*$/, { message: "must be a plain user name" })
        .optional(),
      port: z.int().min(1).max(65535).optional(),
      hostKey: z
        .string()
        .regex(SSH_HOST_KEY, {
          message:
            "must be the host's public key as ssh-keyscan prints it after the host name: <type> <base64>",
        })
        .optional(),
    })
    .optional(),
});

const appSchema = z.strictObject({
  enabled: z.boolean().optional(),
  host: z.string().optional(),
  subdomain: hostname.optional(),
  memoryMb: positiveInt.optional(),
  cpus: z.number().positive().optional(),
  /** Control characters in values are refused for every key by config/load.ts. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
  auth: auth.optional(),
});

const repository = z.union([
  z.literal("local"),
  z.string().regex(/^(s3|b2):[A-Za-z0-9._~:/?#@!$&()*+,;=%-]+$/, {
    message: 'must be "local" or an s3:/b2: restic repository URL (no spaces or quotes)',
  }),
]);

export const keySchemas = {
  domain: fqdn,
  mode: z.enum(["domain", "localhost"]),
  proxy: z.enum(PROXIES, { message: `must be one of ${PROXIES.join(", ")}` }),
  timezone: z.string().regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, {
    message: "must be an IANA zone such as Europe/Berlin",
  }),
  owner: z.strictObject({ uid: ownerId, gid: ownerId }),
  lanCidrs: z
    .array(
      z.string().superRefine((c, ctx) => {
        const problem = lanCidrProblem(c);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    )
    .min(1),
  hosts: z.record(hostname, hostSchema).refine((h) => Object.keys(h).length > 0, {
    message: "must declare at least one host",
  }),
  storage: z.partialRecord(z.enum(STORAGE_CLASSES), z.enum(TIERS)),
  profiles: z.array(z.enum(PROFILES)),
  apps: z.record(z.string(), appSchema),
  dns: z.strictObject({
    provider: z.enum(["cloudflare", "none"]),
    zone: fqdn.optional(),
    target: z.union([z.literal("ddns"), z.ipv4()]).optional(),
    proxied: z.boolean().optional(),
  }),
  tls: z.strictObject({ email, staging: z.boolean().optional() }),
  sso: z.strictObject({
    provider: z.enum(["authelia", "none"]),
    smtp: z
      .strictObject({
        host: z.string(),
        port: positiveInt,
        username: z.string(),
        sender: email,
      })
      .optional(),
  }),
  vpn: z
    .strictObject({
      provider: z.enum(VPN_PROVIDERS, {
        message: `must be a provider Gluetun runs WireGuard for: ${VPN_PROVIDERS.join(", ")}`,
      }),
      type: z.literal("wireguard").optional(),
      countries: z.array(z.string().min(1)).min(1).optional(),
      regions: z.array(z.string().min(1)).min(1).optional(),
      addresses: z
        .array(
          z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { message: "must be an IPv4 CIDR" }),
        )
        .min(1)
        .optional(),
      /** The server of provider `custom` (the [Peer] of its WireGuard configuration). */
      endpoint: z
        .strictObject({
          ip: z.union([z.ipv4(), z.ipv6()], { message: "must be an IP address (not a name)" }),
          port: z.int().min(1).max(65535),
          publicKey: z.string().regex(WIREGUARD_KEY, {
            message: "must be the server's WireGuard public key (44 base64 characters)",
          }),
        })
        .optional(),
    })
    .superRefine((vpn, ctx) => {
      for (const p of vpnFieldProblems(vpn))
        ctx.addIssue({ code: "custom", path: [p.field], message: p.message });
    }),
  backup: z.strictObject({
    schedule: cron.optional(),
    checkSchedule: cron.optional(),
    checkReadData: z
      .string()
      .regex(/^\d{1,2}%$/, { message: "must be a percentage such as 5%" })
      .optional(),
    retention: retention.optional(),
    remoteRetention: retention.optional(),
    repositories: z
      .array(repository)
      .min(1)
      .refine((r) => new Set(r).size === r.length, { message: "lists a repository twice" })
      .optional(),
    include: z.array(z.enum(STORAGE_CLASSES)).optional(),
  }),
  alerting: z.strictObject({
    receiver: z.enum(["email", "ntfy", "discord", "webhook", "none"]),
    to: z.string().min(1).optional(),
    smtp: z
      .strictObject({ host: z.string(), port: positiveInt, username: z.string(), from: email })
      .optional(),
  }),
  media: z.strictObject({ transcodeTmpfsMb: positiveInt.optional() }),
  observability: z.strictObject({
    retentionDays: positiveInt.optional(),
    logRetentionDays: positiveInt.optional(),
    publicStatusPage: z.boolean().optional(),
  }),
} as const;

/** The entry schemas of the map keys, so one bad entry does not hide the others' checks. */
export const entrySchemas = { hosts: hostSchema, apps: appSchema } as const;

export type KeyName = keyof typeof keySchemas;
export type RawConfig = { [K in KeyName]?: z.output<(typeof keySchemas)[K]> };

/** Secret keys in the `homelab` namespace: read by components, never by the schema. */
export const SECRET_KEYS = [
  "sshPrivateKey",
  "dockerTls",
  "vpnPrivateKey",
  "vpnPresharedKey",
  "backupPassword",
  "backupRemoteKeys",
  "ssoUsers",
  "smtpPassword",
  "plexClaim",
  "alertingSecret",
  "duckdnsToken",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
