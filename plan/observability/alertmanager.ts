/**
 * Alertmanager configuration from `homelab:alerting`. Credentials never appear in the file:
 * every secret is read by Alertmanager from the file the ObservabilityStack writes from the
 * `homelab:alertingSecret` secret.
 */
import { stringify } from "yaml";
import type { AlertingSpec, HomelabSpec } from "../../config/spec";
import { GO_YAML } from "./prometheus";

/** Where the ObservabilityStack puts the value of `homelab:alertingSecret` in the container. */
export const ALERTING_SECRET_PATH = "/etc/alertmanager/secrets/alerting-secret";
/**
 * Oldest Alertmanager that loads every receiver generated here: webhook `url_file` arrived in
 * 0.26 and discord `webhook_url_file` works from 0.28 (broken in 0.27). Email
 * `smtp_auth_password_file` and `http_config.authorization.credentials_file` are older.
 */
export const ALERTMANAGER_MIN_VERSION = "0.28.0";

const SECRET_KEY = "homelab:alertingSecret";

export interface AlertmanagerOptions {
  /** Path of the alerting secret file; the container path by default. */
  secretPath?: string;
}

type Receiver = { name: string } & Record<string, unknown>;

function requireTo(alerting: AlertingSpec): string {
  if (!alerting.to)
    throw new Error(`homelab:alerting.to is required for the ${alerting.receiver} receiver`);
  return alerting.to;
}

function receiverOf(
  spec: HomelabSpec,
  secretPath: string,
): { receiver: Receiver; global: Record<string, unknown> } {
  const a = spec.alerting;
  switch (a.receiver) {
    case "email": {
      if (!a.smtp) throw new Error("homelab:alerting.smtp is required for the email receiver");
      return {
        global: {
          smtp_smarthost: `${a.smtp.host}:${a.smtp.port}`,
          smtp_from: a.smtp.from,
          smtp_auth_username: a.smtp.username,
          smtp_auth_password_file: secretPath,
          // Port 465 is implicit TLS; STARTTLS is required everywhere else.
          smtp_require_tls: a.smtp.port !== 465,
        },
        receiver: { name: "email", email_configs: [{ to: requireTo(a), send_resolved: true }] },
      };
    }
    case "ntfy": {
      // ntfy accepts Alertmanager's JSON on the topic URL; the optional secret is an access token.
      const auth = spec.secretsPresent.includes(SECRET_KEY)
        ? { http_config: { authorization: { type: "Bearer", credentials_file: secretPath } } }
        : {};
      return {
        global: {},
        receiver: {
          name: "ntfy",
          webhook_configs: [{ url: requireTo(a), send_resolved: true, ...auth }],
        },
      };
    }
    case "discord":
      return {
        global: {},
        receiver: {
          name: "discord",
          discord_configs: [{ webhook_url_file: secretPath, send_resolved: true }],
        },
      };
    case "webhook":
      return {
        global: {},
        receiver: {
          name: "webhook",
          webhook_configs: [{ url_file: secretPath, send_resolved: true }],
        },
      };
    case "none":
      return { global: {}, receiver: { name: "null" } };
  }
}

/** alertmanager.yml for the homelab. */
export function alertmanagerConfig(spec: HomelabSpec, options: AlertmanagerOptions = {}): string {
  const { receiver, global } = receiverOf(spec, options.secretPath ?? ALERTING_SECRET_PATH);
  const config = {
    global: { resolve_timeout: "5m", ...global },
    route: {
      receiver: receiver.name,
      group_by: ["alertname", "host"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "12h",
    },
    inhibit_rules: [
      {
        // A host that is down takes its scrape targets and containers with it.
        source_matchers: ['alertname="HostDown"'],
        target_matchers: ['alertname=~"TargetDown|ContainerRestarting|VpnTunnelDown"'],
        equal: ["host"],
      },
      {
        source_matchers: ['alertname="DiskUsageCritical"'],
        target_matchers: ['alertname=~"DiskUsageHigh|DiskWillFillIn24h"'],
        equal: ["host", "tier"],
      },
    ],
    receivers: [receiver],
  };
  return stringify(config, GO_YAML);
}
