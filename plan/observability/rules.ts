/**
 * Prometheus alert and recording rules. Like prometheus.yml they are a function of the hosts
 * only: app targets are covered generically through `up` and cAdvisor, so adding an app
 * changes nothing here.
 */
import { stringify } from "yaml";
import type { HomelabSpec } from "../../config/spec";
import { TIERS } from "../../config/spec";
import { GO_YAML, JOBS, sortedHosts } from "./prometheus";

/** Rule file name inside the Prometheus rules directory. */
export const ALERT_RULES_FILE = "homelab.yml";

/**
 * Metrics other components emit for these rules. Emit them through node-exporter's textfile
 * collector without a `host` label: the node scrape job adds `host` (a scraped `host` label
 * would be renamed `exported_host`).
 */
export const HOMELAB_METRICS = {
  /** Gauge, unix seconds of the last successful backup; label `repository` (`local`, `s3:...`). */
  backupLastSuccess: "homelab_backup_last_success_timestamp_seconds",
  /** Gauge, 1 when the last backup run succeeded and 0 when it failed; label `repository`. */
  backupLastRunSuccess: "homelab_backup_last_run_success",
  /** Gauge, unix seconds of the backup job's first start on the host; label `host`. */
  backupWatchedSince: "homelab_backup_watched_since_timestamp_seconds",
} as const;

/**
 * The VPN tunnel's state, 1 up and 0 down: the `up` of the apps job's scrape of Gluetun's
 * health server (catalog/media.ts), which answers 200 with an empty body while the tunnel
 * passes Gluetun's checks and 500 when it does not. Labels: host, app, container, instance.
 */
export const VPN_TUNNEL_UP = `up{job="${JOBS.apps}",app="gluetun"}`;

/** Recording rules the alerts and the dashboards share. Labels: host, tier, root, mountpoint. */
export const TIER_RECORDS = {
  avail: "homelab:tier_filesystem_avail_bytes",
  size: "homelab:tier_filesystem_size_bytes",
  usedRatio: "homelab:tier_filesystem_used:ratio",
} as const;

/** Backup freshness threshold: one daily run may be late by two hours. */
export const BACKUP_STALE_HOURS = 26;
export const DISK_HIGH_RATIO = 0.85;
export const DISK_CRITICAL_RATIO = 0.95;
export const CERT_EXPIRY_DAYS = 14;

export type Severity = "warning" | "critical";

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: Severity };
  annotations: { summary: string; description: string };
}

interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

interface RuleGroup {
  name: string;
  rules: (AlertRule | RecordingRule)[];
}

/** A PromQL string literal. */
function q(value: string): string {
  return JSON.stringify(value);
}

/**
 * Mount points node-exporter may report for the filesystem holding a tier root, deepest
 * first. node-exporter runs with the host's `/` mounted at `/host`: depending on whether it
 * strips `--path.rootfs`, a mount at `/mnt/ssd` is reported as `/host/mnt/ssd` or `/mnt/ssd`,
 * so both spellings are candidates. A tier root that is not a mount point itself lives on
 * its nearest mounted ancestor (down to the root filesystem), so the ancestors follow.
 */
export function tierMountCandidates(root: string): string[] {
  const parts = root.split("/").filter((p) => p.length > 0);
  const out: string[] = [];
  for (let i = parts.length; i >= 0; i--) {
    const path = `/${parts.slice(0, i).join("/")}`;
    out.push(i === 0 ? "/host" : `/host${path}`, path);
  }
  return out;
}

/**
 * One node-exporter metric for the filesystem holding `root` on `host`: the first candidate
 * mount point that exists wins (`or on (host)` adds a series only when none matched yet).
 */
function tierSelector(metric: string, host: string, root: string): string {
  return tierMountCandidates(root)
    .map((mp) => `${metric}{job=${q(JOBS.node)},host=${q(host)},mountpoint=${q(mp)}}`)
    .join("\n  or on (host) ");
}

function storageGroup(spec: HomelabSpec): RuleGroup {
  const perTier: RecordingRule[] = [];
  for (const host of sortedHosts(spec)) {
    for (const tier of TIERS) {
      const root = host.storage[tier];
      if (root === undefined) continue;
      const labels = { tier, root };
      perTier.push(
        {
          record: TIER_RECORDS.avail,
          expr: tierSelector("node_filesystem_avail_bytes", host.name, root),
          labels,
        },
        {
          record: TIER_RECORDS.size,
          expr: tierSelector("node_filesystem_size_bytes", host.name, root),
          labels,
        },
      );
    }
  }
  return {
    name: "homelab-storage-tiers",
    rules: [
      ...perTier,
      { record: TIER_RECORDS.usedRatio, expr: `1 - ${TIER_RECORDS.avail} / ${TIER_RECORDS.size}` },
    ],
  };
}

function hostGroup(): RuleGroup {
  return {
    name: "homelab-hosts",
    rules: [
      {
        alert: "HostDown",
        expr: `up{job=${q(JOBS.node)}} == 0`,
        for: "5m",
        labels: { severity: "critical" },
        annotations: {
          summary: "Host {{ $labels.host }} is down",
          description:
            "node-exporter on {{ $labels.host }} ({{ $labels.instance }}) has not answered a scrape for 5 minutes.",
        },
      },
      {
        alert: "MemoryPressure",
        expr: `node_memory_MemAvailable_bytes{job=${q(JOBS.node)}} / node_memory_MemTotal_bytes{job=${q(JOBS.node)}} < 0.1`,
        for: "15m",
        labels: { severity: "warning" },
        annotations: {
          summary: "Memory pressure on {{ $labels.host }}",
          description:
            "Only {{ $value | humanizePercentage }} of memory is available on {{ $labels.host }} for 15 minutes.",
        },
      },
      diskUsage("DiskUsageHigh", DISK_HIGH_RATIO, "10m", "warning"),
      diskUsage("DiskUsageCritical", DISK_CRITICAL_RATIO, "5m", "critical"),
      {
        alert: "DiskWillFillIn24h",
        expr: `predict_linear(${TIER_RECORDS.avail}[6h], 86400) < 0 and ${TIER_RECORDS.usedRatio} > 0.5`,
        for: "1h",
        labels: { severity: "warning" },
        annotations: {
          summary: "The {{ $labels.tier }} tier on {{ $labels.host }} will fill within 24 hours",
          description:
            "At the rate of the last 6 hours the filesystem holding {{ $labels.root }} ({{ $labels.mountpoint }}) on {{ $labels.host }} runs out of space within a day.",
        },
      },
    ],
  };
}

function diskUsage(
  alert: string,
  ratio: number,
  forDuration: string,
  severity: Severity,
): AlertRule {
  const percent = Math.round(ratio * 100);
  return {
    alert,
    expr: `${TIER_RECORDS.usedRatio} > ${ratio}`,
    for: forDuration,
    labels: { severity },
    annotations: {
      summary: `The {{ $labels.tier }} tier on {{ $labels.host }} is over ${percent}% full`,
      description: `The filesystem holding {{ $labels.root }} ({{ $labels.mountpoint }}) on {{ $labels.host }} is {{ $value | humanizePercentage }} full.`,
    },
  };
}

function targetGroup(): RuleGroup {
  return {
    name: "homelab-targets",
    rules: [
      {
        alert: "TargetDown",
        // Gluetun's scrape failing is the tunnel being down: VpnTunnelDown says so.
        expr: `up{job!=${q(JOBS.node)},app!="gluetun"} == 0`,
        for: "10m",
        labels: { severity: "warning" },
        annotations: {
          summary: "{{ $labels.job }} target {{ $labels.instance }} on {{ $labels.host }} is down",
          description:
            "Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) on {{ $labels.host }} for 10 minutes.",
        },
      },
      {
        alert: "ContainerRestarting",
        expr: `changes(container_start_time_seconds{job=${q(JOBS.cadvisor)},name!=""}[15m]) > 3`,
        labels: { severity: "warning" },
        annotations: {
          summary: "Container {{ $labels.name }} on {{ $labels.host }} is restarting",
          description:
            "{{ $labels.name }} on {{ $labels.host }} started {{ $value }} times in the last 15 minutes.",
        },
      },
      {
        alert: "ContainerOomKilled",
        expr: `increase(container_oom_events_total{job=${q(JOBS.cadvisor)},name!=""}[15m]) > 0`,
        labels: { severity: "warning" },
        annotations: {
          summary: "Container {{ $labels.name }} on {{ $labels.host }} ran out of memory",
          description:
            "The kernel killed a process of {{ $labels.name }} on {{ $labels.host }} for exceeding its memory limit in the last 15 minutes.",
        },
      },
    ],
  };
}

function backupGroup(): RuleGroup {
  return {
    name: "homelab-backups",
    rules: [
      {
        alert: "BackupStale",
        // A job that never succeeded reads 0; a new host gets one period before it counts.
        expr: `(time() - ${HOMELAB_METRICS.backupLastSuccess} > ${BACKUP_STALE_HOURS} * 3600) and on (host) (time() - ${HOMELAB_METRICS.backupWatchedSince} > ${BACKUP_STALE_HOURS} * 3600)`,
        for: "10m",
        labels: { severity: "warning" },
        annotations: {
          summary: "Backup of {{ $labels.host }} to {{ $labels.repository }} is stale",
          description: `The last successful backup of {{ $labels.host }} to {{ $labels.repository }} finished {{ $value | humanizeDuration }} ago (more than ${BACKUP_STALE_HOURS}h).`,
        },
      },
      {
        alert: "BackupFailed",
        expr: `${HOMELAB_METRICS.backupLastRunSuccess} == 0`,
        labels: { severity: "critical" },
        annotations: {
          summary: "Backup of {{ $labels.host }} to {{ $labels.repository }} failed",
          description:
            "The last backup run of {{ $labels.host }} to {{ $labels.repository }} did not succeed; see the backup container's logs.",
        },
      },
    ],
  };
}

function tlsGroup(): RuleGroup {
  return {
    name: "homelab-tls",
    rules: [
      {
        alert: "CertificateExpiringSoon",
        expr: `min by (cn, host) (traefik_tls_certs_not_after) - time() < ${CERT_EXPIRY_DAYS} * 86400`,
        labels: { severity: "warning" },
        annotations: {
          summary: "TLS certificate {{ $labels.cn }} expires soon",
          description: `The certificate for {{ $labels.cn }} served by Traefik expires in {{ $value | humanizeDuration }}; ACME renewal (30 days before expiry) has not happened.`,
        },
      },
    ],
  };
}

function vpnGroup(): RuleGroup {
  return {
    name: "homelab-vpn",
    rules: [
      {
        alert: "VpnTunnelDown",
        expr: `${VPN_TUNNEL_UP} == 0`,
        for: "5m",
        labels: { severity: "critical" },
        annotations: {
          summary: "VPN tunnel on {{ $labels.host }} is down",
          description:
            "Gluetun's health server on {{ $labels.host }} has reported the download client's VPN tunnel down (or not answered) for 5 minutes; downloads are stopped by the kill switch.",
        },
      },
    ],
  };
}

/** The rule file for `/etc/prometheus/rules/homelab.yml`. */
export function alertRules(spec: HomelabSpec): string {
  const groups = [
    storageGroup(spec),
    hostGroup(),
    targetGroup(),
    backupGroup(),
    tlsGroup(),
    vpnGroup(),
  ];
  return stringify({ groups }, GO_YAML);
}
