import {
  PROMETHEUS_PORT,
  NODE_EXPORTER_PORT,
  CADVISOR_PORT,
  PROMETHEUS_DATA_DIR,
} from "../../catalog/observability";
/**
 * Prometheus configuration (DESIGN §7): a function of the hosts and the observability
 * settings only. App targets are discovered at run time from container labels: on its own
 * host through the local Docker socket proxy, on every other host by Alloy, which scrapes
 * them there and remote-writes to Prometheus. No socket proxy and no app metrics port is
 * ever reachable from the LAN, and adding or removing an app never changes this file.
 */
import { stringify } from "yaml";
import type { HomelabSpec, HostSpec } from "../../config/spec";
import { edgeHost, hostByName } from "../../config/spec";
import { prometheusHost } from "../container";
import { LABELS } from "../labels";

/** Go consumers (Prometheus, Alertmanager, Loki) read YAML 1.1: quote `yes`, dates, octals. */
export const GO_YAML = { version: "1.1", lineWidth: 0, aliasDuplicateObjects: false } as const;

/** Where the socket proxy listens, as seen from containers on the same host. */
export const LOCAL_SOCKET_PROXY = "tcp://socket-proxy:2375";
/** Path of Prometheus' remote-write receiver (`--web.enable-remote-write-receiver`). */
export const REMOTE_WRITE_PATH = "/api/v1/write";

export const PROMETHEUS_CONFIG_PATH = "/etc/prometheus/prometheus.yml";
export const PROMETHEUS_RULES_DIR = "/etc/prometheus/rules";

/** Job names the rules and dashboards rely on. */
export const JOBS = { node: "node", cadvisor: "cadvisor", apps: "apps" } as const;

/**
 * The host running Prometheus, Loki, Alertmanager and Grafana: the host of the `prometheus`
 * app when it is placed explicitly, the edge host otherwise.
 */
export function observabilityHost(spec: HomelabSpec): string {
  return prometheusHost(spec) ?? edgeHost(spec).name;
}

/** `addr:port`, with brackets around IPv6 literals. */
export function hostPort(address: string, port: number | string): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

export function sortedHosts(spec: HomelabSpec): HostSpec[] {
  return [...spec.hosts].sort((a, b) => a.name.localeCompare(b.name));
}

/** Prometheus' name for a Docker label in service discovery meta labels. */
export function dockerLabelMeta(label: string): string {
  return `__meta_docker_container_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

export interface PrometheusOptions {
  /** Directory holding the alert rule files; the container path by default. */
  rulesDir?: string;
}

/** One relabelling step, in Prometheus' YAML shape (Alloy's `rule` block has the same fields). */
export interface RelabelConfig {
  action?: "replace" | "keep" | "drop";
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
}

const PORT_META = dockerLabelMeta(LABELS.metricsPort);
const PATH_META = dockerLabelMeta(LABELS.metricsPath);
const APP_META = dockerLabelMeta(LABELS.app);
const HOST_META = dockerLabelMeta(LABELS.host);

/**
 * Relabelling for the containers discovered on `hostName` through that host's own socket
 * proxy, by Prometheus on its host and by Alloy on every other: keep the containers labelled
 * with a metrics port, scrape them by container name on a network the scraper shares with
 * them, and set `job`, `host`, `app`, `container` and `instance` the same way everywhere, so
 * remote-written series look exactly like the ones Prometheus scrapes itself.
 */
export function appRelabel(hostName: string): RelabelConfig[] {
  return [
    { action: "keep", source_labels: [PORT_META], regex: "\\d+" },
    {
      source_labels: ["__meta_docker_container_name", PORT_META],
      separator: ";",
      regex: "/?([^;]+);(\\d+)",
      target_label: "__address__",
      replacement: "$1:$2",
    },
    { source_labels: [PATH_META], regex: "(.+)", target_label: "__metrics_path__" },
    { target_label: "job", replacement: JOBS.apps },
    { target_label: "host", replacement: hostName },
    { source_labels: [HOST_META], regex: "(.+)", target_label: "host" },
    { source_labels: ["__meta_docker_container_name"], regex: "/?(.+)", target_label: "container" },
    { source_labels: ["__meta_docker_container_name"], regex: "/?(.+)", target_label: "instance" },
    { source_labels: ["__meta_docker_container_name"], regex: "/?(.+)", target_label: "app" },
    { source_labels: [APP_META], regex: "(.+)", target_label: "app" },
  ];
}

/** Prometheus' remote-write URL as seen from `hostName` (Alloy on a host other than Prometheus'). */
export function remoteWriteUrl(spec: HomelabSpec, hostName: string): string {
  const home = observabilityHost(spec);
  const base =
    hostName === home
      ? `http://prometheus:${PROMETHEUS_PORT}`
      : `http://${hostPort(hostByName(spec, home).address, PROMETHEUS_PORT)}`;
  return `${base}${REMOTE_WRITE_PATH}`;
}

/**
 * One target per host: over the LAN for other hosts, by container name on Prometheus' own
 * host (they share the proxy network; a loopback LAN address would point at Prometheus itself).
 */
function staticJob(
  job: string,
  hosts: HostSpec[],
  port: number,
  home: string,
  container: string,
): Record<string, unknown> {
  return {
    job_name: job,
    static_configs: hosts.map((h) => ({
      targets: [h.name === home ? `${container}:${port}` : hostPort(h.address, port)],
      labels: { host: h.name },
    })),
  };
}

/** prometheus.yml for the homelab. */
export function prometheusConfig(spec: HomelabSpec, options: PrometheusOptions = {}): string {
  const rulesDir = options.rulesDir ?? PROMETHEUS_RULES_DIR;
  const hosts = sortedHosts(spec);
  const home = observabilityHost(spec);
  const config = {
    global: {
      scrape_interval: "30s",
      scrape_timeout: "10s",
      evaluation_interval: "30s",
      external_labels: { homelab: `${spec.project}-${spec.stack}` },
    },
    alerting: {
      alertmanagers: [{ static_configs: [{ targets: ["alertmanager:9093"] }] }],
    },
    rule_files: [`${rulesDir}/*.yml`],
    scrape_configs: [
      staticJob(JOBS.node, hosts, NODE_EXPORTER_PORT, home, "node-exporter"),
      staticJob(JOBS.cadvisor, hosts, CADVISOR_PORT, home, "cadvisor"),
      // Apps on the other hosts arrive by remote write from Alloy (alloy.ts), never over a
      // socket proxy published on the LAN.
      {
        job_name: JOBS.apps,
        docker_sd_configs: [
          {
            host: LOCAL_SOCKET_PROXY,
            refresh_interval: "30s",
            filters: [{ name: "label", values: [LABELS.metricsPort] }],
          },
        ],
        relabel_configs: appRelabel(home),
      },
    ],
  };
  return stringify(config, GO_YAML);
}

/**
 * Command-line flags of the Prometheus container; retention is a flag, not config. The
 * remote-write receiver takes the app metrics Alloy scrapes on the other hosts.
 */
export function prometheusArgs(spec: HomelabSpec): string[] {
  return [
    `--config.file=${PROMETHEUS_CONFIG_PATH}`,
    `--storage.tsdb.path=${PROMETHEUS_DATA_DIR}`,
    `--storage.tsdb.retention.time=${spec.observability.retentionDays}d`,
    "--web.enable-remote-write-receiver",
  ];
}
