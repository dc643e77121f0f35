/**
 * Bazarr's wiring steps run with the real shells, curl and jq against a stand-in that keeps
 * Bazarr's settings, takes its settings form as save_settings does and checks the form's
 * fields (test/fixtures/api/bazarr-1.5.3.json); the key is read from a real config.yaml.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bazarrServarrStep } from "../../plan/wiring/bazarr";
import type { WiringStep } from "../../plan/wiring/step";
import { apiSchemas, problems } from "./apiSchema";
import { SHELLS, runStep } from "./run";
import { argvRecorder, standIn, writes, type Answer, type Request, type StandIn } from "./standIn";

const schemas = apiSchemas("bazarr-1.5.3.json");
const BAZARR_KEY = "0123456789abcdef0123456789abcdef";
const SONARR_KEY = "sonarrGeneratedKey0123456789abcd";

type Settings = Record<string, Record<string, unknown>>;
let settings: Settings;
const defaults = (): Settings => ({
  general: { use_sonarr: false, use_radarr: false, theme: "auto" },
  sonarr: { ip: "127.0.0.1", port: 8989, base_url: "/", ssl: false, apikey: "" },
  radarr: { ip: "127.0.0.1", port: 7878, base_url: "/", ssl: false, apikey: "" },
});

/** save_settings: `settings-<section>-<key>`, 'true'/'false' to booleans, digits to integers. */
function save(form: URLSearchParams): void {
  for (const [field, raw] of form) {
    const [, section, key] = field.split("-");
    const value =
      raw === "true" ? true : raw === "false" ? false : /^\d+$/.test(raw) ? Number(raw) : raw;
    settings[section] = { ...settings[section], [key]: value };
  }
}

function bazarr(req: Request): Answer {
  if (req.path === "/") return { status: 200 };
  if (req.headers["x-api-key"] !== BAZARR_KEY) return { status: 401, body: "Unauthorized" };
  if (req.path !== "/api/system/settings") return { status: 404 };
  if (req.method === "GET") return { status: 200, body: settings };
  if (req.headers["content-type"] !== "application/x-www-form-urlencoded")
    return { status: 400, body: "not a form" };
  const form = new URLSearchParams(req.body);
  const p = problems(schemas.SettingsForm, Object.fromEntries(form));
  if (p.length > 0) return { status: 406, body: p.join("; ") };
  save(form);
  return { status: 204 };
}

let api: StandIn;
const dir = mkdtempSync(join(tmpdir(), "bazarr-config-"));
const config = join(dir, "config.yaml");
beforeAll(async () => (api = await standIn(bazarr)));
afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  api.seen.length = 0;
  settings = defaults();
  // As Bazarr writes it (dynaconf's yaml): sections at the left margin, keys indented.
  writeFileSync(
    config,
    `analytics:\n  enabled: true\nauth:\n  apikey: ${BAZARR_KEY}\n  type: null\ngeneral:\n  ip: '*'\n`,
  );
});

const here = (step: WiringStep): WiringStep => ({
  ...step,
  script: step.script.replaceAll("http://127.0.0.1:6767", api.base),
});
const SONARR = { kind: "sonarr", host: "sonarr", port: 8989, keyEnv: "SONARR_API_KEY" } as const;

describe.each(Object.keys(SHELLS))("Bazarr's wiring under %s", (shell) => {
  const run = () =>
    runStep(here(bazarrServarrStep(SONARR)), { SONARR_API_KEY: SONARR_KEY }, SHELLS[shell], {
      BAZARR_CONFIG: config,
    });

  it("switches Sonarr on at sonarr:8989 with its key, once", async () => {
    const first = await run();
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(settings.general.use_sonarr).toBe(true);
    expect(settings.sonarr).toEqual({
      ip: "sonarr",
      port: 8989,
      base_url: "/",
      ssl: false,
      apikey: SONARR_KEY,
    });
    expect(settings.general.use_radarr).toBe(false);
    api.seen.length = 0;
    expect((await run()).status).toBe(0);
    expect(writes(api.seen)).toEqual([]);
  });

  it("puts neither key in the arguments of curl, jq, sed or awk", async () => {
    const argv = argvRecorder();
    const r = await runStep(
      here(bazarrServarrStep(SONARR)),
      { SONARR_API_KEY: SONARR_KEY },
      SHELLS[shell],
      { BAZARR_CONFIG: config, PATH: argv.path },
    );
    const log = argv.log();
    argv.remove();
    expect(r.status).toBe(0);
    expect(settings.sonarr.apikey).toBe(SONARR_KEY);
    // Under dash awk read config.yaml through the wrapper (busybox sh runs its own applet).
    if (shell === "dash") expect(log).toContain("/^auth:/");
    expect(log).not.toContain(SONARR_KEY);
    expect(log).not.toContain(BAZARR_KEY);
  });

  it("keeps what the owner set beyond the connection", async () => {
    settings.sonarr.base_url = "/sonarr";
    settings.general.theme = "dark";
    await run();
    expect(settings.sonarr).toMatchObject({ base_url: "/sonarr", apikey: SONARR_KEY });
    expect(settings.general.theme).toBe("dark");
  });

  it("fails naming the app, the step and Bazarr's answer when its key is not the one in config.yaml", async () => {
    writeFileSync(config, "auth:\n  apikey: 'not-the-key'\n");
    const r = await run();
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `homelab wiring: bazarr: sonarr: GET ${api.base}/api/system/settings: HTTP 401: "Unauthorized"\n`,
    );
    expect(settings.general.use_sonarr).toBe(false);
  });
});
