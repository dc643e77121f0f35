/**
 * Grafana provisioning: data sources, a dashboard provider and three dashboards. Every query
 * groups by labels (`host`, `app`, `tier`, `name`), so no dashboard lists apps and adding an
 * app changes none of these files.
 */
import { stringify } from "yaml";
import type { HomelabSpec } from "../../config/spec";
import {
  HOMELAB_METRICS,
  TIER_RECORDS,
  VPN_TUNNEL_UP,
  BACKUP_STALE_HOURS,
  DISK_CRITICAL_RATIO,
  DISK_HIGH_RATIO,
} from "./rules";
import { JOBS } from "./prometheus";

/** A file to place in the Grafana container. */
export interface ProvisionedFile {
  /** Absolute path inside the container. */
  path: string;
  content: string;
}

export const GRAFANA_PROVISIONING_DIR = "/etc/grafana/provisioning";
export const GRAFANA_DASHBOARDS_DIR = "/etc/grafana/dashboards/homelab";

interface DatasourceRef {
  type: "prometheus" | "loki";
  uid: string;
}

const PROMETHEUS: DatasourceRef = { type: "prometheus", uid: "prometheus" };
const LOKI: DatasourceRef = { type: "loki", uid: "loki" };

function datasources(): string {
  return stringify({
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        uid: PROMETHEUS.uid,
        type: "prometheus",
        access: "proxy",
        url: "http://prometheus:9090",
        isDefault: true,
        editable: false,
        jsonData: { timeInterval: "30s" },
      },
      {
        name: "Loki",
        uid: LOKI.uid,
        type: "loki",
        access: "proxy",
        url: "http://loki:3100",
        editable: false,
      },
      {
        name: "Alertmanager",
        uid: "alertmanager",
        type: "alertmanager",
        access: "proxy",
        url: "http://alertmanager:9093",
        editable: false,
        jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
      },
    ],
  });
}

function dashboardProvider(): string {
  return stringify({
    apiVersion: 1,
    providers: [
      {
        name: "homelab",
        orgId: 1,
        folder: "Homelab",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: GRAFANA_DASHBOARDS_DIR, foldersFromFilesStructure: false },
      },
    ],
  });
}

interface Query {
  expr: string;
  legend?: string;
  /** Instant query rendered as a table. */
  table?: boolean;
}

type PanelType = "timeseries" | "stat" | "bargauge" | "table" | "logs";

interface PanelSpec {
  type: PanelType;
  title: string;
  description?: string;
  queries: readonly Query[];
  unit?: string;
  min?: number;
  max?: number;
  /** Green below the first step, then yellow, then red. */
  thresholds?: readonly [number, number];
  /** Render 1 as "up" (green) and 0 as "down" (red). */
  upDown?: boolean;
  width?: number;
  height?: number;
  datasource?: DatasourceRef;
}

interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Lays panels left to right in rows of 24 columns. */
function layout(specs: readonly PanelSpec[]): Record<string, unknown>[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((p, i) => {
    const w = p.width ?? 12;
    const h = p.height ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos: GridPos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return panel(p, i + 1, gridPos);
  });
}

function panel(p: PanelSpec, id: number, gridPos: GridPos): Record<string, unknown> {
  const ds = p.datasource ?? PROMETHEUS;
  const targets = p.queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: ds,
    expr: q.expr,
    ...(q.legend ? { legendFormat: q.legend } : {}),
    ...(q.table ? { instant: true, range: false, format: "table" } : {}),
  }));
  const steps = p.thresholds
    ? [
        { color: "green", value: null },
        { color: "yellow", value: p.thresholds[0] },
        { color: "red", value: p.thresholds[1] },
      ]
    : p.upDown
      ? [
          { color: "red", value: null },
          { color: "green", value: 1 },
        ]
      : [{ color: "green", value: null }];
  const mappings = p.upDown
    ? [
        {
          type: "value",
          options: {
            "0": { text: "down", color: "red", index: 0 },
            "1": { text: "up", color: "green", index: 1 },
          },
        },
      ]
    : [];
  const defaults: Record<string, unknown> = {
    unit: p.unit ?? "short",
    mappings,
    thresholds: { mode: "absolute", steps },
    ...(p.min !== undefined ? { min: p.min } : {}),
    ...(p.max !== undefined ? { max: p.max } : {}),
  };
  return {
    id,
    type: p.type,
    title: p.title,
    ...(p.description ? { description: p.description } : {}),
    datasource: ds,
    gridPos,
    targets,
    fieldConfig: { defaults, overrides: [] },
    options: panelOptions(p),
  };
}

function panelOptions(p: PanelSpec): Record<string, unknown> {
  const reduce = { calcs: ["lastNotNull"], fields: "", values: false };
  switch (p.type) {
    case "stat":
      return {
        reduceOptions: reduce,
        colorMode: p.upDown ? "background" : "value",
        graphMode: "none",
        textMode: "auto",
        justifyMode: "auto",
        orientation: "auto",
      };
    case "bargauge":
      return {
        reduceOptions: reduce,
        displayMode: "gradient",
        orientation: "horizontal",
        showUnfilled: true,
      };
    case "timeseries":
      return {
        legend: { displayMode: "list", placement: "bottom", showLegend: true },
        tooltip: { mode: "multi", sort: "desc" },
      };
    case "table":
      return { showHeader: true };
    case "logs":
      return {
        showTime: true,
        wrapLogMessage: true,
        sortOrder: "Descending",
        enableLogDetails: true,
      };
  }
}

interface Variable {
  name: string;
  label: string;
  query: string;
}

function templating(vars: readonly Variable[]): Record<string, unknown> {
  return {
    list: vars.map((v) => ({
      name: v.name,
      label: v.label,
      type: "query",
      datasource: PROMETHEUS,
      definition: v.query,
      query: { query: v.query, refId: `${v.name}-values` },
      refresh: 2,
      sort: 1,
      multi: true,
      includeAll: true,
      allValue: ".+",
      current: { selected: true, text: ["All"], value: ["$__all"] },
    })),
  };
}

function dashboard(
  spec: HomelabSpec,
  uid: string,
  title: string,
  vars: readonly Variable[],
  panels: readonly PanelSpec[],
): string {
  const json = {
    uid,
    title,
    tags: ["homelab"],
    timezone: spec.timezone,
    editable: false,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: "1m",
    time: { from: "now-6h", to: "now" },
    templating: templating(vars),
    annotations: { list: [] },
    links: [],
    panels: layout(panels),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

const NODE = `job="${JOBS.node}"`;
const CADVISOR = `job="${JOBS.cadvisor}"`;
const APPS = `job="${JOBS.apps}"`;
const HOST_VAR: Variable = {
  name: "host",
  label: "Host",
  query: `label_values(up{${NODE}}, host)`,
};
const CONTAINER_VAR: Variable = {
  name: "container",
  label: "Container",
  query: `label_values(container_last_seen{${CADVISOR},host=~"$host",name!=""}, name)`,
};

function hostOverview(spec: HomelabSpec): string {
  const sel = `${NODE},host=~"$host"`;
  return dashboard(
    spec,
    "homelab-hosts",
    "Homelab / Hosts",
    [HOST_VAR],
    [
      {
        type: "stat",
        title: "Host up",
        queries: [{ expr: `up{${sel}}`, legend: "{{host}}" }],
        upDown: true,
        width: 8,
        height: 4,
      },
      {
        type: "stat",
        title: "Uptime",
        queries: [{ expr: `time() - node_boot_time_seconds{${sel}}`, legend: "{{host}}" }],
        unit: "s",
        width: 8,
        height: 4,
      },
      {
        type: "stat",
        title: "CPU cores",
        queries: [
          {
            expr: `count by (host) (node_cpu_seconds_total{${sel},mode="idle"})`,
            legend: "{{host}}",
          },
        ],
        width: 8,
        height: 4,
      },
      {
        type: "timeseries",
        title: "CPU busy",
        queries: [
          {
            expr: `1 - avg by (host) (rate(node_cpu_seconds_total{${sel},mode="idle"}[$__rate_interval]))`,
            legend: "{{host}}",
          },
        ],
        unit: "percentunit",
        min: 0,
        max: 1,
      },
      {
        type: "timeseries",
        title: "Memory used",
        queries: [
          {
            expr: `1 - node_memory_MemAvailable_bytes{${sel}} / node_memory_MemTotal_bytes{${sel}}`,
            legend: "{{host}}",
          },
        ],
        unit: "percentunit",
        min: 0,
        max: 1,
      },
      {
        type: "timeseries",
        title: "Load per core (1m)",
        queries: [
          {
            expr: `node_load1{${sel}} / on (host) count by (host) (node_cpu_seconds_total{${sel},mode="idle"})`,
            legend: "{{host}}",
          },
        ],
      },
      {
        type: "bargauge",
        title: "Storage tiers used",
        description: "Filesystem holding each tier root (nvme, ssd, hdd).",
        queries: [
          {
            expr: `${TIER_RECORDS.usedRatio}{host=~"$host"}`,
            legend: "{{host}} {{tier}} ({{root}})",
          },
        ],
        unit: "percentunit",
        min: 0,
        max: 1,
        thresholds: [DISK_HIGH_RATIO, DISK_CRITICAL_RATIO],
      },
      {
        type: "timeseries",
        title: "Network traffic",
        queries: [
          {
            expr: `sum by (host) (rate(node_network_receive_bytes_total{${sel},device!~"lo|veth.*|docker.*|br-.*"}[$__rate_interval]))`,
            legend: "{{host}} in",
          },
          {
            expr: `sum by (host) (rate(node_network_transmit_bytes_total{${sel},device!~"lo|veth.*|docker.*|br-.*"}[$__rate_interval]))`,
            legend: "{{host}} out",
          },
        ],
        unit: "Bps",
      },
      {
        type: "timeseries",
        title: "Disk throughput",
        queries: [
          {
            expr: `sum by (host) (rate(node_disk_read_bytes_total{${sel}}[$__rate_interval]))`,
            legend: "{{host}} read",
          },
          {
            expr: `sum by (host) (rate(node_disk_written_bytes_total{${sel}}[$__rate_interval]))`,
            legend: "{{host}} write",
          },
        ],
        unit: "Bps",
      },
    ],
  );
}

function containers(spec: HomelabSpec): string {
  const sel = `${CADVISOR},host=~"$host",name=~"$container"`;
  return dashboard(
    spec,
    "homelab-containers",
    "Homelab / Containers",
    [HOST_VAR, CONTAINER_VAR],
    [
      {
        type: "timeseries",
        title: "CPU (cores)",
        queries: [
          {
            expr: `sum by (host, name) (rate(container_cpu_usage_seconds_total{${sel}}[$__rate_interval]))`,
            legend: "{{host}}/{{name}}",
          },
        ],
      },
      {
        type: "timeseries",
        title: "Memory (working set)",
        queries: [
          {
            expr: `sum by (host, name) (container_memory_working_set_bytes{${sel}})`,
            legend: "{{host}}/{{name}}",
          },
        ],
        unit: "bytes",
      },
      {
        type: "timeseries",
        title: "Network traffic",
        queries: [
          {
            expr: `sum by (host, name) (rate(container_network_receive_bytes_total{${sel}}[$__rate_interval]))`,
            legend: "{{host}}/{{name}} in",
          },
          {
            expr: `sum by (host, name) (rate(container_network_transmit_bytes_total{${sel}}[$__rate_interval]))`,
            legend: "{{host}}/{{name}} out",
          },
        ],
        unit: "Bps",
      },
      {
        type: "timeseries",
        title: "Starts in the last 15 minutes",
        queries: [
          {
            expr: `changes(container_start_time_seconds{${sel}}[15m])`,
            legend: "{{host}}/{{name}}",
          },
        ],
      },
      {
        type: "logs",
        title: "Logs",
        queries: [{ expr: `{host=~"$host", container=~"$container"}` }],
        datasource: LOKI,
        width: 24,
        height: 12,
      },
    ],
  );
}

function homelabOverview(spec: HomelabSpec): string {
  return dashboard(
    spec,
    "homelab-overview",
    "Homelab / Overview",
    [],
    [
      {
        type: "stat",
        title: "Hosts",
        queries: [{ expr: `up{${NODE}}`, legend: "{{host}}" }],
        upDown: true,
        width: 8,
        height: 6,
      },
      {
        type: "stat",
        title: "Firing alerts",
        queries: [{ expr: 'count(ALERTS{alertstate="firing"}) or vector(0)' }],
        thresholds: [1, 1],
        width: 4,
        height: 6,
      },
      {
        type: "stat",
        title: "VPN tunnel",
        queries: [{ expr: VPN_TUNNEL_UP, legend: "{{host}}" }],
        upDown: true,
        width: 4,
        height: 6,
      },
      {
        type: "bargauge",
        title: "Storage tiers used",
        queries: [{ expr: TIER_RECORDS.usedRatio, legend: "{{host}} {{tier}}" }],
        unit: "percentunit",
        min: 0,
        max: 1,
        thresholds: [DISK_HIGH_RATIO, DISK_CRITICAL_RATIO],
        width: 8,
        height: 6,
      },
      {
        type: "stat",
        title: "Apps",
        description:
          "Scrape state of every container that exposes metrics, grouped by its homelab.app label.",
        queries: [{ expr: `max by (app, host) (up{${APPS}})`, legend: "{{app}} ({{host}})" }],
        upDown: true,
        width: 24,
        height: 8,
      },
      {
        type: "bargauge",
        title: "Time since last successful backup",
        queries: [
          {
            expr: `time() - ${HOMELAB_METRICS.backupLastSuccess}`,
            legend: "{{host}} → {{repository}}",
          },
        ],
        unit: "s",
        thresholds: [(BACKUP_STALE_HOURS - 2) * 3600, BACKUP_STALE_HOURS * 3600],
      },
      {
        type: "bargauge",
        title: "TLS certificate lifetime left",
        queries: [{ expr: "min by (cn) (traefik_tls_certs_not_after) - time()", legend: "{{cn}}" }],
        unit: "s",
      },
      {
        type: "table",
        title: "Firing alerts",
        queries: [{ expr: 'ALERTS{alertstate="firing"}', table: true }],
        width: 24,
      },
    ],
  );
}

/** Every Grafana provisioning file, sorted by path. */
export function grafanaProvisioning(spec: HomelabSpec): ProvisionedFile[] {
  const files: ProvisionedFile[] = [
    { path: `${GRAFANA_PROVISIONING_DIR}/datasources/homelab.yml`, content: datasources() },
    { path: `${GRAFANA_PROVISIONING_DIR}/dashboards/homelab.yml`, content: dashboardProvider() },
    { path: `${GRAFANA_DASHBOARDS_DIR}/hosts.json`, content: hostOverview(spec) },
    { path: `${GRAFANA_DASHBOARDS_DIR}/containers.json`, content: containers(spec) },
    { path: `${GRAFANA_DASHBOARDS_DIR}/overview.json`, content: homelabOverview(spec) },
  ];
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
