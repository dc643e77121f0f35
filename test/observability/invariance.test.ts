/**
 * DESIGN §7: adding, removing or changing an app changes no observability file, and the same
 * spec always yields the same bytes.
 */
import type { HomelabSpec } from "../../config/spec";
import { alertmanagerConfig } from "../../plan/observability/alertmanager";
import { alloyConfig } from "../../plan/observability/alloy";
import { grafanaProvisioning } from "../../plan/observability/grafana";
import { lokiConfig } from "../../plan/observability/loki";
import { prometheusArgs, prometheusConfig } from "../../plan/observability/prometheus";
import { alertRules } from "../../plan/observability/rules";
import { appSpec, homelabFixture, RECEIVERS, withApp } from "./fixture";

/** Every generated observability file of a spec, by name. */
function allOutputs(spec: HomelabSpec): Record<string, string> {
  const out: Record<string, string> = {
    "prometheus.yml": prometheusConfig(spec),
    "prometheus.args": prometheusArgs(spec).join("\n"),
    "rules.yml": alertRules(spec),
    "alertmanager.yml": alertmanagerConfig(spec),
    "loki.yml": lokiConfig(spec),
  };
  for (const h of spec.hosts) out[`alloy-${h.name}`] = alloyConfig(spec, h.name);
  for (const f of grafanaProvisioning(spec)) out[f.path] = f.content;
  return out;
}

describe("observability outputs", () => {
  const base = homelabFixture();

  it.each([
    ["a new app on a non-edge host", withApp(base, appSpec("paperless", "pi"))],
    ["a new app on the edge host", withApp(base, appSpec("homepage", "atlas"))],
    ["a new app with a bigger memory limit", withApp(base, appSpec("immich", "hermes", 8192))],
    ["an app removed", { ...base, apps: base.apps.filter((a) => a.name !== "sonarr") }],
    [
      "an app moved to another host",
      { ...base, apps: base.apps.map((a) => (a.name === "jellyfin" ? { ...a, host: "pi" } : a)) },
    ],
  ])("are byte-identical after %s", (_what, changed) => {
    expect(allOutputs(changed)).toEqual(allOutputs(base));
  });

  it.each(RECEIVERS.map((r) => [r.alerting.receiver, r]))(
    "stay identical after adding an app with the %s receiver",
    (_n, r) => {
      const spec = homelabFixture({ alerting: r.alerting, secretsPresent: [...r.secrets] });
      expect(allOutputs(withApp(spec, appSpec("vaultwarden", "hermes")))).toEqual(allOutputs(spec));
    },
  );

  it("are the same bytes on every run, whatever the order of hosts in the spec", () => {
    const reversed = homelabFixture({ hosts: [...base.hosts].reverse() });
    expect(allOutputs(reversed)).toEqual(allOutputs(base));
    expect(allOutputs(homelabFixture())).toEqual(allOutputs(base));
  });

  it("change when the hosts do", () => {
    const fourHosts = homelabFixture({
      hosts: [
        ...base.hosts,
        { ...base.hosts[2], name: "zeus", address: "10.0.0.13", storage: { hdd: "/mnt/hdd" } },
      ],
    });
    const a = allOutputs(base);
    const b = allOutputs(fourHosts);
    expect(b["prometheus.yml"]).not.toBe(a["prometheus.yml"]);
    expect(b["prometheus.yml"]).toContain("10.0.0.13:9100");
    expect(b["rules.yml"]).toContain('host="zeus",mountpoint="/host/mnt/hdd"');
  });
});
