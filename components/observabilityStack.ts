import * as pulumi from "@pulumi/pulumi";
import type { HomelabSpec } from "../config/spec";
import type { Host } from "../hosts/host";
import {
  ALERTMANAGER_CONFIG_PATH,
  ALLOY_CONFIG_PATH,
  LOKI_CONFIG_PATH,
  withContainerdSocket,
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
import {
  AUTOKUMA_PASSWORD_ENV,
  AUTOKUMA_STATIC_MONITORS,
  UPTIME_KUMA_APP,
} from "../catalog/uptime";
import { HostFile } from "../hosts/hostFile";
import { statusPageLabels } from "../plan/observability/statusPage";
import { monitorFile, monitorFileName } from "../plan/observability/uptime";
import { appUrl } from "../plan/proxy/traefik";
import type { App, AppFile } from "./app";
import { ProfileStack, type ProfileArgs, type WireResult, type Wiring } from "./profileStack";
import { required } from "./secrets";

const ALERTING_SECRET = "homelab:alertingSecret";

/** Whether the configured receiver reads `homelab:alertingSecret` from a file. */
function receiverNeedsSecret(spec: HomelabSpec): boolean {
  return spec.alerting.receiver !== "none" && spec.secretsPresent.includes(ALERTING_SECRET);
}

/** Generated files, command and env of each observability app. */
const wiring: Readonly<Record<string, Wiring>> = {
  prometheus: {
    before: ({ spec }): WireResult => ({
      command: prometheusArgs(spec),
      files: [
        { path: PROMETHEUS_CONFIG_PATH, content: prometheusConfig(spec) },
        { path: `${PROMETHEUS_RULES_DIR}/${ALERT_RULES_FILE}`, content: alertRules(spec) },
      ],
    }),
  },
  alertmanager: {
    before: ({ spec, secrets }): WireResult => {
      const files: AppFile[] = [
        { path: ALERTMANAGER_CONFIG_PATH, content: alertmanagerConfig(spec) },
      ];
      if (receiverNeedsSecret(spec)) {
        files.push({
          path: ALERTING_SECRET_PATH,
          content: required(secrets, "alertingSecret", ALERTING_SECRET),
        });
      }
      return { files };
    },
  },
  loki: {
    before: ({ spec }): WireResult => ({
      files: [{ path: LOKI_CONFIG_PATH, content: lokiConfig(spec) }],
    }),
  },
  alloy: {
    before: ({ spec, app }): WireResult => ({
      files: [{ path: ALLOY_CONFIG_PATH, content: alloyConfig(spec, app.host) }],
    }),
  },
  cadvisor: {
    before: ({ def, host }): WireResult =>
      host.spec.containerdImageStore ? { definition: withContainerdSocket(def) } : {},
  },
  "uptime-kuma": {
    before: ({ spec, app, def }): WireResult =>
      spec.observability.publicStatusPage === true
        ? { labels: statusPageLabels(spec, app, def) }
        : {},
  },
  autokuma: {
    needs: [UPTIME_KUMA_APP],
    // AutoKuma logs in as Kuma's seeded admin; the password is a secret env entry.
    before: ({ apps }): WireResult => {
      const password = apps[UPTIME_KUMA_APP]?.secrets.adminPassword;
      if (!password)
        throw new Error(`autokuma needs ${UPTIME_KUMA_APP} (the resolve stage checks it)`);
      return {
        env: [pulumi.secret(pulumi.interpolate`${AUTOKUMA_PASSWORD_ENV}=${password}`)],
        secretEnvKeys: [AUTOKUMA_PASSWORD_ENV],
      };
    },
    after: (ctx, created) => monitorFiles(ctx.spec, ctx.host, created, ctx.parent),
  },
  grafana: {
    before: ({ spec, app }): WireResult => ({
      files: grafanaProvisioning(spec).map((f) => ({ path: f.path, content: f.content })),
      env: [`GF_SERVER_ROOT_URL=${appUrl(spec, app)}`],
    }),
  },
};

/**
 * One monitor file per routed app on another host than AutoKuma's, in its static-monitors
 * directory: adding an app adds a file and changes nothing else (the apps on AutoKuma's host
 * carry their check as labels instead, plan/observability/uptime.ts).
 */
function monitorFiles(spec: HomelabSpec, host: Host, autokuma: App, parent: pulumi.Resource) {
  const dir = autokuma.plan.mounts.find((m) => m.target === AUTOKUMA_STATIC_MONITORS)?.source;
  if (!dir) throw new Error("autokuma has no static-monitors mount");
  for (const app of spec.apps) {
    const content = monitorFile(spec, app);
    if (content === undefined) continue;
    new HostFile(
      `${autokuma.plan.id}-monitor-${app.name}`,
      {
        host,
        owner: spec.owner,
        path: `${dir}/${monitorFileName(app)}`,
        content,
        dependsOn: autokuma.directories ? [autokuma.directories] : [],
      },
      { parent },
    );
  }
}

/**
 * Metrics, logs, alerts, dashboards and uptime checks. Every generated file is a function of
 * the hosts and `homelab:observability`/`homelab:alerting` only, never of the other apps
 * (DESIGN §7). Prometheus discovers the
 * apps of its own host through the local socket proxy by container labels; on every other
 * host Alloy discovers them the same way, scrapes them locally and remote-writes to
 * Prometheus, and ships logs to Loki. No socket proxy is reachable from the LAN, and adding
 * an app changes no input of any resource here; the one thing it may add is its own uptime
 * check's monitor file, when it runs away from AutoKuma's host.
 */
export class ObservabilityStack extends ProfileStack {
  /** Grafana's generated admin password (user `admin`), secret; undefined without Grafana. */
  readonly grafanaAdminPassword?: pulumi.Output<string>;

  constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:observability:ObservabilityStack", name, args, { apps: wiring }, opts);
    const password = this.apps.grafana?.secrets.admin_password;
    this.grafanaAdminPassword = password ? pulumi.secret(password) : undefined;
    this.registerOutputs({ grafanaAdminPassword: this.grafanaAdminPassword });
  }
}
