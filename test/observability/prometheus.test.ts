import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { parse } from "yaml";
import {
  observabilityHost,
  prometheusArgs,
  prometheusConfig,
  PROMETHEUS_RULES_DIR,
} from "../../plan/observability/prometheus";
import { ALERT_RULES_FILE, alertRules } from "../../plan/observability/rules";
import type { HomelabSpec } from "../../config/spec";
import {
  appSpec,
  homelabFixture,
  requireTool,
  runTool,
  tempDir,
  withApp,
  writeFile,
} from "./fixture";

interface StaticConfig {
  targets: string[];
  labels: Record<string, string>;
}
interface ScrapeConfig {
  job_name: string;
  static_configs?: StaticConfig[];
  docker_sd_configs?: { host: string; filters: { name: string; values: string[] }[] }[];
  relabel_configs?: { action?: string; source_labels?: string[]; regex?: string }[];
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

  it("passes promtool check config together with the generated rules", () => {
    const dir = tempDir("prometheus");
    const rulesDir = join(dir, "rules");
    mkdirSync(rulesDir);
    writeFile(rulesDir, ALERT_RULES_FILE, alertRules(spec));
    const file = writeFile(dir, "prometheus.yml", prometheusConfig(spec, { rulesDir }));
    const r = runTool("promtool", ["check", "config", file]);
    expect(r.output).toContain("1 rule files found");
    expect(r.status).toBe(0);
  });

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

  it("discovers apps through the local socket proxy here and the LAN socket proxy elsewhere", () => {
    const c = parsed(spec);
    const hostOf = (name: string) => job(c, name).docker_sd_configs?.[0].host;
    expect(hostOf("apps-atlas")).toBe("tcp://socket-proxy:2375");
    expect(hostOf("apps-hermes")).toBe("tcp://10.0.0.11:2375");
    expect(hostOf("apps-pi")).toBe("tcp://10.0.0.12:2375");
    for (const h of ["atlas", "hermes", "pi"]) {
      const j = job(c, `apps-${h}`);
      expect(j.docker_sd_configs?.[0].filters).toEqual([
        { name: "label", values: ["homelab.metrics.port"] },
      ]);
      expect(j.relabel_configs?.[0]).toEqual({
        action: "keep",
        source_labels: ["__meta_docker_container_label_homelab_metrics_port"],
        regex: "\\d+",
      });
    }
  });

  it("follows the prometheus app when it is placed on another host", () => {
    const moved = homelabFixture({
      apps: spec.apps.map((a) => (a.name === "prometheus" ? { ...a, host: "hermes" } : a)),
    });
    expect(observabilityHost(spec)).toBe("atlas");
    expect(observabilityHost(moved)).toBe("hermes");
    const c = parsed(moved);
    expect(job(c, "apps-hermes").docker_sd_configs?.[0].host).toBe("tcp://socket-proxy:2375");
    expect(job(c, "apps-atlas").docker_sd_configs?.[0].host).toBe("tcp://10.0.0.10:2375");
  });

  it("brackets IPv6 host addresses", () => {
    const v6 = homelabFixture({
      hosts: spec.hosts.map((h) => (h.name === "pi" ? { ...h, address: "fd00::12" } : h)),
    });
    const c = parsed(v6);
    expect(job(c, "node").static_configs?.[2].targets).toEqual(["[fd00::12]:9100"]);
    expect(job(c, "apps-pi").docker_sd_configs?.[0].host).toBe("tcp://[fd00::12]:2375");
  });

  it("puts retention on the command line", () => {
    expect(prometheusArgs(spec)).toContain("--storage.tsdb.retention.time=30d");
    expect(
      prometheusArgs(homelabFixture({ observability: { retentionDays: 90, logRetentionDays: 7 } })),
    ).toContain("--storage.tsdb.retention.time=90d");
  });

  it("does not change when an app is added", () => {
    const more = withApp(spec, appSpec("paperless", "pi"));
    expect(prometheusConfig(more)).toBe(prometheusConfig(spec));
  });
});

/**
 * The real Prometheus discovers containers from a fake Docker API standing in for a remote
 * host's socket proxy (hermes on 127.0.0.2:2375) and applies the generated relabelling.
 */
describe("docker service discovery with the real Prometheus", () => {
  const REMOTE = "127.0.0.2";
  const containers = [
    {
      // Metrics on the published web port: scraped on the host's LAN address.
      Id: "c1",
      Names: ["/jellyfin"],
      Labels: {
        "homelab.app": "jellyfin",
        "homelab.host": "hermes",
        "homelab.metrics.port": "8096",
        "homelab.metrics.path": "/metrics",
      },
      Ports: [
        { PrivatePort: 8096, PublicPort: 18096, Type: "tcp", IP: "0.0.0.0" },
        { PrivatePort: 8096, PublicPort: 18096, Type: "tcp", IP: "::" },
        { PrivatePort: 7359, Type: "udp" },
      ],
      NetworkSettings: { Networks: { proxy: { NetworkID: "n1", IPAddress: "172.18.0.5" } } },
      HostConfig: { NetworkMode: "proxy" },
    },
    {
      // No metrics label: never a target.
      Id: "c2",
      Names: ["/sonarr"],
      Labels: { "homelab.app": "sonarr", "homelab.host": "hermes" },
      Ports: [{ PrivatePort: 8989, PublicPort: 8989, Type: "tcp", IP: "0.0.0.0" }],
      NetworkSettings: { Networks: { proxy: { NetworkID: "n1", IPAddress: "172.18.0.6" } } },
      HostConfig: { NetworkMode: "proxy" },
    },
    {
      // Metrics port not published on the LAN: unreachable from Prometheus, so dropped.
      Id: "c3",
      Names: ["/exportarr"],
      Labels: { "homelab.app": "exportarr", "homelab.metrics.port": "9707" },
      Ports: [
        { PrivatePort: 9707, Type: "tcp" },
        { PrivatePort: 8080, PublicPort: 8080, Type: "tcp", IP: "0.0.0.0" },
      ],
      NetworkSettings: { Networks: { proxy: { NetworkID: "n1", IPAddress: "172.18.0.7" } } },
      HostConfig: { NetworkMode: "proxy" },
    },
    {
      // No homelab.app label: the container name is the app, default metrics path.
      Id: "c4",
      Names: ["/qbittorrent-exporter"],
      Labels: { "homelab.metrics.port": "8000" },
      Ports: [{ PrivatePort: 8000, PublicPort: 28000, Type: "tcp", IP: "10.0.0.11" }],
      NetworkSettings: { Networks: { proxy: { NetworkID: "n1", IPAddress: "172.18.0.8" } } },
      HostConfig: { NetworkMode: "proxy" },
    },
  ];

  let docker: Server;
  let prometheus: ChildProcess | undefined;
  let promPort = 0;
  const requests: string[] = [];

  async function freePort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    return port;
  }

  beforeAll(async () => {
    requireTool("prometheus");
    docker = createServer((req, res) => {
      const url = req.url ?? "";
      requests.push(url);
      res.setHeader("Content-Type", "application/json");
      res.setHeader("Api-Version", "1.41");
      if (url.endsWith("/_ping")) res.end("OK");
      else if (url.includes("/networks"))
        res.end(
          JSON.stringify([
            { Name: "proxy", Id: "n1", Scope: "local", Driver: "bridge", Labels: {} },
          ]),
        );
      else if (url.includes("/containers/json")) res.end(JSON.stringify(containers));
      else {
        res.statusCode = 404;
        res.end("{}");
      }
    });
    await new Promise<void>((resolve, reject) => {
      docker.once("error", reject);
      docker.listen(2375, REMOTE, resolve);
    });

    const spec = homelabFixture({
      hosts: homelabFixture().hosts.map((h) =>
        h.name === "hermes" ? { ...h, address: REMOTE } : h,
      ),
    });
    const dir = tempDir("prometheus-sd");
    const rulesDir = join(dir, "rules");
    mkdirSync(rulesDir);
    const config = writeFile(dir, "prometheus.yml", prometheusConfig(spec, { rulesDir }));
    promPort = await freePort();
    prometheus = spawn(
      "prometheus",
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: "ignore" },
    );
  });

  afterAll(async () => {
    prometheus?.kill("SIGTERM");
    await new Promise<void>((resolve) => (docker ? docker.close(() => resolve()) : resolve()));
  });

  interface ActiveTarget {
    labels: Record<string, string>;
    scrapePool: string;
    scrapeUrl: string;
  }

  async function activeTargets(pool: string, deadline: number): Promise<ActiveTarget[]> {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/targets?state=active`);
        const body = (await res.json()) as { data: { activeTargets: ActiveTarget[] } };
        const found = body.data.activeTargets.filter((t) => t.scrapePool === pool);
        if (found.length > 0) return found;
      } catch {
        // Prometheus is still starting.
      }
      if (Date.now() > deadline)
        throw new Error(`no active target in ${pool} (docker API saw: ${requests.join(", ")})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it("keeps labelled containers whose metrics port is published, with app/host/container labels", async () => {
    const targets = await activeTargets("apps-hermes", Date.now() + 40_000);
    const summary = targets
      .map((t) => ({ url: t.scrapeUrl, labels: t.labels }))
      .sort((a, b) => a.url.localeCompare(b.url));
    expect(summary).toEqual([
      {
        url: `http://${REMOTE}:18096/metrics`,
        labels: {
          app: "jellyfin",
          container: "jellyfin",
          host: "hermes",
          instance: "jellyfin",
          job: "apps",
        },
      },
      {
        url: `http://${REMOTE}:28000/metrics`,
        labels: {
          app: "qbittorrent-exporter",
          container: "qbittorrent-exporter",
          host: "hermes",
          instance: "qbittorrent-exporter",
          job: "apps",
        },
      },
    ]);
    const list = requests.find((u) => u.includes("/containers/json")) ?? "";
    expect(decodeURIComponent(list)).toContain("homelab.metrics.port");
  });
});
