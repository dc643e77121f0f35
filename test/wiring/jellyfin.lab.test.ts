/**
 * Jellyfin's wiring steps run with the real shells, curl and jq against a stand-in that keeps
 * Jellyfin's state and checks each body against the DTOs of v10.11.11
 * (test/fixtures/api/jellyfin-10.11.11.json).
 */
import {
  JELLYFIN_PASSWORD_ENV,
  jellyfinHardwareStep,
  jellyfinLibrariesStep,
} from "../../plan/wiring/jellyfin";
import type { WiringStep } from "../../plan/wiring/step";
import { apiSchemas, problems } from "./apiSchema";
import { SHELLS, runStep } from "./run";
import { json, standIn, writes, type Answer, type Request, type StandIn } from "./standIn";

const schemas = apiSchemas("jellyfin-10.11.11.json");
const PASSWORD = "generatedAdminPassword0123456789";

interface Folder {
  Name: string;
  CollectionType: string;
  Locations: string[];
}

/** Jellyfin's state: the admin's password, its libraries, its encoding options. */
const state = {
  password: PASSWORD,
  wizardDone: true,
  folders: [] as Folder[],
  encoding: {} as Record<string, unknown>,
};
const TOKEN = "session-token-1";

function invalid(name: string, value: unknown): Answer | undefined {
  const p = problems(schemas[name], value);
  return p.length > 0 ? { status: 400, body: { errors: p } } : undefined;
}

function jellyfin(req: Request): Answer {
  const { method, path } = req;
  if (path === "/health") return { status: 200 };
  if (path === "/System/Info/Public")
    return { status: 200, body: { StartupWizardCompleted: state.wizardDone } };
  const auth = String(req.headers.authorization ?? "");
  if (!/^MediaBrowser Client="[^"]+", Device="[^"]+", DeviceId="[^"]+", Version="[^"]+"/.test(auth))
    return { status: 401 };
  if (method === "POST" && path === "/Users/AuthenticateByName") {
    const body = json(req);
    const bad = invalid("AuthenticateUserByName", body);
    if (bad) return bad;
    const b = body as { Username: string; Pw: string };
    if (b.Username !== "admin" || b.Pw !== state.password) return { status: 401 };
    return { status: 200, body: { AccessToken: TOKEN, User: { Name: "admin" } } };
  }
  if (!auth.includes(`Token="${TOKEN}"`)) return { status: 401 };
  if (method === "GET" && path === "/Library/VirtualFolders")
    return { status: 200, body: state.folders };
  if (method === "POST" && path === "/Library/VirtualFolders") {
    const query = Object.fromEntries(req.query);
    const bad =
      invalid("AddVirtualFolderQuery", query) ?? invalid("AddVirtualFolderDto", json(req));
    if (bad) return bad;
    if (state.folders.some((f) => f.Name === query.name))
      return { status: 400, body: "A media library with the name already exists" };
    state.folders.push({
      Name: query.name,
      CollectionType: query.collectionType,
      Locations: query.paths.split(","),
    });
    return { status: 204 };
  }
  if (method === "POST" && path === "/Library/VirtualFolders/Paths") {
    const body = json(req);
    const bad = invalid("MediaPathDto", body);
    if (bad) return bad;
    const b = body as { Name: string; PathInfo: { Path: string } };
    const folder = state.folders.find((f) => f.Name === b.Name);
    if (!folder) return { status: 404 };
    folder.Locations.push(b.PathInfo.Path);
    return { status: 204 };
  }
  if (path === "/System/Configuration/encoding") {
    if (method === "GET") return { status: 200, body: state.encoding };
    const body = json(req);
    const bad = invalid("EncodingOptions", body);
    if (bad) return bad;
    state.encoding = body as Record<string, unknown>;
    return { status: 204 };
  }
  return { status: 404 };
}

/** v10.11.11's EncodingOptions defaults (the constructor in EncodingOptions.cs), in part. */
const DEFAULT_ENCODING = {
  EncodingThreadCount: -1,
  HardwareAccelerationType: "none",
  VaapiDevice: "/dev/dri/renderD128",
  QsvDevice: "",
  EnableTonemapping: false,
  EnableHardwareEncoding: true,
  HardwareDecodingCodecs: ["h264", "vc1"],
  EncoderPreset: null,
};

let api: StandIn;
beforeAll(async () => (api = await standIn(jellyfin)));
afterAll(() => api.close());
beforeEach(() => {
  api.seen.length = 0;
  state.password = PASSWORD;
  state.wizardDone = true;
  state.folders = [];
  state.encoding = structuredClone(DEFAULT_ENCODING);
});

const here = (step: WiringStep): WiringStep => ({
  ...step,
  script: step.script.replaceAll("http://127.0.0.1:8096", api.base),
});
const secrets = { [JELLYFIN_PASSWORD_ENV]: PASSWORD };

describe.each(Object.keys(SHELLS))("Jellyfin's wiring under %s", (shell) => {
  const run = (step: WiringStep) => runStep(here(step), secrets, SHELLS[shell]);

  it("creates Movies, Shows and Music once, and a second run writes nothing", async () => {
    const first = await run(jellyfinLibrariesStep("jellyfin", "/data/media"));
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(state.folders).toEqual([
      { Name: "Movies", CollectionType: "movies", Locations: ["/data/media/movies"] },
      { Name: "Shows", CollectionType: "tvshows", Locations: ["/data/media/tv"] },
      { Name: "Music", CollectionType: "music", Locations: ["/data/media/music"] },
    ]);
    api.seen.length = 0;
    const second = await run(jellyfinLibrariesStep("jellyfin", "/data/media"));
    expect(second.status).toBe(0);
    expect(writes(api.seen, ["/AuthenticateByName"])).toEqual([]);
  });

  it("leaves a library the owner renamed, and adds the folder to one of the same name", async () => {
    state.folders = [
      { Name: "Films", CollectionType: "movies", Locations: ["/data/media/movies"] },
      { Name: "Music", CollectionType: "music", Locations: ["/data/media/music/flac"] },
    ];
    const run1 = await run(jellyfinLibrariesStep("jellyfin", "/data/media"));
    expect(run1.stderr).toBe("");
    expect(state.folders).toEqual([
      { Name: "Films", CollectionType: "movies", Locations: ["/data/media/movies"] },
      {
        Name: "Music",
        CollectionType: "music",
        Locations: ["/data/media/music/flac", "/data/media/music"],
      },
      { Name: "Shows", CollectionType: "tvshows", Locations: ["/data/media/tv"] },
    ]);
  });

  it("fails naming the app, the step and Jellyfin's answer when the admin password was changed", async () => {
    state.password = "the owner's own";
    const r = await run(jellyfinLibrariesStep("jellyfin", "/data/media"));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `homelab wiring: jellyfin: libraries: POST ${api.base}/Users/AuthenticateByName: HTTP 401: \n`,
    );
    expect(state.folders).toEqual([]);
  });

  it("turns VA-API on for an Intel host, keeping every other encoding setting", async () => {
    state.encoding.EnableTonemapping = true; // the owner's
    const r = await run(jellyfinHardwareStep("jellyfin", "intel"));
    expect(r.stderr).toBe("");
    expect(state.encoding).toEqual({
      ...DEFAULT_ENCODING,
      EnableTonemapping: true,
      HardwareAccelerationType: "vaapi",
      VaapiDevice: "/dev/dri/renderD128",
    });
    api.seen.length = 0;
    expect((await run(jellyfinHardwareStep("jellyfin", "intel"))).status).toBe(0);
    expect(writes(api.seen, ["/AuthenticateByName"])).toEqual([]);
  });

  it("keeps Quick Sync the owner chose on Intel, but moves an NVIDIA host to NVENC", async () => {
    state.encoding.HardwareAccelerationType = "qsv";
    expect((await run(jellyfinHardwareStep("jellyfin", "intel"))).status).toBe(0);
    expect(state.encoding.HardwareAccelerationType).toBe("qsv");
    expect(writes(api.seen, ["/AuthenticateByName"])).toEqual([]);
    expect((await run(jellyfinHardwareStep("jellyfin", "nvidia"))).status).toBe(0);
    expect(state.encoding.HardwareAccelerationType).toBe("nvenc");
  });

  it("goes back to software on a host without a GPU", async () => {
    state.encoding.HardwareAccelerationType = "vaapi";
    expect((await run(jellyfinHardwareStep("jellyfin", "none"))).status).toBe(0);
    expect(state.encoding.HardwareAccelerationType).toBe("none");
  });
});
