/**
 * Jellyfin's and qBittorrent's wiring scripts, run by a real shell with the real curl and jq
 * against stand-ins that answer as the sources at the pinned versions describe:
 * - Jellyfin (jellyfin/jellyfin@v10.11.11): a token only from /Users/AuthenticateByName with
 *   the client's `MediaBrowser` header and `{Username, Pw}`; libraries through
 *   /Library/VirtualFolders with `collectionType` from CollectionTypeOptions; the encoding
 *   configuration as one object, `HardwareAccelerationType` from its enum.
 * - qBittorrent (qbittorrent/qBittorrent@release-5.2.3 appcontroller.cpp): preferences as a
 *   `json` form field, unknown keys ignored, the password never returned.
 */
import * as http from "node:http";
import { ADMIN_PASSWORD_ENV } from "../../catalog/firstRun";
import { hardwareAccelerationStep, librariesStep } from "../../plan/wiring/jellyfin";
import { webUiPasswordStep } from "../../plan/wiring/qbittorrent";
import { SHELLS, runStep } from "./run";

type Handler = (req: http.IncomingMessage, url: URL, body: string) => [number, unknown];

function serve(port: number, handler: Handler): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const [status, answer] = handler(req, new URL(req.url ?? "/", "http://x"), body);
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(typeof answer === "string" ? answer : JSON.stringify(answer));
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}
const close = (s: http.Server) => new Promise((resolve) => s.close(resolve));

const COLLECTION_TYPES = [
  "movies",
  "tvshows",
  "music",
  "musicvideos",
  "homevideos",
  "boxsets",
  "books",
  "mixed",
];
const ACCELERATION = ["none", "amf", "qsv", "nvenc", "v4l2m2m", "vaapi", "videotoolbox", "rkmpp"];
const PASSWORD = "adminPassw0rd0000000000000000000";

class JellyfinStandin {
  folders: { Name: string; CollectionType: string; Locations: string[] }[] = [];
  encoding: Record<string, unknown> = {
    HardwareAccelerationType: "none",
    VaapiDevice: "/dev/dri/renderD128",
    EnableHardwareEncoding: true,
    EnableTonemapping: false,
  };
  writes: string[] = [];

  handle: Handler = (req, url, body) => {
    const auth = String(req.headers.authorization ?? "");
    const client =
      /^MediaBrowser Client="[^"]+", Device="[^"]+", DeviceId="[^"]+", Version="[^"]+"/;
    if (url.pathname === "/health") return [200, "Healthy"];
    if (url.pathname === "/Users/AuthenticateByName" && req.method === "POST") {
      if (!client.test(auth)) return [400, "no client"];
      const b = JSON.parse(body) as { Username?: string; Pw?: string };
      if (b.Username !== "admin" || b.Pw !== PASSWORD) return [401, "bad login"];
      return [200, { AccessToken: "tok3n", User: { Name: "admin" } }];
    }
    if (!client.test(auth) || !auth.endsWith(', Token="tok3n"')) return [401, "no token"];
    if (url.pathname === "/Library/VirtualFolders" && req.method === "GET")
      return [200, this.folders];
    if (url.pathname === "/Library/VirtualFolders" && req.method === "POST") {
      const type = url.searchParams.get("collectionType") ?? "";
      const name = url.searchParams.get("name") ?? "";
      if (!COLLECTION_TYPES.includes(type) || !name) return [400, "bad collectionType"];
      if (this.folders.some((f) => f.Name === name)) return [400, "exists"];
      this.folders.push({
        Name: name,
        CollectionType: type,
        Locations: (url.searchParams.get("paths") ?? "").split(","),
      });
      this.writes.push(`library ${name}`);
      return [204, ""];
    }
    if (url.pathname === "/System/Configuration/encoding" && req.method === "GET")
      return [200, this.encoding];
    if (url.pathname === "/System/Configuration/encoding" && req.method === "POST") {
      const b = JSON.parse(body) as Record<string, unknown>;
      if (!ACCELERATION.includes(String(b.HardwareAccelerationType))) return [400, "bad type"];
      if (Object.keys(b).sort().join() !== Object.keys(this.encoding).sort().join())
        return [400, "partial"];
      this.encoding = b;
      this.writes.push("encoding");
      return [204, ""];
    }
    return [404, `no ${req.method} ${url.pathname}`];
  };
}

describe.each(Object.keys(SHELLS))("Jellyfin's wiring under %s", (shell) => {
  const sh = SHELLS[shell];
  const env = { [ADMIN_PASSWORD_ENV]: PASSWORD };
  let jf: JellyfinStandin;
  let server: http.Server;
  beforeEach(async () => {
    jf = new JellyfinStandin();
    server = await serve(8096, jf.handle);
  });
  afterEach(() => close(server));

  it("adds the three libraries once, and leaves a folder the owner already has alone", async () => {
    jf.folders.push({
      Name: "My films",
      CollectionType: "movies",
      Locations: ["/data/media/movies"],
    });
    const first = await runStep(librariesStep(), {}, sh, env);
    expect([first.status, first.stderr]).toEqual([0, ""]);
    expect(jf.folders.map((f) => [f.Name, f.CollectionType, f.Locations])).toEqual([
      ["My films", "movies", ["/data/media/movies"]],
      ["Shows", "tvshows", ["/data/media/tv"]],
      ["Music", "music", ["/data/media/music"]],
    ]);
    jf.writes.length = 0;
    const again = await runStep(librariesStep(), {}, sh, env);
    expect([again.status, again.stderr, jf.writes]).toEqual([0, "", []]);
  });

  it("sets the host's acceleration and keeps every other encoding setting", async () => {
    jf.encoding.EnableTonemapping = true;
    const step = hardwareAccelerationStep("intel");
    if (!step) throw new Error("an Intel host gets a step");
    const first = await runStep(step, {}, sh, env);
    expect([first.status, first.stderr]).toEqual([0, ""]);
    expect(jf.encoding).toEqual({
      HardwareAccelerationType: "qsv",
      VaapiDevice: "/dev/dri/renderD128",
      EnableHardwareEncoding: true,
      EnableTonemapping: true,
    });
    jf.writes.length = 0;
    const again = await runStep(step, {}, sh, env);
    expect([again.status, again.stderr, jf.writes]).toEqual([0, "", []]);
    expect(hardwareAccelerationStep("none")).toBeUndefined();
  });

  it("fails naming Jellyfin and the step when the admin's password is refused", async () => {
    const r = await runStep(librariesStep(), {}, sh, { [ADMIN_PASSWORD_ENV]: "wrong" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "homelab wiring: jellyfin: libraries: POST http://127.0.0.1:8096/Users/AuthenticateByName: HTTP 401: bad login\n",
    );
  });
});

describe.each(Object.keys(SHELLS))("qBittorrent's wiring under %s", (shell) => {
  const sh = SHELLS[shell];
  let prefs: Record<string, unknown>;
  let password = "";
  let server: http.Server;
  const KNOWN = ["web_ui_username", "web_ui_password", "auto_tmm_enabled", "listen_port"];
  beforeEach(async () => {
    prefs = { web_ui_username: "admin", auto_tmm_enabled: false, save_path: "/data/torrents/" };
    password = "";
    server = await serve(8080, (req, url, body) => {
      if (url.pathname === "/api/v2/app/version") return [200, "v5.2.3"];
      if (url.pathname === "/api/v2/app/preferences") return [200, prefs];
      if (url.pathname === "/api/v2/app/setPreferences" && req.method === "POST") {
        if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded"))
          return [400, "not a form"];
        const json = new URLSearchParams(body).get("json");
        if (!json) return [400, "Missing required parameters"];
        const m = JSON.parse(json) as Record<string, unknown>;
        for (const [k, v] of Object.entries(m)) {
          if (!KNOWN.includes(k)) continue;
          if (k === "web_ui_password") password = String(v);
          else prefs[k] = v;
        }
        return [200, ""];
      }
      return [404, "no"];
    });
  });
  afterEach(() => close(server));

  it("sets the login to admin and the generated password, and turns on automatic management", async () => {
    const r = await runStep(webUiPasswordStep(), { QBITTORRENT_WEBUI_PASSWORD: "p&ss=w0rd+x" }, sh);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(password).toBe("p&ss=w0rd+x");
    expect(prefs).toEqual({
      web_ui_username: "admin",
      auto_tmm_enabled: true,
      save_path: "/data/torrents/",
    });
  });
});
