import { parse } from "yaml";
import { alloyConfig, lokiPushUrl } from "../../plan/observability/alloy";
import { GRAFANA_DASHBOARDS_DIR, grafanaProvisioning } from "../../plan/observability/grafana";
import { lokiConfig } from "../../plan/observability/loki";
import { TIER_RECORDS } from "../../plan/observability/rules";
import { homelabFixture } from "./fixture";

const spec = homelabFixture();

describe("lokiConfig", () => {
  const c = parse(lokiConfig(spec)) as {
    auth_enabled: boolean;
    common: {
      path_prefix: string;
      storage: { filesystem: { chunks_directory: string } };
      replication_factor: number;
    };
    schema_config: {
      configs: {
        from: string;
        store: string;
        object_store: string;
        schema: string;
        index: { period: string };
      }[];
    };
    limits_config: { retention_period: string };
    compactor: {
      retention_enabled: boolean;
      delete_request_store: string;
      working_directory: string;
    };
  };

  it("is a single binary on the filesystem under /loki with the v13 tsdb schema", () => {
    expect(c.auth_enabled).toBe(false);
    expect(c.common.replication_factor).toBe(1);
    expect(c.common.path_prefix).toBe("/loki");
    expect(c.common.storage.filesystem.chunks_directory).toMatch(/^\/loki\//);
    expect(c.schema_config.configs).toEqual([
      {
        from: "2024-01-01",
        store: "tsdb",
        object_store: "filesystem",
        schema: "v13",
        index: { prefix: "index_", period: "24h" },
      },
    ]);
  });

  it("applies the log retention through the compactor", () => {
    expect(c.limits_config.retention_period).toBe("336h");
    expect(c.compactor).toMatchObject({
      retention_enabled: true,
      delete_request_store: "filesystem",
    });
    expect(c.compactor.working_directory).toMatch(/^\/loki\//);
    const week = parse(
      lokiConfig(homelabFixture({ observability: { retentionDays: 30, logRetentionDays: 7 } })),
    ) as typeof c;
    expect(week.limits_config.retention_period).toBe("168h");
  });

  it("quotes the schema date so Go's YAML reads a string", () => {
    expect(lokiConfig(spec)).toContain('from: "2024-01-01"');
  });
});

describe("alloyConfig", () => {
  it("pushes to loki by name on the observability host and by LAN address elsewhere", () => {
    expect(lokiPushUrl(spec, "atlas")).toBe("http://loki:3100/loki/api/v1/push");
    expect(lokiPushUrl(spec, "hermes")).toBe("http://10.0.0.10:3100/loki/api/v1/push");
    expect(alloyConfig(spec, "pi")).toContain('url = "http://10.0.0.10:3100/loki/api/v1/push"');
  });

  it("discovers containers through the host's socket proxy and labels host, app and container", () => {
    const text = alloyConfig(spec, "hermes");
    expect(text).toContain('discovery.docker "containers" {');
    expect(text).toContain('loki.source.docker "containers" {');
    expect(text).toContain('loki.write "default" {');
    // Logs (discovery and tailing) and metrics discovery: all through the local socket proxy.
    expect(text.match(/host\s+= "tcp:\/\/socket-proxy:2375"/g)).toHaveLength(3);
    expect(text).not.toMatch(/tcp:\/\/\d/);
    expect(text).toContain('labels           = { host = "hermes" }');
    expect(text).toContain('source_labels = ["__meta_docker_container_label_homelab_app"]');
    expect(text).toContain('target_label  = "app"');
    expect(text).toContain('target_label  = "container"');
    expect(text).not.toMatch(/promtail/i);
  });

  it("is well formed: balanced braces and brackets, one component per block", () => {
    for (const h of spec.hosts) {
      const text = alloyConfig(spec, h.name);
      let depth = 0;
      for (const ch of text.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
        if (ch === "{" || ch === "[") depth++;
        if (ch === "}" || ch === "]") depth--;
        expect(depth).toBeGreaterThanOrEqual(0);
      }
      expect(depth).toBe(0);
      const blocks = [...text.matchAll(/^([a-z_.]+) "([a-z_]+)" \{$/gm)].map((m) => m[1]);
      const logs = ["discovery.docker", "discovery.relabel", "loki.source.docker", "loki.write"];
      const metrics = [
        "discovery.docker",
        "discovery.relabel",
        "prometheus.scrape",
        "prometheus.remote_write",
      ];
      expect(blocks).toEqual(h.name === "atlas" ? logs : [...logs, ...metrics]);
      expect(text.endsWith("}\n")).toBe(true);
    }
  });

  it("scrapes labelled apps away from Prometheus and remote-writes them with its labels", () => {
    const text = alloyConfig(spec, "pi");
    expect(text).toContain('discovery.docker "metrics" {');
    expect(text).toContain('values = ["homelab.metrics.port"]');
    expect(text).toContain("targets = discovery.docker.metrics.targets");
    expect(text).toContain("targets         = discovery.relabel.metrics.output");
    expect(text).toContain("forward_to      = [prometheus.remote_write.prometheus.receiver]");
    expect(text).toContain('url = "http://10.0.0.10:9090/api/v1/write"');
    expect(text).toContain('job_name        = "apps"');
    // Prometheus' own relabelling, rule for rule: same job, host, app, container, instance.
    const rules = text.slice(text.indexOf('discovery.relabel "metrics"'));
    expect(rules.match(/^ {2}rule \{$/gm)).toHaveLength(10);
    expect(rules).toContain('replacement  = "apps"');
    expect(rules).toContain('replacement  = "pi"');
    expect(rules).toContain('replacement   = "$1:$2"');
    expect(rules).toContain('target_label  = "__metrics_path__"');
    expect(rules).toContain('regex         = "\\\\d+"');
    for (const label of ["app", "container", "instance", "host"])
      expect(rules).toContain(`target_label  = "${label}"`);
  });

  it("leaves metrics to Prometheus on its own host", () => {
    const text = alloyConfig(spec, "atlas");
    expect(text).not.toContain("prometheus.scrape");
    expect(text).not.toContain("remote_write");
  });

  it("follows an explicit Loki host", () => {
    expect(alloyConfig(spec, "hermes", "hermes")).toContain(
      'url = "http://loki:3100/loki/api/v1/push"',
    );
    expect(alloyConfig(spec, "atlas", "hermes")).toContain(
      'url = "http://10.0.0.11:3100/loki/api/v1/push"',
    );
  });
});

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { refId: string; expr: string; datasource: { uid: string } }[];
}
interface Dashboard {
  uid: string;
  title: string;
  timezone: string;
  panels: Panel[];
  templating: { list: { name: string; query: { query: string } }[] };
}

describe("grafanaProvisioning", () => {
  const files = grafanaProvisioning(spec);
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  const dashboards = files
    .filter((f) => f.path.endsWith(".json"))
    .map((f) => JSON.parse(f.content) as Dashboard);

  it("provisions Prometheus, Loki and Alertmanager data sources", () => {
    const ds = parse(byPath.get("/etc/grafana/provisioning/datasources/homelab.yml") ?? "") as {
      apiVersion: number;
      datasources: {
        name: string;
        type: string;
        uid: string;
        url: string;
        isDefault?: boolean;
        jsonData?: Record<string, unknown>;
      }[];
    };
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources.map((d) => [d.type, d.uid, d.url])).toEqual([
      ["prometheus", "prometheus", "http://prometheus:9090"],
      ["loki", "loki", "http://loki:3100"],
      ["alertmanager", "alertmanager", "http://alertmanager:9093"],
    ]);
    expect(ds.datasources.filter((d) => d.isDefault)).toHaveLength(1);
    expect(ds.datasources[2].jsonData).toMatchObject({ implementation: "prometheus" });
  });

  it("provisions a file provider for the dashboards directory", () => {
    const p = parse(byPath.get("/etc/grafana/provisioning/dashboards/homelab.yml") ?? "") as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(p.providers).toHaveLength(1);
    expect(p.providers[0].type).toBe("file");
    expect(p.providers[0].options.path).toBe(GRAFANA_DASHBOARDS_DIR);
    for (const f of files.filter((x) => x.path.endsWith(".json"))) {
      expect(f.path.startsWith(`${GRAFANA_DASHBOARDS_DIR}/`)).toBe(true);
    }
  });

  it("ships three well-formed dashboards with unique uids and panel ids", () => {
    expect(dashboards.map((d) => d.uid).sort()).toEqual([
      "homelab-containers",
      "homelab-hosts",
      "homelab-overview",
    ]);
    for (const d of dashboards) {
      expect(d.timezone).toBe("Europe/Berlin");
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of d.panels) {
        expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
        expect(p.targets.length).toBeGreaterThan(0);
        for (const t of p.targets) {
          expect(["prometheus", "loki"]).toContain(t.datasource.uid);
          expect(t.expr.length).toBeGreaterThan(0);
        }
      }
    }
  });

  it("shows every app's up state grouped by the app label and tier usage per host", () => {
    const overview = dashboards.find((d) => d.uid === "homelab-overview");
    const exprs = overview?.panels.flatMap((p) => p.targets.map((t) => t.expr)) ?? [];
    expect(exprs).toContain('max by (app, host) (up{job="apps"})');
    expect(exprs).toContain(TIER_RECORDS.usedRatio);
  });

  it("never names an app in a query", () => {
    const text = files.map((f) => f.content).join("\n");
    for (const app of spec.apps) {
      expect(text).not.toContain(`="${app.name}"`);
      expect(text).not.toContain(`=~"${app.name}`);
    }
    // Media apps are nowhere; infrastructure names only appear as data source hosts or metric names.
    for (const app of ["jellyfin", "qbittorrent", "sonarr"]) expect(text).not.toContain(app);
  });
});
