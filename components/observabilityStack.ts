import * as pulumi from "@pulumi/pulumi";
import type { AppSpec, HomelabSpec } from "../config/spec";
import {
  ALERTMANAGER_CONFIG_PATH,
  ALLOY_CONFIG_PATH,
  LOKI_CONFIG_PATH,
} from "../catalog/observability";
import { ALERTING_SECRET_PATH, alertmanagerConfig } from "../plan/observability/alertmanager";
import { alloyConfig } from "../plan/observability/alloy";
import { grafanaProvisioning } from "../plan/observability/grafana";
import { lokiConfig } from "../plan/observability/loki";
import {
  PROMETHEUS_CONFIG_PATH,
  PROMETHEUS_RULES_DIR,
  prometheusArgs,
  prometheusConfig,
} from "../plan/observability/prometheus";
import { ALERT_RULES_FILE, alertRules } from "../plan/observability/rules";
import { appUrl } from "../plan/proxy/traefik";
import { App, type AppArgs, type AppFile } from "./app";
import { createApps, type FamilyArgs } from "./appGroup";

/**
 * Arguments of the ObservabilityStack: the enabled apps of the `observability` profile,
 * placed, with the hosts they run on. Every generated file is a function of the hosts and
 * `homelab:observability`/`homelab:alerting` only, never of the other apps (DESIGN §7).
 */
export type ObservabilityStackArgs = FamilyArgs;

const ALERTING_SECRET = "homelab:alertingSecret";

/** Whether the configured receiver reads `homelab:alertingSecret` from a file. */
function receiverNeedsSecret(spec: HomelabSpec): boolean {
  return spec.alerting.receiver !== "none" && spec.secretsPresent.includes(ALERTING_SECRET);
}

/** Generated files, command and env of one observability app. */
function wiring(spec: HomelabSpec, app: AppSpec): Partial<AppArgs> {
  switch (app.name) {
    case "prometheus":
      return {
        command: prometheusArgs(spec),
        files: [
          { path: PROMETHEUS_CONFIG_PATH, content: prometheusConfig(spec) },
          { path: `${PROMETHEUS_RULES_DIR}/${ALERT_RULES_FILE}`, content: alertRules(spec) },
        ],
      };
    case "alertmanager": {
      const files: AppFile[] = [
        { path: ALERTMANAGER_CONFIG_PATH, content: alertmanagerConfig(spec) },
      ];
      if (receiverNeedsSecret(spec)) {
        files.push({
          path: ALERTING_SECRET_PATH,
          content: new pulumi.Config("homelab").requireSecret("alertingSecret"),
        });
      }
      return { files };
    }
    case "loki":
      return { files: [{ path: LOKI_CONFIG_PATH, content: lokiConfig(spec) }] };
    case "alloy":
      return { files: [{ path: ALLOY_CONFIG_PATH, content: alloyConfig(spec, app.host) }] };
    case "grafana":
      return {
        files: grafanaProvisioning(spec).map((f) => ({ path: f.path, content: f.content })),
        env: [`GF_SERVER_ROOT_URL=${appUrl(spec, app)}`],
      };
    default:
      return {};
  }
}

/**
 * Metrics, logs, alerts, dashboards and uptime checks. Prometheus discovers the
 * apps of its own host through the local socket proxy by container labels; on every other
 * host Alloy discovers them the same way, scrapes them locally and remote-writes to
 * Prometheus, and ships logs to Loki. No socket proxy is reachable from the LAN, and adding
 * an app changes no input of any resource here.
 */
export class ObservabilityStack extends pulumi.ComponentResource {
  /** The family's Apps by instance id (`prometheus`, `node-exporter-<host>`, ...). */
  readonly apps: Readonly<Record<string, App>>;
  /** Grafana's generated admin password (user `admin`), secret; undefined without Grafana. */
  readonly grafanaAdminPassword?: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:observability:ObservabilityStack", name, {}, opts);
    const { spec } = args;
    const apps = createApps(this, args, (app) => wiring(spec, app));
    this.apps = apps;
    const password = apps.grafana?.secrets.admin_password;
    this.grafanaAdminPassword = password ? pulumi.secret(password) : undefined;
    this.registerOutputs({ grafanaAdminPassword: this.grafanaAdminPassword });
  }
}
