import type * as pulumi from "@pulumi/pulumi";
import type { DockerTls } from "../hosts/host";

/**
 * The stack's secret config, read once by the program (program.ts) and handed to the
 * components that use it: no component reads `pulumi.Config` itself. The resolve stage has
 * already refused a stack that lacks a secret one of its apps needs.
 */
export interface StackSecrets {
  /** `homelab:sshPrivateKey`: host preparation over SSH. */
  sshPrivateKey?: pulumi.Output<string>;
  /** `homelab:dockerTls`: client certificates of `tcp://` Docker hosts, by host name. */
  dockerTls?: pulumi.Output<Record<string, DockerTls>>;
  /** `homelab:backupPassword`: the restic repositories' password (generated when absent). */
  backupPassword?: pulumi.Output<string>;
  /** `homelab:backupRemoteKeys`: env of the remote repositories (JSON object). */
  backupRemoteKeys?: pulumi.Output<string>;
  /** `cloudflare:apiToken`: DNS records, DNS-01 certificates and DDNS. */
  cloudflareApiToken?: pulumi.Output<string>;
  /** `homelab:smtpPassword`: Authelia's mail notifier. */
  smtpPassword?: pulumi.Output<string>;
  /** `homelab:ssoUsers`: Authelia's users file, when the owner provides one. */
  ssoUsers?: pulumi.Output<string>;
  /** `homelab:alertingSecret`: the alert receiver's SMTP password or webhook URL. */
  alertingSecret?: pulumi.Output<string>;
  /** `homelab:vpnPrivateKey`: Gluetun's WireGuard key. */
  vpnPrivateKey?: pulumi.Output<string>;
  /** `homelab:plexClaim`: Plex's one-time claim token. */
  plexClaim?: pulumi.Output<string>;
  /** `homelab:duckdnsToken`: the DuckDNS updater's token. */
  duckdnsToken?: pulumi.Output<string>;
}

/** A secret the resolve stage guarantees for this stack; its absence is a program bug. */
export function required<K extends keyof StackSecrets>(
  secrets: StackSecrets,
  key: K,
  configKey: string,
): NonNullable<StackSecrets[K]> {
  const value = secrets[key];
  if (value === undefined)
    throw new Error(`${configKey} is required here (the resolve stage checks it)`);
  return value as NonNullable<StackSecrets[K]>;
}
