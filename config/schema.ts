import { z } from "zod";
import { GPU_KINDS, PROFILES, STORAGE_CLASSES, TIERS } from "./spec";

/** Zod schemas for each `homelab:` key, as the owner writes them in `Pulumi.<stack>.yaml`. */

const absolutePath = z.string().refine((p) => p.startsWith("/") && !p.includes(".."), {
  message: "must be an absolute path",
});
const positiveInt = z.int().positive();
const hostname = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
  message: "must be lower-case letters, digits and dashes",
});
const fqdn = z.string().regex(/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
  message: "must be a lower-case DNS name",
});
const cron = z
  .string()
  .regex(/^(\S+\s+){4}\S+$/, { message: "must be a five-field cron expression" });
const auth = z.enum(["two_factor", "one_factor", "bypass"]);
const retention = z.strictObject({
  daily: z.int().min(0),
  weekly: z.int().min(0),
  monthly: z.int().min(0),
});

const hostSchema = z.strictObject({
  docker: z.string(),
  address: z.string().min(1),
  edge: z.boolean().optional(),
  gpu: z.enum(GPU_KINDS).default("none"),
  renderGroup: z.int().min(0).optional(),
  memoryMb: positiveInt.optional(),
  cpus: z.number().positive().optional(),
  storage: z
    .strictObject({
      nvme: absolutePath.optional(),
      ssd: absolutePath.optional(),
      hdd: absolutePath.optional(),
    })
    .refine((s) => Object.values(s).some((v) => v !== undefined), {
      message: "must name at least one tier root (nvme, ssd or hdd)",
    }),
  ssh: z
    .strictObject({ user: z.string().min(1).optional(), port: positiveInt.optional() })
    .optional(),
});

const appSchema = z.strictObject({
  enabled: z.boolean().optional(),
  host: z.string().optional(),
  subdomain: hostname.optional(),
  memoryMb: positiveInt.optional(),
  cpus: z.number().positive().optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
  auth: auth.optional(),
});

const repository = z.union([
  z.literal("local"),
  z
    .string()
    .regex(/^(s3|b2):\S+$/, { message: 'must be "local" or an s3:/b2: restic repository URL' }),
]);

export const keySchemas = {
  domain: fqdn,
  mode: z.enum(["domain", "localhost"]),
  timezone: z.string().regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, {
    message: "must be an IANA zone such as Europe/Berlin",
  }),
  owner: z.strictObject({ uid: z.int().min(0), gid: z.int().min(0) }),
  lanCidrs: z
    .array(
      z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { message: "must be an IPv4 CIDR" }),
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
  tls: z.strictObject({ email: z.email(), staging: z.boolean().optional() }),
  sso: z.strictObject({
    provider: z.enum(["authelia", "none"]),
    smtp: z
      .strictObject({
        host: z.string(),
        port: positiveInt,
        username: z.string(),
        sender: z.email(),
      })
      .optional(),
  }),
  vpn: z.strictObject({
    provider: z.string().min(1),
    type: z.literal("wireguard").optional(),
    countries: z.array(z.string().min(1)).min(1),
    addresses: z
      .array(
        z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { message: "must be an IPv4 CIDR" }),
      )
      .min(1),
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
    repositories: z.array(repository).min(1).optional(),
    include: z.array(z.enum(STORAGE_CLASSES)).optional(),
  }),
  alerting: z.strictObject({
    receiver: z.enum(["email", "ntfy", "discord", "webhook", "none"]),
    to: z.string().min(1).optional(),
    smtp: z
      .strictObject({ host: z.string(), port: positiveInt, username: z.string(), from: z.email() })
      .optional(),
  }),
  media: z.strictObject({ transcodeTmpfsMb: positiveInt.optional() }),
  observability: z.strictObject({
    retentionDays: positiveInt.optional(),
    logRetentionDays: positiveInt.optional(),
  }),
} as const;

export type KeyName = keyof typeof keySchemas;
export type RawConfig = { [K in KeyName]?: z.output<(typeof keySchemas)[K]> };

/** Secret keys in the `homelab` namespace: read by components, never by the schema. */
export const SECRET_KEYS = [
  "sshPrivateKey",
  "dockerTls",
  "vpnPrivateKey",
  "backupPassword",
  "backupRemoteKeys",
  "ssoUsers",
  "smtpPassword",
  "plexClaim",
  "alertingSecret",
  "duckdnsToken",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
