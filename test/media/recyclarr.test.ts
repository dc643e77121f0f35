/**
 * Recyclarr, opt-in: syncs TRaSH's quality profiles and sizes into the Sonarr and Radarr that
 * run, reaching them by container name with their generated keys, which it reads from its env
 * (`!env_var`) so its recyclarr.yml holds no secret.
 */
import { parse } from "yaml";
import { ConfigError } from "../../config/errors";
import type { Evaluation, RegisteredResource } from "../../scripts/evaluate";
import {
  container,
  containers,
  envOf,
  labelsOf,
  run,
  runCached,
  stackConfig,
  withConfig,
} from "../helpers/harness";

const EVERYTHING = "good/everything.yaml";
const CONFIG = "/config/recyclarr.yml";

interface Upload {
  file: string;
  content: string;
}

/** `!env_var NAME` as Recyclarr resolves it: the value of NAME in its env. */
const ENV_VAR = {
  tag: "!env_var",
  resolve: (name: string) => ({ env: name }),
};

type Instance = {
  base_url: string;
  api_key: { env: string };
  quality_definition: { type: string };
  quality_profiles: { trash_id: string }[];
};

function recyclarrYml(c: RegisteredResource): Record<string, Record<string, Instance>> {
  const ups = (c.inputs.uploads ?? []) as Upload[];
  const file = ups.find((u) => u.file === CONFIG);
  if (!file) throw new Error(`${c.name}: no upload ${CONFIG}`);
  return parse(file.content, { customTags: [ENV_VAR] }) as Record<string, Record<string, Instance>>;
}

function enabled(edit?: (apps: Record<string, Record<string, unknown>>) => void) {
  return withConfig(stackConfig(EVERYTHING), (c) => {
    const apps = c["homelab:apps"] as Record<string, Record<string, unknown>>;
    apps.recyclarr = { enabled: true };
    edit?.(apps);
  });
}

function secrets(ev: Evaluation): Record<string, string> {
  return ev.outputs.generatedSecrets as Record<string, string>;
}

describe("Recyclarr is opt-in", () => {
  it("is not deployed by the media profile alone", async () => {
    const ev = await runCached(EVERYTHING);
    expect(containers(ev).map((c) => c.name)).not.toContain("recyclarr");
  });

  it("runs on the tree's host next to Sonarr and Radarr once enabled", async () => {
    const ev = await run(enabled());
    expect(ev.error).toBeUndefined();
    expect(labelsOf(container(ev, "recyclarr"))["homelab.host"]).toBe(
      labelsOf(container(ev, "sonarr"))["homelab.host"],
    );
  });

  it("is refused without Sonarr and Radarr, naming the key, with nothing registered", async () => {
    const ev = await run(
      enabled((apps) => {
        apps.sonarr = { enabled: false };
        apps.radarr = { enabled: false };
      }),
    );
    expect(ev.error).toBeInstanceOf(ConfigError);
    expect((ev.error as ConfigError).issues.map((i) => i.key)).toEqual([
      "homelab:apps.recyclarr.enabled",
    ]);
    expect(ev.resources).toEqual([]);
  });
});

describe("Recyclarr's configuration", () => {
  let ev: Evaluation;
  beforeAll(async () => {
    ev = await run(enabled());
    if (ev.error) throw ev.error;
  });

  it("points at Sonarr and Radarr by container name, with TRaSH's 1080p profiles and sizes", () => {
    const yml = recyclarrYml(container(ev, "recyclarr"));
    expect(yml.sonarr.sonarr).toEqual({
      base_url: "http://sonarr:8989",
      api_key: { env: "SONARR_API_KEY" },
      quality_definition: { type: "series" },
      // TRaSH-Guides docs/json/sonarr/quality-profiles/web-1080p.json
      quality_profiles: [{ trash_id: "72dae194fc92bf828f32cde7744e51a1" }],
    });
    expect(yml.radarr.radarr).toEqual({
      base_url: "http://radarr:7878",
      api_key: { env: "RADARR_API_KEY" },
      quality_definition: { type: "movie" },
      // TRaSH-Guides docs/json/radarr/quality-profiles/hd-bluray-web.json
      quality_profiles: [{ trash_id: "d1d67249d3890e49bc12e275d989a7e9" }],
    });
  });

  it("gets each app's generated key as secret env only, never in the file", () => {
    const c = container(ev, "recyclarr");
    const env = envOf(c);
    expect(env.SONARR_API_KEY).toBe(secrets(ev)["sonarr.apiKey"]);
    expect(env.RADARR_API_KEY).toBe(secrets(ev)["radarr.apiKey"]);
    expect(c.secretPaths).toContain("envs");
    // Declared for the policy pack, which refuses secret-looking env it was not told about.
    expect(labelsOf(c)["homelab.secretEnv"].split(",").sort()).toEqual([
      "RADARR_API_KEY",
      "SONARR_API_KEY",
    ]);
    const ups = (c.inputs.uploads ?? []) as Upload[];
    const file = ups.find((u) => u.file === CONFIG)?.content ?? "";
    expect(file).not.toContain(secrets(ev)["sonarr.apiKey"]);
    expect(file).not.toContain(secrets(ev)["radarr.apiKey"]);
    expect(Object.values(labelsOf(c)).join("\n")).not.toContain(secrets(ev)["sonarr.apiKey"]);
  });

  it("names only the apps that run", async () => {
    const only = await run(enabled((apps) => (apps.radarr = { enabled: false })));
    if (only.error) throw only.error;
    const c = container(only, "recyclarr");
    expect(Object.keys(recyclarrYml(c))).toEqual(["sonarr"]);
    expect(Object.keys(envOf(c))).not.toContain("RADARR_API_KEY");
  });
});
