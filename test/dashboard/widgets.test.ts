import { parse } from "yaml";
import {
  container,
  containers,
  envOf,
  hostFileContent,
  labelsOf,
  ofType,
  run,
  runCached,
  stackConfig,
  withConfig,
} from "../helpers/harness";
import type { Evaluation, RegisteredResource } from "../../scripts/evaluate";

const PASSWORD = "random:index/randomPassword:RandomPassword";

/** Apps whose API key the program generates: their `<app>-apiKey` random resources. */
function appsWithKey(ev: Evaluation): string[] {
  return ofType(ev, PASSWORD)
    .map((r) => /^(.+)-apiKey$/.exec(r.name)?.[1])
    .filter((a): a is string => a !== undefined)
    .sort();
}

type Widget = { type: string; url: string; key: string };

/** The widget Homepage shows for an app: from its labels, or from the generated services file. */
function widgetOf(ev: Evaluation, app: string): Widget | undefined {
  const labels = labelsOf(container(ev, app));
  if (labels["homepage.widget.type"])
    return {
      type: labels["homepage.widget.type"],
      url: labels["homepage.widget.url"],
      key: labels["homepage.widget.key"],
    };
  const doc = parse(hostFileContent(ev, "homepage-services-yaml")) as Record<
    string,
    Record<string, { href: string; widget?: Widget }>[]
  >[];
  const href = labels["homelab.url"];
  for (const group of doc)
    for (const entries of Object.values(group))
      for (const entry of entries)
        for (const item of Object.values(entry)) if (item.href === href) return item.widget;
  return undefined;
}

/** The values a container is given: env values and uploaded file contents. */
function givenValues(c: RegisteredResource): string[] {
  const uploads = (c.inputs.uploads ?? []) as { content?: string }[];
  return [...Object.values(envOf(c)), ...uploads.map((u) => u.content ?? "")];
}

/** The secret a HostFile writes from stdin, by the path of its file. */
function keyFileAt(ev: Evaluation, pathEnd: string): string | undefined {
  const write = ev.resources.find(
    (r) =>
      r.name.startsWith("homepage-keys-") &&
      r.name.endsWith("-write") &&
      String(r.inputs.create).includes(pathEnd),
  );
  return write ? String(write.inputs.stdin) : undefined;
}

function networksOf(c: RegisteredResource): string[] {
  return ((c.inputs.networksAdvanced ?? []) as { name: string }[]).map((n) => n.name);
}

describe.each(["good/everything.yaml", "good/lab-one-host.yaml"])("%s", (stack) => {
  it("shows a widget for every app whose API key is generated, reading the app's own key", async () => {
    const ev = await runCached(stack);
    const apps = appsWithKey(ev);
    expect(apps.length).toBeGreaterThanOrEqual(4);
    const homepage = container(ev, "homepage");
    const homepageEnv = envOf(homepage);
    for (const app of apps) {
      const widget = widgetOf(ev, app);
      expect({ app, widget }).toEqual({ app, widget: expect.objectContaining({ type: app }) });
      if (!widget) continue;
      const variable = /^\{\{(HOMEPAGE_FILE_[A-Z0-9_]+)\}\}$/.exec(widget.key)?.[1];
      expect({ app, variable }).toEqual({ app, variable: expect.any(String) });
      const path = homepageEnv[variable ?? ""];
      expect({ app, path }).toEqual({ app, path: expect.stringMatching(/^\/app\/config\//) });
      // The file Homepage reads holds the key the app itself was given.
      const key = keyFileAt(ev, path.slice("/app/config".length));
      expect(key).toMatch(/^mock-/);
      expect(givenValues(container(ev, app))).toContain(key);
    }
  });

  it("points each widget at an address Homepage reaches", async () => {
    const ev = await runCached(stack);
    const homepage = container(ev, "homepage");
    const homepageHost = labelsOf(homepage)["homelab.host"];
    for (const app of appsWithKey(ev)) {
      const c = container(ev, app);
      const url = new URL(widgetOf(ev, app)?.url ?? "");
      if (labelsOf(c)["homelab.host"] === homepageHost) {
        // Same host: by container name on a network both containers join.
        expect(url.hostname).toBe(c.inputs.name);
        const shared = networksOf(c).filter((n) => networksOf(homepage).includes(n));
        expect({ app, shared }).toEqual({
          app,
          shared: expect.arrayContaining([expect.any(String)]),
        });
      } else {
        // Another host: the port the app publishes on that host's LAN address.
        const ports = (c.inputs.ports ?? []) as { external: number; ip?: string }[];
        expect(ports).toContainEqual(
          expect.objectContaining({ external: Number(url.port), ip: url.hostname }),
        );
      }
    }
  });

  it("puts no key in any label, env var or command line, and Homepage gets only file paths", async () => {
    const ev = await runCached(stack);
    const keys = appsWithKey(ev).map((app) => keyFileAt(ev, `/${app}.apiKey`));
    expect(keys.every((k) => typeof k === "string" && k.startsWith("mock-"))).toBe(true);
    for (const c of containers(ev)) {
      const exposed = [
        ...Object.values(labelsOf(c)),
        ...((c.inputs.command ?? []) as string[]),
        ...((c.inputs.entrypoints ?? []) as string[]),
      ].join("\n");
      for (const key of keys)
        expect({ c: c.name, leaks: exposed.includes(String(key)) }).toEqual({
          c: c.name,
          leaks: false,
        });
    }
    const homepageEnv = Object.values(envOf(container(ev, "homepage"))).join("\n");
    for (const key of keys) expect(homepageEnv.includes(String(key))).toBe(false);
    // Nor in the command lines of the host-file writes (they read the key from stdin).
    const scripts = ev.resources
      .filter((r) => r.type.startsWith("command:"))
      .map((r) => `${String(r.inputs.create)}\n${String(r.inputs.update)}`)
      .join("\n");
    for (const key of keys) expect(scripts.includes(String(key))).toBe(false);
  });
});

describe("adding an app with a widget", () => {
  it("leaves Homepage's container as it was: only the app's key file gets its key", async () => {
    const withSab = await runCached("good/everything.yaml");
    const without = await run(
      withConfig(stackConfig("good/everything.yaml"), (c) => {
        const apps = c["homelab:apps"] as Record<string, unknown>;
        delete apps.sabnzbd;
      }),
    );
    expect(without.error).toBeUndefined();
    expect(container(without, "homepage").inputs).toEqual(container(withSab, "homepage").inputs);
    const keyFile = (ev: Evaluation) =>
      ev.resources.find((r) => r.name === "homepage-keys-sabnzbd-apiKey-write");
    expect(keyFile(without)?.inputs.stdin).toBe("");
    expect(keyFile(withSab)?.inputs.stdin).toMatch(/^mock-/);
  });
});
