import { stringify } from "yaml";
import { ALERT_RULES_FILE, alertRules, HOMELAB_METRICS } from "../../plan/observability/rules";
import { homelabFixture, parseRules, runTool, tempDir, writeFile } from "./fixture";

const spec = homelabFixture();
const rulesYaml = alertRules(spec);

const { alerts } = parseRules(rulesYaml);

/** Renders an alert's annotation templates the way Prometheus does for the given labels. */
function annotations(
  alert: string,
  labels: Record<string, string>,
  value: string,
): Record<string, string> {
  const rule = alerts.find((a) => a.alert === alert);
  if (!rule?.annotations) throw new Error(`no alert ${alert}`);
  const out: Record<string, string> = {};
  for (const [k, tpl] of Object.entries(rule.annotations)) {
    out[k] = tpl
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? "")
      .replace(/\{\{ \$value[^}]*\}\}/g, value);
  }
  return out;
}

interface ExpAlert {
  labels: Record<string, string>;
  value: string;
}

interface AlertCase {
  at: string;
  firing: ExpAlert[];
}

function alertTest(alertname: string, cases: readonly AlertCase[]): Record<string, unknown>[] {
  return cases.map((c) => {
    const severity = alerts.find((a) => a.alert === alertname)?.labels?.severity ?? "";
    return {
      eval_time: c.at,
      alertname,
      exp_alerts: c.firing.map((f) => ({
        exp_labels: { ...f.labels, severity },
        exp_annotations: annotations(alertname, f.labels, f.value),
      })),
    };
  });
}

/** Runs `promtool test rules` on the generated rule file with one test group. */
function promtoolTest(
  inputSeries: { series: string; values: string }[],
  tests: Record<string, unknown>[],
): void {
  const dir = tempDir("rules-test");
  writeFile(dir, ALERT_RULES_FILE, rulesYaml);
  const testFile = writeFile(
    dir,
    "test.yml",
    stringify({
      rule_files: [ALERT_RULES_FILE],
      evaluation_interval: "1m",
      tests: [{ interval: "1m", input_series: inputSeries, alert_rule_test: tests }],
    }),
  );
  const r = runTool("promtool", ["test", "rules", testFile], dir);
  if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
}

const atlasNode = { job: "node", host: "atlas", instance: "10.0.0.10:9100" };
const hermesNode = { job: "node", host: "hermes", instance: "10.0.0.11:9100" };
const piNode = { job: "node", host: "pi", instance: "10.0.0.12:9100" };

function series(name: string, labels: Record<string, string>): string {
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",");
  return `${name}{${inner}}`;
}

describe("alert rules checked by the real promtool", () => {
  it("pass promtool check rules", () => {
    const dir = tempDir("rules");
    const file = writeFile(dir, ALERT_RULES_FILE, rulesYaml);
    const r = runTool("promtool", ["check", "rules", file]);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });
});

describe("promtool rule unit tests", () => {
  it("HostDown fires after 5 minutes without node-exporter and resolves when it is back", () => {
    promtoolTest(
      [{ series: series("up", atlasNode), values: "1x5 0x10 1x10" }],
      alertTest("HostDown", [
        { at: "4m", firing: [] },
        { at: "8m", firing: [] }, // pending: down for 2 minutes only
        { at: "12m", firing: [{ labels: atlasNode, value: "0" }] },
        { at: "20m", firing: [] },
      ]),
    );
  });

  it("DiskUsageHigh fires per tier mount point and resolves when space is freed", () => {
    const atlasSsd = {
      ...atlasNode,
      mountpoint: "/host/mnt/ssd",
      device: "/dev/nvme1n1p1",
      fstype: "ext4",
    };
    const atlasRoot = {
      ...atlasNode,
      mountpoint: "/host",
      device: "/dev/nvme0n1p2",
      fstype: "ext4",
    };
    // hermes' ssd root /srv/ssd is no mount point: it lives on the root filesystem.
    const hermesRoot = { ...hermesNode, mountpoint: "/host", device: "/dev/sda2", fstype: "ext4" };
    const hermesHdd = {
      ...hermesNode,
      mountpoint: "/host/srv/tank/hdd",
      device: "tank/hdd",
      fstype: "zfs",
    };
    // pi's node-exporter strips --path.rootfs from mount points.
    const piSsd = { ...piNode, mountpoint: "/data/ssd", device: "/dev/sda1", fstype: "ext4" };
    const input = [
      { series: series("node_filesystem_size_bytes", atlasSsd), values: "1000x60" },
      { series: series("node_filesystem_avail_bytes", atlasSsd), values: "500x10 100x20 500x30" },
      { series: series("node_filesystem_size_bytes", atlasRoot), values: "1000x60" },
      { series: series("node_filesystem_avail_bytes", atlasRoot), values: "500x60" },
      { series: series("node_filesystem_size_bytes", hermesRoot), values: "1000x60" },
      { series: series("node_filesystem_avail_bytes", hermesRoot), values: "800x30 120x30" },
      { series: series("node_filesystem_size_bytes", hermesHdd), values: "1000x60" },
      { series: series("node_filesystem_avail_bytes", hermesHdd), values: "600x60" },
      { series: series("node_filesystem_size_bytes", piSsd), values: "1000x60" },
      { series: series("node_filesystem_avail_bytes", piSsd), values: "100x20 900x40" },
    ];
    const atlasSsdAlert = { ...atlasSsd, tier: "ssd", root: "/mnt/ssd" };
    const hermesSsdAlert = { ...hermesRoot, tier: "ssd", root: "/srv/ssd" };
    const piSsdAlert = { ...piSsd, tier: "ssd", root: "/data/ssd" };
    promtoolTest(
      input,
      alertTest("DiskUsageHigh", [
        { at: "5m", firing: [] },
        { at: "15m", firing: [{ labels: piSsdAlert, value: "90%" }] }, // atlas still pending
        { at: "25m", firing: [{ labels: atlasSsdAlert, value: "90%" }] },
        { at: "45m", firing: [{ labels: hermesSsdAlert, value: "88%" }] },
        { at: "60m", firing: [{ labels: hermesSsdAlert, value: "88%" }] },
      ]),
    );
  });

  it("DiskUsageCritical fires above 95% only", () => {
    const atlasSsd = {
      ...atlasNode,
      mountpoint: "/host/mnt/ssd",
      device: "/dev/nvme1n1p1",
      fstype: "ext4",
    };
    promtoolTest(
      [
        { series: series("node_filesystem_size_bytes", atlasSsd), values: "1000x40" },
        { series: series("node_filesystem_avail_bytes", atlasSsd), values: "100x10 30x20 500x10" },
      ],
      alertTest("DiskUsageCritical", [
        { at: "10m", firing: [] },
        {
          at: "25m",
          firing: [{ labels: { ...atlasSsd, tier: "ssd", root: "/mnt/ssd" }, value: "97%" }],
        },
        { at: "35m", firing: [] },
      ]),
    );
  });

  it("BackupStale fires 26 hours after the last success and resolves after a new one", () => {
    const labels = { ...atlasNode, repository: "local" };
    promtoolTest(
      [
        {
          series: series(HOMELAB_METRICS.backupLastSuccess, labels),
          values: "0x1700 100000x200",
        },
        { series: series(HOMELAB_METRICS.backupWatchedSince, atlasNode), values: "0x1900" },
      ],
      alertTest("BackupStale", [
        { at: "25h", firing: [] },
        { at: "27h", firing: [{ labels, value: "1d 3h 0m 0s" }] },
        { at: "30h", firing: [] },
      ]),
    );
  });

  it("BackupStale fires for a job that never ran a backup, one period after its first start", () => {
    // What the job writes at its first start: no success yet (0), watched since 2h in.
    const labels = { ...atlasNode, repository: "local" };
    promtoolTest(
      [
        { series: series(HOMELAB_METRICS.backupLastSuccess, labels), values: "0x1900" },
        { series: series(HOMELAB_METRICS.backupWatchedSince, atlasNode), values: "7200x1900" },
      ],
      alertTest("BackupStale", [
        { at: "27h", firing: [] },
        { at: "29h", firing: [{ labels, value: "1d 5h 0m 0s" }] },
      ]),
    );
  });

  it("BackupFailed fires while the last run failed", () => {
    const labels = { ...hermesNode, repository: "b2:homelab-backup:/restic" };
    promtoolTest(
      [{ series: series(HOMELAB_METRICS.backupLastRunSuccess, labels), values: "1x10 0x10 1x10" }],
      alertTest("BackupFailed", [
        { at: "5m", firing: [] },
        { at: "15m", firing: [{ labels, value: "0" }] },
        { at: "25m", firing: [] },
      ]),
    );
  });

  it("VpnTunnelDown fires after 5 minutes of failed scrapes of Gluetun's health server", () => {
    // The labels the apps job gives Gluetun's target (plan/observability/prometheus.ts appRelabel).
    const gluetun = {
      job: "apps",
      host: "hermes",
      app: "gluetun",
      container: "gluetun",
      instance: "gluetun",
    };
    promtoolTest(
      [{ series: series("up", gluetun), values: "1x5 0x10 1x10" }],
      alertTest("VpnTunnelDown", [
        { at: "8m", firing: [] },
        { at: "12m", firing: [{ labels: gluetun, value: "0" }] },
        { at: "20m", firing: [] },
      ]),
    );
  });

  it("TargetDown leaves Gluetun's failed scrapes to VpnTunnelDown, and reports other apps", () => {
    const gluetun = { job: "apps", host: "hermes", app: "gluetun", instance: "gluetun" };
    const grafana = { job: "apps", host: "atlas", app: "grafana", instance: "grafana" };
    promtoolTest(
      [
        { series: series("up", gluetun), values: "0x30" },
        { series: series("up", grafana), values: "0x30" },
      ],
      alertTest("TargetDown", [{ at: "15m", firing: [{ labels: grafana, value: "0" }] }]),
    );
  });

  it("CertificateExpiringSoon fires inside 14 days and resolves after renewal", () => {
    const cert = {
      job: "apps",
      host: "atlas",
      instance: "traefik",
      app: "traefik",
      cn: "lab.example.org",
      sans: "*.lab.example.org",
      serial: "1",
    };
    promtoolTest(
      [{ series: series("traefik_tls_certs_not_after", cert), values: "1296000x1600 9000000x100" }],
      alertTest("CertificateExpiringSoon", [
        { at: "1000m", firing: [] },
        {
          at: "1500m",
          firing: [{ labels: { cn: cert.cn, host: cert.host }, value: "13d 23h 0m 0s" }],
        },
        { at: "1650m", firing: [] },
      ]),
    );
  });
});
