/**
 * The ObservabilityStack in the real program: exporters on every host, data on its
 * tier, secrets kept secret, LAN-only publishing, and DESIGN §7 — adding an app changes no
 * input of any observability resource.
 */
import { definitionOf } from "../../catalog";
import type { StorageClass, Tier } from "../../config/spec";
import type { Evaluation, RegisteredResource } from "../../scripts/evaluate";
import type { StackConfig } from "../../scripts/stackFile";
import {
  container,
  containers,
  envOf,
  goodStacks,
  labelsOf,
  run,
  runCached,
  stackConfig,
  withConfig,
} from "../helpers/harness";

const FIXTURE = "good/media-single-box-nvidia.yaml";

/** The media fixture with the observability profile switched on. */
function fixtureWithObservability(): StackConfig {
  return withConfig(stackConfig(FIXTURE), (c) => {
    c["homelab:profiles"] = ["core", "media", "observability"];
  });
}

const evaluations: Record<string, () => Promise<Evaluation>> = {
  dev: () => runCached("dev"),
  prod: () => runCached("prod"),
  fixture: (() => {
    let ev: Promise<Evaluation> | undefined;
    return () => (ev ??= run(fixtureWithObservability()));
  })(),
};
const configs: Record<string, () => StackConfig> = {
  dev: () => stackConfig("dev"),
  prod: () => stackConfig("prod"),
  fixture: fixtureWithObservability,
};

interface HostConfig {
  address: string;
  storage: Partial<Record<Tier, string>>;
}

function parsed<T>(cfg: StackConfig, key: string): T | undefined {
  const raw = cfg.config[key];
  return raw === undefined ? undefined : (JSON.parse(raw) as T);
}

function hostsOf(cfg: StackConfig): Record<string, HostConfig> {
  return parsed<Record<string, HostConfig>>(cfg, "homelab:hosts") ?? {};
}

interface PortInput {
  internal: number;
  external: number;
  protocol: string;
  ip?: string;
}

interface VolumeInput {
  hostPath: string;
  containerPath: string;
}

const STACKS = Object.keys(evaluations);

describe.each(STACKS)("ObservabilityStack in %s", (stack) => {
  let ev: Evaluation;
  let cfg: StackConfig;
  beforeAll(async () => {
    ev = await evaluations[stack]();
    cfg = configs[stack]();
  });

  it("evaluates without error", () => {
    expect(ev.error).toBeUndefined();
  });

  it("runs node-exporter and cAdvisor on every host", () => {
    for (const host of Object.keys(hostsOf(cfg))) {
      expect(labelsOf(container(ev, `node-exporter-${host}`))["homelab.host"]).toBe(host);
      expect(labelsOf(container(ev, `cadvisor-${host}`))["homelab.host"]).toBe(host);
      expect(labelsOf(container(ev, `alloy-${host}`))["homelab.host"]).toBe(host);
    }
  });

  it.each([
    ["prometheus", "/prometheus", "metrics"],
    ["loki", "/loki", "logs"],
    ["grafana", "/var/lib/grafana", "config"],
  ] as const)("keeps %s data (%s) on its %s tier", (app, target, cls: StorageClass) => {
    // DESIGN §4: metrics, logs and config live on the ssd tier by default. Read by hand from
    // each stack file: the ssd root of the observability host (the edge; fixture: its one box).
    const ssdRoot: Record<string, string> = {
      dev: "/srv/homelab",
      prod: "/srv/ssd",
      fixture: "/srv",
    };
    const c = container(ev, app);
    const volume = (c.inputs.volumes as VolumeInput[]).find((v) => v.containerPath === target);
    expect(volume?.hostPath).toBe(`${ssdRoot[stack]}/${cls}/${app}`);
  });

  it("keeps the Grafana admin password secret and exports it", () => {
    const c = container(ev, "grafana");
    const uploads = c.inputs.uploads as { file: string }[];
    const index = uploads.findIndex((u) => u.file === "/run/secrets/admin_password");
    expect(index).toBeGreaterThanOrEqual(0);
    expect(c.secretPaths).toContain(`uploads.${index}.content`);
    expect(envOf(c).GF_SECURITY_ADMIN_PASSWORD__FILE).toBe("/run/secrets/admin_password");
    const exported = ev.outputs.generatedSecrets as Record<string, unknown>;
    expect(Object.keys(exported)).toContain("grafana.admin_password");
  });

  it("uploads each generated file into the container that reads it", () => {
    const files = (id: string) =>
      (container(ev, id).inputs.uploads as { file: string }[]).map((u) => u.file);
    expect(files("prometheus")).toEqual(
      expect.arrayContaining([
        "/etc/prometheus/prometheus.yml",
        "/etc/prometheus/rules/homelab.yml",
      ]),
    );
    expect(files("alertmanager")).toContain("/etc/alertmanager/alertmanager.yml");
    expect(files("loki")).toContain("/etc/loki/config.yml");
    for (const host of Object.keys(hostsOf(cfg)))
      expect(files(`alloy-${host}`)).toContain("/etc/alloy/config.alloy");
    expect(files("grafana").filter((f) => f.startsWith("/etc/grafana/")).length).toBeGreaterThan(2);
  });

  it("publishes on all interfaces only the catalog's declared ports, the rest on the LAN address", () => {
    const hosts = hostsOf(cfg);
    for (const c of containers(ev)) {
      const labels = labelsOf(c);
      const def = definitionOf(labels["homelab.app"]);
      for (const p of (c.inputs.ports ?? []) as PortInput[]) {
        if (p.ip === undefined) {
          expect(def.ports?.some((d) => d.host === p.external && d.container === p.internal)).toBe(
            true,
          );
        } else if (p.ip !== hosts[labels["homelab.host"]].address) {
          // localhost mode serves the web entrypoints to this machine only.
          expect(cfg.config["homelab:mode"]).toBe("localhost");
          expect([p.ip, p.external]).toEqual(["127.0.0.1", p.external === 443 ? 443 : 80]);
        }
        expect(p.ip).not.toBe("0.0.0.0");
      }
    }
  });

  it("publishes the exporters on the LAN address of the hosts Prometheus scrapes from afar only", () => {
    const hosts = Object.entries(hostsOf(cfg));
    const home = labelsOf(container(ev, "prometheus"))["homelab.host"];
    const ports = (id: string) =>
      ((container(ev, id).inputs.ports ?? []) as PortInput[]).map((p) => `${p.ip}:${p.external}`);
    for (const [host, h] of hosts) {
      const expected = host === home ? [] : [`${h.address}:9100`];
      expect([host, ports(`node-exporter-${host}`)]).toEqual([host, expected]);
      const cadvisor = host === home ? [] : [`${h.address}:8081`];
      expect([host, ports(`cadvisor-${host}`)]).toEqual([host, cadvisor]);
    }
    // Prometheus and Loki take pushes from the other hosts' Alloy; alone, from nobody.
    const address = hostsOf(cfg)[home].address;
    expect(ports("prometheus")).toEqual(hosts.length > 1 ? [`${address}:9090`] : []);
    expect(ports("loki")).toEqual(hosts.length > 1 ? [`${address}:3100`] : []);
  });
});

describe.each(goodStacks())("LAN exposure in %s", (stack) => {
  let ev: Evaluation;
  beforeAll(async () => {
    ev = await runCached(stack);
  });

  it("publishes no socket proxy port on any host", () => {
    const proxies = containers(ev).filter((c) => labelsOf(c)["homelab.app"] === "socket-proxy");
    expect(proxies.length).toBeGreaterThan(0);
    for (const c of proxies) expect([c.name, c.inputs.ports ?? []]).toEqual([c.name, []]);
  });

  it("publishes no app's metrics port on the LAN: Alloy scrapes and remote-writes instead", () => {
    for (const c of containers(ev)) {
      const labels = labelsOf(c);
      const port = labels["homelab.metrics.port"];
      if (port === undefined) continue;
      const def = definitionOf(labels["homelab.app"]);
      // A port published for another reason (declared, the route port, a LAN port) may
      // happen to be the metrics port too.
      const declared = new Set([
        ...(def.ports ?? []).map((p) => p.container),
        ...(def.lanPorts ?? []).map((p) => p.port),
        ...(def.route ? [def.route.port] : []),
      ]);
      const published = ((c.inputs.ports ?? []) as PortInput[]).map((p) => p.internal);
      if (!declared.has(Number(port))) expect([c.name, published]).not.toContainEqual(Number(port));
    }
  });
});

describe("remote hosts in prod", () => {
  it("reach Prometheus' remote-write receiver on its LAN address, and nothing of theirs is scraped over the LAN", async () => {
    const ev = await runCached("prod");
    const hosts = hostsOf(stackConfig("prod"));
    const prometheus = container(ev, "prometheus");
    const home = labelsOf(prometheus)["homelab.host"];
    expect(Object.keys(hosts).length).toBeGreaterThan(1);
    expect(prometheus.inputs.ports).toContainEqual({
      internal: 9090,
      external: 9090,
      protocol: "tcp",
      ip: hosts[home].address,
    });
    for (const host of Object.keys(hosts)) {
      const alloy = container(ev, `alloy-${host}`);
      const config = (alloy.inputs.uploads as { file: string; content: string }[]).find(
        (u) => u.file === "/etc/alloy/config.alloy",
      )?.content;
      if (host === home) expect(config).not.toContain("prometheus.remote_write");
      else expect(config).toContain(`url = "http://${hosts[home].address}:9090/api/v1/write"`);
      // Alloy shares both app networks with the apps it scrapes.
      const nets = (alloy.inputs.networksAdvanced as { name: string }[]).map((n) => n.name);
      expect(nets).toHaveLength(3);
    }
    // A remote app with metrics exists, and its metrics port is not on the LAN.
    const remote = containers(ev).filter((c) => {
      const l = labelsOf(c);
      return l["homelab.metrics.port"] !== undefined && l["homelab.host"] !== home;
    });
    expect(remote.length).toBeGreaterThan(0);
  });
});

/** Inputs of the ObservabilityStack and every resource below it, by URN. */
function observabilityInputs(ev: Evaluation): Map<string, string> {
  const byUrn = new Map(ev.resources.map((r) => [r.urn, r]));
  const inside = (urn: string | undefined): boolean => {
    const r = urn ? byUrn.get(urn) : undefined;
    if (!r) return false;
    return r.type === "homelab:observability:ObservabilityStack" || inside(r.parent);
  };
  return new Map(
    ev.resources.filter((r) => inside(r.urn)).map((r) => [r.urn, JSON.stringify(r.inputs)]),
  );
}

describe("adding an app (DESIGN §7)", () => {
  it.each([
    [
      "prod + plex",
      () => runCached("prod"),
      () =>
        run(
          withConfig(stackConfig("prod"), (c) => {
            c["homelab:apps"] = { plex: { enabled: true } };
          }),
        ),
    ],
    [
      "dev + whoami",
      () =>
        run(
          withConfig(stackConfig("dev"), (c) => {
            c["homelab:apps"] = { whoami: { enabled: false } };
          }),
        ),
      () => runCached("dev"),
    ],
    [
      "fixture + plex",
      () =>
        run(
          withConfig(fixtureWithObservability(), (c) => {
            c["homelab:apps"] = {};
          }),
        ),
      evaluations.fixture,
    ],
  ])("%s changes no observability resource's inputs", async (_what, before, after) => {
    // One evaluation at a time: Pulumi's mocks are process-global.
    const a = await before();
    const b = await after();
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    const appsBefore = new Set(containers(a).map((c) => c.name));
    const added = containers(b).filter((c) => !appsBefore.has(c.name));
    expect(added.length).toBeGreaterThan(0);
    const ia = observabilityInputs(a);
    const ib = observabilityInputs(b);
    expect(ia.size).toBeGreaterThan(10);
    // The one thing an added app may add here: its own uptime check's file (and its write),
    // when it runs on another host than AutoKuma (test/observability/uptime.test.ts).
    const ownCheck = (urn: string) =>
      added.some((c) =>
        new RegExp(`::autokuma-monitor-${labelsOf(c)["homelab.app"]}(-write)?$`).test(urn),
      );
    expect([...ib.keys()].filter((urn) => !ia.has(urn) && !ownCheck(urn))).toEqual([]);
    expect([...ia.keys()].filter((urn) => !ib.has(urn))).toEqual([]);
    for (const [urn, inputs] of ia) expect([urn, ib.get(urn)]).toEqual([urn, inputs]);
  });
});

describe("the VPN tunnel alert and panel (prod)", () => {
  /** `name{k="v",...}` → its metric name and equality matchers. */
  function selector(expr: string): { metric: string; labels: Record<string, string> } {
    const m = /^([a-zA-Z_:][\w:]*)\{([^}]*)\}/.exec(expr.trim());
    if (!m) throw new Error(`no selector in ${expr}`);
    const labels: Record<string, string> = {};
    for (const pair of m[2].split(",").filter(Boolean)) {
      const [k, v] = pair.split("=");
      labels[k.trim()] = JSON.parse(v) as string;
    }
    return { metric: m[1], labels };
  }

  it("reads a series the stack produces: the scrape of Gluetun's health server", async () => {
    const ev = await runCached("prod");
    const prometheus = container(ev, "prometheus");
    const uploads = (prometheus.inputs.uploads ?? []) as { file: string; content: string }[];
    const rules = uploads.find((u) => u.file.endsWith("/homelab.yml"))?.content ?? "";
    const vpn = /alert: VpnTunnelDown\n\s+expr: (.+)\n/.exec(rules)?.[1] ?? "";
    const { metric, labels } = selector(vpn);
    // Gluetun serves no metrics; nothing in the stack writes a VPN gauge. The only series
    // about the tunnel is the `up` of scraping Gluetun's health server, which answers 200 with
    // an empty body while the tunnel works and 500 when it does not (gluetun
    // internal/healthcheck/handler.go@v3.41.1; Prometheus scrape.go@v3.5.0 counts an empty
    // 200 as up and any other status as down).
    expect(metric).toBe("up");
    expect(labels).toEqual({ job: "apps", app: "gluetun" });
    const gluetun = container(ev, "gluetun");
    const port = labelsOf(gluetun)["homelab.metrics.port"];
    const env = envOf(gluetun);
    // The health server listens beyond loopback on that port, and the kill switch lets the
    // scraper in (the scrape runs on the Docker side, never through the tunnel).
    expect(env.HEALTH_SERVER_ADDRESS).toBe(`:${port}`);
    expect(env.FIREWALL_INPUT_PORTS.split(",")).toContain(port);
  });
});

describe("cAdvisor on Docker's containerd image store", () => {
  const socketOf = (c: RegisteredResource) =>
    ((c.inputs.volumes ?? []) as { hostPath: string; containerPath: string }[]).filter(
      (v) => v.hostPath === "/run/containerd/containerd.sock",
    );
  const flagOf = (c: RegisteredResource) =>
    ((c.inputs.command ?? []) as string[]).filter((a) => a.startsWith("--containerd="));
  const cadvisors = (ev: Evaluation) =>
    containers(ev).filter((r) => labelsOf(r)["homelab.app"] === "cadvisor");

  it("runs a release that can read containers from containerd, and never gets its socket unasked", async () => {
    const ev = await runCached("prod");
    expect(cadvisors(ev)).toHaveLength(3);
    for (const c of cadvisors(ev)) {
      const image = ev.resources.find(
        (r) => r.name === `${c.name.replace(/-container$/, "")}-image`,
      );
      const [repository, tag] = String(image?.inputs.name).split(/:(?=[^:]+$)/);
      // Containers under the containerd snapshotter (Docker 29's default store) are found
      // from v0.54.0 on (google/cadvisor commit 7eda1904, container/docker/handler.go); those
      // releases are published on ghcr.io only (README and publish-container.yml@v0.60.5).
      expect(repository).toBe("ghcr.io/google/cadvisor");
      const [major, minor] = tag.replace(/^v/, "").split(".").map(Number);
      expect(major > 0 || minor >= 54).toBe(true);
      // containerd's socket is as powerful as Docker's: only on hosts the owner marks.
      expect(socketOf(c)).toEqual([]);
      expect(flagOf(c)).toEqual([]);
    }
  });

  it("gets containerd's socket where it dials only on the host marked containerdImageStore", async () => {
    const ev = await run(
      withConfig(stackConfig("prod"), (c) => {
        const hosts = c["homelab:hosts"] as Record<string, Record<string, unknown>>;
        hosts.nas.containerdImageStore = true;
      }),
    );
    expect(ev.error).toBeUndefined();
    const byHost = Object.fromEntries(
      cadvisors(ev).map((c) => [labelsOf(c)["homelab.host"], c] as const),
    );
    // factory.go dials --containerd in namespace moby when Docker's storage is the snapshotter.
    expect(flagOf(byHost.nas)).toEqual(["--containerd=/run/containerd/containerd.sock"]);
    expect(socketOf(byHost.nas)).toEqual([
      expect.objectContaining({ containerPath: "/run/containerd/containerd.sock" }),
    ]);
    for (const other of ["gateway", "forge"]) {
      expect(socketOf(byHost[other])).toEqual([]);
      expect(flagOf(byHost[other])).toEqual([]);
    }
  });
});
