/**
 * Uptime checks as the owner sees them: every URL the edge proxy routes has exactly one
 * check in AutoKuma's hands (labels on the app's own container on AutoKuma's host, a monitor
 * file for an app elsewhere), asking that URL and accepting what it answers when it works.
 * The routed URLs are read from what the proxy gets (router labels and route files), never
 * from the module that writes the checks.
 */
import { parse } from "yaml";
import { CADDYFILE_PATH } from "../../plan/proxy/caddy";
import type { Evaluation, RegisteredResource } from "../../scripts/evaluate";
import type { StackConfig } from "../../scripts/stackFile";
import {
  containers,
  envOf,
  labelsOf,
  run,
  runCached,
  stackConfig,
  withConfig,
  writtenContent,
} from "../helpers/harness";
import { appRoute, caddyTree } from "../proxy/caddyTree";

const EVERYTHING = "good/everything.yaml";
const THREE_HOSTS = "good/observability-three-hosts.yaml";
const STATUS_ROUTER = "uptime-kuma-status-page";

interface Monitor {
  url: string;
  accepted_statuscodes: string[];
  max_redirects: number;
  ignore_tls: boolean;
  headers?: string;
}

interface Router {
  rule: string;
  middlewares: string[];
}

const appOf = (c: RegisteredResource): string => labelsOf(c)["homelab.app"] ?? "";

/** Every router Traefik gets, by name: container labels on the edge, route files elsewhere. */
function routers(ev: Evaluation): Record<string, Router> {
  const out: Record<string, Router> = {};
  for (const c of containers(ev)) {
    const labels = labelsOf(c);
    for (const [key, rule] of Object.entries(labels)) {
      const m = /^traefik\.http\.routers\.([^.]+)\.rule$/.exec(key);
      if (!m) continue;
      const mw = labels[`traefik.http.routers.${m[1]}.middlewares`] ?? "";
      out[m[1]] = { rule, middlewares: mw.split(",") };
    }
  }
  for (const r of ev.resources.filter((x) => x.type.startsWith("command:"))) {
    if (!/\/app-[^/]+\.yml\.tmp/.test(String(r.inputs.create ?? ""))) continue;
    const doc = parse(writtenContent(r)) as { http: { routers: Record<string, Router> } };
    Object.assign(out, doc.http.routers);
  }
  return out;
}

/** The host name a router answers for. */
const hostOf = (rule: string): string => /Host\(`([^`]+)`\)/.exec(rule)?.[1] ?? "";

/** Checks AutoKuma reads, by its id: `kuma.<id>.http.*` labels and the files it is given. */
function monitors(ev: Evaluation): Record<string, Monitor> {
  const out: Record<string, Monitor> = {};
  for (const c of containers(ev)) {
    const byId: Record<string, Record<string, string>> = {};
    for (const [key, value] of Object.entries(labelsOf(c))) {
      const m = /^kuma\.([^.]+)\.http\.(.+)$/.exec(key);
      if (m) byId[m[1]] = { ...byId[m[1]], [m[2]]: value };
    }
    for (const [id, s] of Object.entries(byId)) {
      expect([id, appOf(c)]).toEqual([id, id]);
      out[id] = {
        url: s.url,
        accepted_statuscodes: JSON.parse(s.accepted_statuscodes) as string[],
        max_redirects: Number(s.max_redirects),
        ignore_tls: s.ignore_tls === "true",
        headers: s.headers,
      };
    }
  }
  for (const [id, content] of Object.entries(monitorFiles(ev))) {
    expect(out[id]).toBeUndefined();
    const doc = JSON.parse(content) as Monitor & { type: string };
    expect(doc.type).toBe("http");
    out[id] = doc;
  }
  return out;
}

/** The monitor files written into AutoKuma's static-monitors directory, by AutoKuma id. */
function monitorFiles(ev: Evaluation): Record<string, string> {
  const autokuma = containers(ev).find((c) => appOf(c) === "autokuma");
  const volumes = (autokuma?.inputs.volumes ?? []) as { hostPath: string; containerPath: string }[];
  const dir = volumes.find((v) => v.containerPath === "/static-monitors")?.hostPath;
  const out: Record<string, string> = {};
  if (!dir) return out;
  for (const r of ev.resources.filter((x) => x.type.startsWith("command:"))) {
    const m = new RegExp(`${dir}/([^/]+)\\.json\\.tmp`).exec(String(r.inputs.create ?? ""));
    if (m && r.name.endsWith("-write")) out[m[1]] = writtenContent(r);
  }
  return out;
}

/** The routers of the apps, without the status page's own. */
function appRouters(ev: Evaluation): Record<string, Router> {
  return Object.fromEntries(Object.entries(routers(ev)).filter(([name]) => name !== STATUS_ROUTER));
}

function containerOf(ev: Evaluation, app: string): RegisteredResource {
  const c = containers(ev).find((x) => appOf(x) === app);
  if (!c) throw new Error(`no ${app} container`);
  return c;
}

function setApp(cfg: StackConfig, app: string, value: Record<string, unknown>): StackConfig {
  return withConfig(cfg, (c) => {
    const apps = (c["homelab:apps"] ?? {}) as Record<string, Record<string, unknown>>;
    c["homelab:apps"] = { ...apps, [app]: { ...apps[app], ...value } };
  });
}

function setObservability(cfg: StackConfig, value: Record<string, unknown>): StackConfig {
  return withConfig(cfg, (c) => {
    const o = (c["homelab:observability"] ?? {}) as Record<string, unknown>;
    c["homelab:observability"] = { ...o, ...value };
  });
}

describe.each([EVERYTHING, THREE_HOSTS])("uptime checks of %s", (stack) => {
  let ev: Evaluation;
  beforeAll(async () => {
    ev = await runCached(stack);
  });

  it("evaluates", () => {
    expect(ev.error).toBeUndefined();
  });

  it("checks every routed URL exactly once, at the URL the owner uses", () => {
    const routed = appRouters(ev);
    const checks = monitors(ev);
    expect(Object.keys(routed).length).toBeGreaterThan(5);
    expect(Object.keys(checks).sort()).toEqual(Object.keys(routed).sort());
    for (const [name, router] of Object.entries(routed))
      expect([name, checks[name].url]).toEqual([name, `https://${hostOf(router.rule)}`]);
  });

  it("accepts Authelia's redirect behind SSO without following it, and 2xx elsewhere", () => {
    const checks = monitors(ev);
    for (const [name, router] of Object.entries(appRouters(ev))) {
      const c = checks[name];
      const expected = router.middlewares.includes("authelia@file")
        ? { accepted_statuscodes: ["302"], max_redirects: 0 }
        : { accepted_statuscodes: ["200-299"], max_redirects: 10 };
      expect([name, c.accepted_statuscodes, c.max_redirects]).toEqual([
        name,
        expected.accepted_statuscodes,
        expected.max_redirects,
      ]);
    }
    // Both kinds exist in this stack, so neither branch is vacuous.
    const kinds = new Set(Object.values(checks).map((c) => c.accepted_statuscodes.join()));
    expect([...kinds].sort()).toEqual(["200-299", "302"]);
  });

  it("puts the check of an app on AutoKuma's host on its own container, the others in files", () => {
    const autokumaHost = labelsOf(containerOf(ev, "autokuma"))["homelab.host"];
    const files = monitorFiles(ev);
    expect(Object.keys(files).length).toBeGreaterThan(0);
    for (const c of containers(ev)) {
      const app = appOf(c);
      const labelled = Object.keys(labelsOf(c)).some((k) => k.startsWith(`kuma.${app}.`));
      if (labelled) expect(labelsOf(c)["homelab.host"]).toBe(autokumaHost);
      if (app in files) expect(labelsOf(c)["homelab.host"]).not.toBe(autokumaHost);
    }
  });

  it("gives AutoKuma Kuma's seeded password as a secret env entry and the read-only socket proxy", () => {
    const autokuma = containerOf(ev, "autokuma");
    const kuma = containerOf(ev, "uptime-kuma");
    const env = envOf(autokuma);
    const at = (autokuma.inputs.envs as string[]).findIndex((e) =>
      e.startsWith("AUTOKUMA__KUMA__PASSWORD="),
    );
    expect(at).toBeGreaterThanOrEqual(0);
    expect(autokuma.secretPaths.some((p) => p === "envs" || p === `envs.${at}`)).toBe(true);
    expect(env.AUTOKUMA__KUMA__PASSWORD).toBe(envOf(kuma).HOMELAB_ADMIN_PASSWORD);
    expect(env.AUTOKUMA__KUMA__URL).toBe("http://uptime-kuma:3001");
    expect(env.AUTOKUMA__KUMA__USERNAME).toBe("admin");
    expect(env.AUTOKUMA__DOCKER__HOSTS).toBe("tcp://socket-proxy:2375");
    expect(labelsOf(autokuma)["homelab.secretEnv"]).toBe("AUTOKUMA__KUMA__PASSWORD");
    const volumes = autokuma.inputs.volumes as { hostPath: string }[];
    expect(volumes.some((v) => v.hostPath.includes("docker.sock"))).toBe(false);
  });

  it("never writes a generated secret into a label or a monitor file", () => {
    const secrets = Object.values(ev.outputs.generatedSecrets as Record<string, string>);
    expect(secrets.length).toBeGreaterThan(0);
    const texts = [
      ...containers(ev).map((c) => JSON.stringify(labelsOf(c))),
      ...Object.values(monitorFiles(ev)),
    ];
    for (const text of texts) for (const s of secrets) expect(text).not.toContain(s);
  });

  it("keeps the status page behind SSO unless the owner opens it", () => {
    expect(routers(ev)[STATUS_ROUTER]).toBeUndefined();
  });
});

describe("adding an app", () => {
  /** Resource inputs by URN, to compare two evaluations. */
  const inputs = (ev: Evaluation) =>
    Object.fromEntries(ev.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));

  it.each([
    ["on AutoKuma's host", "grafana"],
    ["on another host", "sonarr"],
  ])("%s adds exactly its check, and AutoKuma and Kuma keep their inputs", async (_where, app) => {
    const base = stackConfig(THREE_HOSTS);
    // One at a time: an evaluation runs the program under process-wide mocks.
    const without = await run(setApp(base, app, { enabled: false }));
    const withIt = await run(base);
    expect(without.error).toBeUndefined();
    expect(withIt.error).toBeUndefined();
    const before = monitors(without);
    const after = monitors(withIt);
    expect(Object.keys(after).sort()).toEqual([...Object.keys(before), app].sort());
    for (const id of Object.keys(before)) expect(after[id]).toEqual(before[id]);
    // AutoKuma and Kuma themselves are untouched: no restart, no new configuration.
    const a = inputs(without);
    const b = inputs(withIt);
    for (const name of ["autokuma", "uptime-kuma"]) {
      const urn = containerOf(withIt, name).urn;
      expect(b[urn]).toBe(a[urn]);
    }
  });
});

/** Whether a Traefik rule of the form `Host(h) && (M || M ...)` matches a request. */
function matches(rule: string, host: string, path: string): boolean {
  const m = /^Host\(`([^`]+)`\) && \((.*)\)$/.exec(rule);
  if (!m) throw new Error(`unexpected rule ${rule}`);
  if (m[1] !== host) return false;
  return m[2].split(" || ").some((matcher) => {
    const x = /^(Path|PathPrefix|PathRegexp)\(`([^`]+)`\)$/.exec(matcher);
    if (!x) throw new Error(`unexpected matcher ${matcher}`);
    if (x[1] === "Path") return path === x[2];
    if (x[1] === "PathPrefix") return path.startsWith(x[2]);
    return new RegExp(x[2]).test(path);
  });
}

describe("homelab:observability.publicStatusPage", () => {
  let closed: Evaluation;
  let open: Evaluation;
  beforeAll(async () => {
    const base = stackConfig(EVERYTHING);
    closed = await runCached(EVERYTHING);
    open = await run(setObservability(base, { publicStatusPage: true }));
  });

  it("adds one router without SSO and changes nothing else", () => {
    expect(open.error).toBeUndefined();
    const a = Object.fromEntries(closed.resources.map((r) => [r.urn, r]));
    const changed = open.resources.filter(
      (r) => JSON.stringify(r.inputs) !== JSON.stringify(a[r.urn]?.inputs),
    );
    expect(changed.map((r) => appOf(r))).toEqual(["uptime-kuma"]);
    expect(open.resources.map((r) => r.urn).sort()).toEqual(
      closed.resources.map((r) => r.urn).sort(),
    );
    const before = labelsOf(containerOf(closed, "uptime-kuma"));
    const after = labelsOf(containerOf(open, "uptime-kuma"));
    const added = Object.keys(after).filter((k) => !(k in before));
    expect(added.length).toBeGreaterThan(0);
    for (const k of added)
      expect(k.startsWith(`traefik.http.routers.${STATUS_ROUTER}.`)).toBe(true);
    for (const k of Object.keys(before)) expect([k, after[k]]).toEqual([k, before[k]]);
    const router = routers(open)[STATUS_ROUTER];
    expect(router.middlewares).not.toContain("authelia@file");
    expect(routers(open)["uptime-kuma"].middlewares).toContain("authelia@file");
  });

  it("opens only what the status page loads", () => {
    const rule = routers(open)[STATUS_ROUTER].rule;
    const host = hostOf(routers(open)["uptime-kuma"].rule);
    expect(host).toBe("status.home.example.com");
    for (const path of [
      "/status/homelab",
      "/api/status-page/homelab",
      "/api/status-page/heartbeat/homelab",
      "/api/status-page/homelab/manifest.json",
      "/assets/index-4f2a.js",
      "/upload/logo1.png",
      "/icon.svg",
    ])
      expect([path, matches(rule, host, path)]).toEqual([path, true]);
    for (const path of [
      "/",
      "/dashboard",
      "/setup",
      "/settings/general",
      "/socket.io/",
      "/metrics",
      "/api/push/abc",
      "/api/badge/1/status",
      "/status/other",
      "/api/status-page/other",
      "/upload/logo1.png.bak",
      "/status/homelab/../../setup",
    ])
      expect([path, matches(rule, host, path)]).toEqual([path, false]);
    expect(matches(rule, "grafana.home.example.com", "/status/homelab")).toBe(false);
  });
});

describe("bad uptime configuration", () => {
  it.each([
    [
      "a value that is not a boolean",
      setObservability(stackConfig(EVERYTHING), { publicStatusPage: "yes" }),
      "homelab:observability.publicStatusPage",
    ],
    [
      "a public status page with Caddy",
      setObservability(stackConfig("good/caddy-two-hosts.yaml"), { publicStatusPage: true }),
      "homelab:observability.publicStatusPage",
    ],
    [
      "a public status page without Uptime Kuma",
      setApp(setObservability(stackConfig(EVERYTHING), { publicStatusPage: true }), "uptime-kuma", {
        enabled: false,
      }),
      "homelab:observability.publicStatusPage",
    ],
    [
      "AutoKuma without Uptime Kuma",
      setApp(stackConfig(EVERYTHING), "uptime-kuma", { enabled: false }),
      "homelab:apps.autokuma.enabled",
    ],
  ])("refuses %s, naming the key, before any resource", async (_what, cfg, key) => {
    const ev = await run(cfg);
    expect(ev.error?.message).toContain(`${key}:`);
    expect(ev.resources).toHaveLength(0);
  });
});

describe("localhost mode", () => {
  it("asks the edge proxy by name with each app's host name", async () => {
    const ev = await run(
      withConfig(stackConfig("good/media-single-box-nvidia.yaml"), (c) => {
        c["homelab:profiles"] = ["core", "media", "observability"];
      }),
    );
    expect(ev.error).toBeUndefined();
    const checks = monitors(ev);
    const routed = appRouters(ev);
    expect(Object.keys(checks).sort()).toEqual(Object.keys(routed).sort());
    for (const [name, router] of Object.entries(routed)) {
      expect(checks[name].url).toBe("http://traefik/");
      expect(JSON.parse(checks[name].headers ?? "{}")).toEqual({ Host: hostOf(router.rule) });
    }
  });
});

describe("with Caddy as the edge proxy", () => {
  it("checks every host the Caddyfile routes, accepting Authelia's redirect where it asks Authelia", async () => {
    const ev = await runCached("good/caddy-two-hosts.yaml");
    expect(ev.error).toBeUndefined();
    const caddy = containerOf(ev, "caddy");
    const uploads = (caddy.inputs.uploads ?? []) as { file: string; content: string }[];
    const text = uploads.find((u) => u.file === CADDYFILE_PATH)?.content ?? "";
    const tree = caddyTree(text);
    const hosts = [...text.matchAll(/^\s*@([a-z0-9-]+) host (\S+)$/gm)].map((m) => ({
      app: m[1],
      host: m[2],
    }));
    expect(hosts.length).toBeGreaterThan(3);
    const checks = monitors(ev);
    expect(Object.keys(checks).sort()).toEqual(hosts.map((h) => h.app).sort());
    for (const { app, host } of hosts) {
      const sso = appRoute(tree, app, "")?.lines.includes("import authelia") ?? false;
      expect([app, checks[app].url, checks[app].accepted_statuscodes]).toEqual([
        app,
        `https://${host}`,
        sso ? ["302"] : ["200-299"],
      ]);
    }
    const kinds = new Set(Object.values(checks).map((c) => c.accepted_statuscodes.join()));
    expect([...kinds].sort()).toEqual(["200-299", "302"]);
  });
});
