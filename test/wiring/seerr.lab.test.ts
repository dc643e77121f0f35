/**
 * Seerr's wiring steps run with the real shells, curl and jq against stand-ins for Seerr and
 * Sonarr/Radarr that keep state and check each body against seerr-api.yml
 * (test/fixtures/api/seerr-3.1.0.json).
 */
import { JELLYFIN_PASSWORD_ENV } from "../../plan/wiring/jellyfin";
import { SEERR_KEY_ENV, seerrJellyfinStep, seerrServarrStep } from "../../plan/wiring/seerr";
import type { WiringStep } from "../../plan/wiring/step";
import { apiSchemas, problems } from "./apiSchema";
import { SHELLS, runStep } from "./run";
import { argvRecorder, json, standIn, type Answer, type Request, type StandIn } from "./standIn";

const schemas = apiSchemas("seerr-3.1.0.json");
const SEERR_KEY = "seerrGeneratedKey0123456789abcdef";
const SONARR_KEY = "sonarrGeneratedKey0123456789abcd";
const PASSWORD = "generatedAdminPassword0123456789";

type Server = Record<string, unknown> & { id: number; apiKey: string };

const state = {
  mediaServerType: 4,
  initialized: false,
  users: [] as string[],
  /** What a sync reads from Jellyfin (its libraries of films and series). */
  jellyfinLibraries: [] as { id: string; name: string }[],
  libraries: [] as { id: string; name: string; enabled: boolean }[],
  sonarr: [] as Server[],
  profiles: [
    { id: 1, name: "Any" },
    { id: 4, name: "HD-1080p" },
  ],
  /** Calls that change Seerr's settings. */
  writes: [] as string[],
};

function invalid(name: string, value: unknown): Answer | undefined {
  const p = problems(schemas[name], value);
  return p.length > 0 ? { status: 400, body: { message: p.join("; ") } } : undefined;
}

function sonarr(req: Request, path: string): Answer {
  if (path === "/ping") return { status: 200, body: { status: "OK" } };
  if (req.headers["x-api-key"] !== SONARR_KEY) return { status: 401 };
  if (path === "/api/v3/qualityprofile") return { status: 200, body: state.profiles };
  return { status: 404 };
}

/** Jellyfin, which the setup step waits for: anonymous health and wizard state. */
function jellyfin(path: string): Answer {
  if (path === "/health") return { status: 200 };
  if (path === "/System/Info/Public")
    return { status: 200, body: { StartupWizardCompleted: true } };
  return { status: 404 };
}

function seerr(req: Request, path: string): Answer {
  const { method } = req;
  if (path === "/api/v1/status") return { status: 200, body: { version: "3.4.1" } };
  if (path === "/api/v1/settings/public")
    return {
      status: 200,
      body: { initialized: state.initialized, mediaServerType: state.mediaServerType },
    };
  if (method === "POST" && path === "/api/v1/auth/jellyfin") {
    const body = json(req);
    const bad = invalid("AuthJellyfin", body);
    if (bad) return bad;
    const b = body as { username: string; password: string; hostname?: string };
    if (state.mediaServerType !== 4 && b.hostname)
      return { status: 500, body: { error: "Jellyfin hostname already configured" } };
    if (b.password !== PASSWORD) return { status: 401, body: { message: "INVALID_CREDENTIALS" } };
    if (state.users.length === 0) state.users.push(b.username);
    state.mediaServerType = 2;
    state.writes.push("auth");
    return { status: 200, body: { id: 1 } };
  }
  // The key acts as user 1, who exists only after the first sign-in.
  if (req.headers["x-api-key"] !== SEERR_KEY || state.users.length === 0) return { status: 403 };
  if (path === "/api/v1/settings/jellyfin")
    return { status: 200, body: { libraries: state.libraries } };
  if (path === "/api/v1/settings/jellyfin/library") {
    if (req.query.get("sync")) {
      if (state.jellyfinLibraries.length === 0)
        return { status: 404, body: { message: "SYNC_ERROR_NO_LIBRARIES" } };
      state.libraries = state.jellyfinLibraries.map((l) => ({
        ...l,
        enabled: state.libraries.find((x) => x.id === l.id)?.enabled ?? false,
      }));
    }
    // As the real route: every library not named in `enable` is disabled.
    const enable = (req.query.get("enable") ?? "").split(",");
    state.libraries = state.libraries.map((l) => ({ ...l, enabled: enable.includes(l.id) }));
    state.writes.push("libraries");
    return { status: 200, body: state.libraries };
  }
  if (method === "POST" && path === "/api/v1/settings/initialize") {
    state.initialized = true;
    state.writes.push("initialize");
    return { status: 200, body: { initialized: true } };
  }
  if (path === "/api/v1/settings/sonarr") {
    if (method === "GET") return { status: 200, body: state.sonarr };
    const body = json(req);
    const bad = invalid("SonarrSettings", body);
    if (bad) return bad;
    const created = { ...(body as Server), id: state.sonarr.length };
    state.sonarr.push(created);
    state.writes.push("sonarr POST");
    return { status: 201, body: created };
  }
  const m = /^\/api\/v1\/settings\/sonarr\/(\d+)$/.exec(path);
  if (m && method === "PUT") {
    const body = json(req);
    const bad = invalid("SonarrSettings", body);
    if (bad) return bad;
    const id = Number(m[1]);
    state.sonarr = state.sonarr.map((s) => (s.id === id ? { ...(body as Server), id } : s));
    state.writes.push("sonarr PUT");
    return { status: 200, body: state.sonarr[id] };
  }
  return { status: 404 };
}

let api: StandIn;
beforeAll(
  async () =>
    (api = await standIn((req) => {
      const [, app, ...rest] = req.path.split("/");
      const path = `/${rest.join("/")}`;
      return app === "seerr"
        ? seerr(req, path)
        : app === "sonarr"
          ? sonarr(req, path)
          : app === "jellyfin"
            ? jellyfin(path)
            : { status: 404 };
    })),
);
afterAll(() => api.close());
beforeEach(() => {
  Object.assign(state, {
    mediaServerType: 4,
    initialized: false,
    users: [],
    jellyfinLibraries: [
      { id: "m1", name: "Movies" },
      { id: "s1", name: "Shows" },
    ],
    libraries: [],
    sonarr: [],
    writes: [],
  });
});

const here = (step: WiringStep): WiringStep => ({
  ...step,
  script: step.script
    .replaceAll("http://seerr:5055", `${api.base}/seerr`)
    .replaceAll("http://sonarr:8989", `${api.base}/sonarr`)
    .replaceAll("http://127.0.0.1:8096", `${api.base}/jellyfin`),
});
const SONARR = {
  kind: "sonarr",
  host: "sonarr",
  port: 8989,
  keyEnv: "SONARR_API_KEY",
  rootFolder: "/data/media/tv",
} as const;

describe.each(Object.keys(SHELLS))("Seerr's wiring under %s", (shell) => {
  const setup = () =>
    runStep(
      here(seerrJellyfinStep("jellyfin")),
      { [JELLYFIN_PASSWORD_ENV]: PASSWORD, [SEERR_KEY_ENV]: SEERR_KEY },
      SHELLS[shell],
    );
  const servarr = (key = SONARR_KEY) =>
    runStep(
      here(seerrServarrStep("jellyfin", SONARR)),
      { [SEERR_KEY_ENV]: SEERR_KEY, SONARR_API_KEY: key },
      SHELLS[shell],
    );

  it("makes Jellyfin's admin Seerr's admin, enables the libraries and ends the wizard, once", async () => {
    const first = await setup();
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(state).toMatchObject({ users: ["admin"], mediaServerType: 2, initialized: true });
    expect(state.libraries).toEqual([
      { id: "m1", name: "Movies", enabled: true },
      { id: "s1", name: "Shows", enabled: true },
    ]);
    expect(state.writes).toEqual(["auth", "libraries", "libraries", "initialize"]);
    state.writes = [];
    expect((await setup()).status).toBe(0);
    expect(state.writes).toEqual([]);
  });

  it("keeps the libraries the owner chose", async () => {
    await setup();
    state.libraries = state.libraries.map((l) => ({ ...l, enabled: l.id === "s1" }));
    state.writes = [];
    expect((await setup()).status).toBe(0);
    expect(state.libraries.filter((l) => l.enabled).map((l) => l.name)).toEqual(["Shows"]);
    expect(state.writes).toEqual([]);
  });

  it("leaves a Seerr set up with Plex alone", async () => {
    state.mediaServerType = 1;
    const r = await setup();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("left as it is");
    expect(state.writes).toEqual([]);
  });

  it("adds Sonarr with its key, the HD-1080p profile and the TV folder, once", async () => {
    await setup();
    state.writes = [];
    const first = await servarr();
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(state.sonarr).toEqual([
      {
        id: 0,
        name: "Sonarr",
        hostname: "sonarr",
        port: 8989,
        apiKey: SONARR_KEY,
        useSsl: false,
        baseUrl: "",
        activeProfileId: 4,
        activeProfileName: "HD-1080p",
        activeDirectory: "/data/media/tv",
        is4k: false,
        enableSeasonFolders: true,
        isDefault: true,
        syncEnabled: true,
        preventSearch: false,
      },
    ]);
    state.writes = [];
    expect((await servarr()).status).toBe(0);
    expect(state.writes).toEqual([]);
  });

  it("brings back a changed key and keeps the profile and folder the owner picked", async () => {
    await setup();
    await servarr();
    state.sonarr[0] = {
      ...state.sonarr[0],
      apiKey: "stale",
      activeProfileId: 1,
      activeProfileName: "Any",
      activeDirectory: "/data/media/anime",
    };
    expect((await servarr()).status).toBe(0);
    expect(state.sonarr[0]).toMatchObject({
      apiKey: SONARR_KEY,
      activeProfileId: 1,
      activeProfileName: "Any",
      activeDirectory: "/data/media/anime",
    });
  });

  it("puts no key or password in the arguments of curl, jq, sed or awk", async () => {
    const argv = argvRecorder();
    const env = { PATH: argv.path };
    const all = { [JELLYFIN_PASSWORD_ENV]: PASSWORD, [SEERR_KEY_ENV]: SEERR_KEY };
    const a = await runStep(here(seerrJellyfinStep("jellyfin")), all, SHELLS[shell], env);
    const b = await runStep(
      here(seerrServarrStep("jellyfin", SONARR)),
      { [SEERR_KEY_ENV]: SEERR_KEY, SONARR_API_KEY: SONARR_KEY },
      SHELLS[shell],
      env,
    );
    const log = argv.log();
    argv.remove();
    expect([a.status, b.status]).toEqual([0, 0]);
    expect(state.sonarr).toHaveLength(1);
    expect(log).toContain("-K");
    for (const secret of [PASSWORD, SEERR_KEY, SONARR_KEY]) expect(log).not.toContain(secret);
  });

  it("fails naming the app, the step and the refused call", async () => {
    await setup();
    const r = await servarr("wrong");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `homelab wiring: seerr: sonarr: GET ${api.base}/sonarr/api/v3/qualityprofile: HTTP 401: \n`,
    );
    expect(state.sonarr).toEqual([]);
  });
});
