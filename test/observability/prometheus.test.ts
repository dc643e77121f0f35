import { parse } from "yaml";
import {
  observabilityHost,
  prometheusArgs,
  prometheusConfig,
  PROMETHEUS_RULES_DIR,
  remoteWriteUrl,
} from "../../plan/observability/prometheus";
import type { HomelabSpec } from "../../config/spec";
import { appSpec, homelabFixture, withApp } from "./fixture";

interface StaticConfig {
  targets: string[];
  labels: Record<string, string>;
}
interface ScrapeConfig {
  job_name: string;
  static_configs?: StaticConfig[];
  docker_sd_configs?: { host: string; filters: { name: string; values: string[] }[] }[];
  relabel_configs?: {
    action?: string;
    source_labels?: string[];
    regex?: string;
    target_label?: string;
    replacement?: string;
  }[];
}
interface PromConfig {
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

function parsed(spec: HomelabSpec): PromConfig {
  return parse(prometheusConfig(spec)) as PromConfig;
}

function job(config: PromConfig, name: string): ScrapeConfig {
  const found = config.scrape_configs.find((j) => j.job_name === name);
  if (!found) throw new Error(`no job ${name}`);
  return found;
}

describe("prometheusConfig", () => {
  const spec = homelabFixture();

  it("reads rules from the production directory by default and alerts to alertmanager:9093", () => {
    const c = parsed(spec);
    expect(c.rule_files).toEqual([`${PROMETHEUS_RULES_DIR}/*.yml`]);
    expect(c.alerting.alertmanagers[0].static_configs[0].targets).toEqual(["alertmanager:9093"]);
  });

  it("scrapes node-exporter and cAdvisor of other hosts on their LAN address, its own by name", () => {
    const c = parsed(spec);
    const targets = (name: string) =>
      job(c, name).static_configs?.map((s) => [s.labels.host, s.targets[0]]);
    expect(targets("node")).toEqual([
      ["atlas", "node-exporter:9100"],
      ["hermes", "10.0.0.11:9100"],
      ["pi", "10.0.0.12:9100"],
    ]);
    expect(targets("cadvisor")).toEqual([
      ["atlas", "cadvisor:8081"],
      ["hermes", "10.0.0.11:8081"],
      ["pi", "10.0.0.12:8081"],
    ]);
  });

  it("discovers only its own host's apps, through the local socket proxy", () => {
    const c = parsed(spec);
    const sd = c.scrape_configs.filter((j) => j.docker_sd_configs);
    expect(sd.map((j) => j.job_name)).toEqual(["apps"]);
    const j = job(c, "apps");
    expect(j.docker_sd_configs?.map((d) => d.host)).toEqual(["tcp://socket-proxy:2375"]);
    expect(j.docker_sd_configs?.[0].filters).toEqual([
      { name: "label", values: ["homelab.metrics.port"] },
    ]);
    expect(j.relabel_configs?.[0]).toEqual({
      action: "keep",
      source_labels: ["__meta_docker_container_label_homelab_metrics_port"],
      regex: "\\d+",
    });
    expect(j.relabel_configs).toContainEqual({ target_label: "host", replacement: "atlas" });
    // No socket proxy on any LAN address: neither the port nor another host's address.
    const text = prometheusConfig(spec);
    expect(text.match(/\S*:2375/g)).toEqual(["tcp://socket-proxy:2375"]);
    for (const h of spec.hosts.filter((x) => x.name !== "atlas"))
      expect(text).not.toContain(`tcp://${h.address}`);
  });

  it("follows the prometheus app when it is placed on another host", () => {
    const moved = homelabFixture({
      apps: spec.apps.map((a) => (a.name === "prometheus" ? { ...a, host: "hermes" } : a)),
    });
    expect(observabilityHost(spec)).toBe("atlas");
    expect(observabilityHost(moved)).toBe("hermes");
    const c = parsed(moved);
    expect(job(c, "apps").docker_sd_configs?.[0].host).toBe("tcp://socket-proxy:2375");
    expect(job(c, "apps").relabel_configs).toContainEqual({
      target_label: "host",
      replacement: "hermes",
    });
    expect(remoteWriteUrl(moved, "atlas")).toBe("http://10.0.0.11:9090/api/v1/write");
  });

  it("brackets IPv6 host addresses", () => {
    const v6 = homelabFixture({
      hosts: spec.hosts.map((h) =>
        h.name === "pi" || h.name === "atlas"
          ? { ...h, address: h.name === "pi" ? "fd00::12" : "fd00::10" }
          : h,
      ),
    });
    const c = parsed(v6);
    expect(job(c, "node").static_configs?.[2].targets).toEqual(["[fd00::12]:9100"]);
    expect(remoteWriteUrl(v6, "pi")).toBe("http://[fd00::10]:9090/api/v1/write");
  });

  it("tells Alloy on other hosts to remote-write over the LAN, by name on its own host", () => {
    expect(remoteWriteUrl(spec, "hermes")).toBe("http://10.0.0.10:9090/api/v1/write");
    expect(remoteWriteUrl(spec, "atlas")).toBe("http://prometheus:9090/api/v1/write");
  });

  it("puts retention on the command line", () => {
    expect(prometheusArgs(spec)).toContain("--storage.tsdb.retention.time=30d");
    expect(prometheusArgs(spec)).toContain("--web.enable-remote-write-receiver");
    expect(
      prometheusArgs(homelabFixture({ observability: { retentionDays: 90, logRetentionDays: 7 } })),
    ).toContain("--storage.tsdb.retention.time=90d");
  });

  it("does not change when an app is added", () => {
    const more = withApp(spec, appSpec("paperless", "pi"));
    expect(prometheusConfig(more)).toBe(prometheusConfig(spec));
  });
});
