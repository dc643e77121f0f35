import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { prometheusArgs, prometheusConfig } from "../../plan/observability/prometheus";
import { ALERT_RULES_FILE, alertRules } from "../../plan/observability/rules";
import { homelabFixture, requireTool, runTool, tempDir, writeFile } from "./fixture";

describe("prometheusConfig checked by the real promtool", () => {
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
});

/**
 * The real Prometheus, started with the generated flags, discovers containers from a fake
 * Docker API standing in for its host's local socket proxy (`socket-proxy:2375` rewritten to
 * 127.0.0.2:2375) and applies the generated relabelling: the same rules Alloy applies on the
 * other hosts before it remote-writes.
 */
describe("docker service discovery with the real Prometheus", () => {
  const FAKE_PROXY = "127.0.0.2";
  const network = { proxy: { NetworkID: "n1", IPAddress: "172.18.0.5" } };
  const containers = [
    {
      // Labelled: scraped by container name on the shared network.
      Id: "c1",
      Names: ["/jellyfin"],
      Labels: {
        "homelab.app": "jellyfin",
        "homelab.host": "atlas",
        "homelab.metrics.port": "8096",
        "homelab.metrics.path": "/metrics",
      },
      Ports: [{ PrivatePort: 8096, Type: "tcp" }],
      NetworkSettings: { Networks: network },
      HostConfig: { NetworkMode: "proxy" },
    },
    {
      // No metrics label: never a target.
      Id: "c2",
      Names: ["/sonarr"],
      Labels: { "homelab.app": "sonarr", "homelab.host": "atlas" },
      Ports: [{ PrivatePort: 8989, Type: "tcp" }],
      NetworkSettings: { Networks: network },
      HostConfig: { NetworkMode: "proxy" },
    },
    {
      // Several exposed ports and no published one: one target, on the metrics port.
      Id: "c3",
      Names: ["/exportarr"],
      Labels: {
        "homelab.app": "exportarr",
        "homelab.metrics.port": "9707",
        "homelab.metrics.path": "/custom",
      },
      Ports: [
        { PrivatePort: 9707, Type: "tcp" },
        { PrivatePort: 8080, Type: "tcp" },
      ],
      NetworkSettings: { Networks: network },
      HostConfig: { NetworkMode: "proxy" },
    },
    {
      // No homelab.app label: the container name is the app, default metrics path.
      Id: "c4",
      Names: ["/qbittorrent-exporter"],
      Labels: { "homelab.metrics.port": "8000" },
      Ports: [{ PrivatePort: 8000, Type: "tcp" }],
      NetworkSettings: { Networks: network },
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
      docker.listen(2375, FAKE_PROXY, resolve);
    });

    const spec = homelabFixture();
    const dir = tempDir("prometheus-sd");
    const rulesDir = join(dir, "rules");
    mkdirSync(rulesDir);
    const generated = prometheusConfig(spec, { rulesDir });
    expect(generated).toContain("tcp://socket-proxy:2375");
    const config = writeFile(
      dir,
      "prometheus.yml",
      generated.replace("tcp://socket-proxy:2375", `tcp://${FAKE_PROXY}:2375`),
    );
    promPort = await freePort();
    // The generated flags, with paths and the listen address of the test.
    const flags = prometheusArgs(spec).filter(
      (f) => !f.startsWith("--config.file=") && !f.startsWith("--storage.tsdb.path="),
    );
    prometheus = spawn(
      "prometheus",
      [
        ...flags,
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

  it("keeps labelled containers, addressed by name, with job/app/host/container labels", async () => {
    const targets = await activeTargets("apps", Date.now() + 40_000);
    const summary = targets
      .map((t) => ({ url: t.scrapeUrl, labels: t.labels }))
      .sort((a, b) => a.url.localeCompare(b.url));
    const labels = (app: string) => ({
      app,
      container: app,
      host: "atlas",
      instance: app,
      job: "apps",
    });
    expect(summary).toEqual([
      { url: "http://exportarr:9707/custom", labels: labels("exportarr") },
      { url: "http://jellyfin:8096/metrics", labels: labels("jellyfin") },
      { url: "http://qbittorrent-exporter:8000/metrics", labels: labels("qbittorrent-exporter") },
    ]);
    const list = requests.find((u) => u.includes("/containers/json")) ?? "";
    expect(decodeURIComponent(list)).toContain("homelab.metrics.port");
  });

  it("runs with the remote-write receiver Alloy pushes to", async () => {
    await activeTargets("apps", Date.now() + 40_000);
    const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/status/flags`);
    const body = (await res.json()) as { data: Record<string, string> };
    expect(body.data["web.enable-remote-write-receiver"]).toBe("true");
    // An empty body is a bad request, not a 404: the endpoint is there.
    const write = await fetch(`http://127.0.0.1:${promPort}/api/v1/write`, { method: "POST" });
    expect(write.status).not.toBe(404);
  });
});
