import { alertRules, tierMountCandidates, TIER_RECORDS } from "../../plan/observability/rules";
import { homelabFixture, parseRules } from "./fixture";

const spec = homelabFixture();
const rulesYaml = alertRules(spec);

const { groups, alerts } = parseRules(rulesYaml);

describe("alert rules", () => {
  it("give every alert a severity, a summary and a description", () => {
    const names = alerts.map((a) => a.alert);
    for (const required of [
      "HostDown",
      "TargetDown",
      "DiskUsageHigh",
      "DiskUsageCritical",
      "DiskWillFillIn24h",
      "MemoryPressure",
      "ContainerRestarting",
      "BackupStale",
      "BackupFailed",
      "CertificateExpiringSoon",
      "VpnTunnelDown",
    ]) {
      expect(names).toContain(required);
    }
    for (const a of alerts) {
      expect(["warning", "critical"]).toContain(a.labels?.severity);
      expect(a.annotations?.summary).toBeTruthy();
      expect(a.annotations?.description).toBeTruthy();
    }
  });

  it("record usage for every tier root of every host and nothing else", () => {
    const records = groups.flatMap((g) => g.rules).filter((r) => r.record === TIER_RECORDS.avail);
    const pairs = records.map(
      (r) => `${r.expr.match(/host="([^"]+)"/)?.[1]}:${r.labels?.tier}:${r.labels?.root}`,
    );
    expect(pairs).toEqual([
      "atlas:nvme:/mnt/nvme",
      "atlas:ssd:/mnt/ssd",
      "hermes:ssd:/srv/ssd",
      "hermes:hdd:/srv/tank/hdd",
      "pi:ssd:/data/ssd",
    ]);
  });

  it("look for a tier root's filesystem under /host first, then its ancestors", () => {
    expect(tierMountCandidates("/srv/tank/hdd")).toEqual([
      "/host/srv/tank/hdd",
      "/srv/tank/hdd",
      "/host/srv/tank",
      "/srv/tank",
      "/host/srv",
      "/srv",
      "/host",
      "/",
    ]);
  });
});
