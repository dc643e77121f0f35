/**
 * qBittorrent's wiring script, run by a real shell with the real curl and jq against a
 * stand-in that answers as the source at the pinned version describes (Jellyfin's steps:
 * jellyfin.lab.test.ts):
 * - qBittorrent (qbittorrent/qBittorrent@release-5.2.3 appcontroller.cpp): preferences as a
 *   `json` form field, unknown keys ignored, the password never returned.
 */
import { webUiPasswordStep } from "../../plan/wiring/qbittorrent";
import { SHELLS, runStep } from "./run";
import { standIn, type StandIn } from "./standIn";

describe.each(Object.keys(SHELLS))("qBittorrent's wiring under %s", (shell) => {
  const sh = SHELLS[shell];
  let prefs: Record<string, unknown>;
  let password = "";
  let server: StandIn;
  const KNOWN = ["web_ui_username", "web_ui_password", "auto_tmm_enabled", "listen_port"];
  beforeEach(async () => {
    prefs = { web_ui_username: "admin", auto_tmm_enabled: false, save_path: "/data/torrents/" };
    password = "";
    server = await standIn((req) => {
      if (req.path === "/api/v2/app/version") return { status: 200, body: "v5.2.3" };
      if (req.path === "/api/v2/app/preferences") return { status: 200, body: prefs };
      if (req.path === "/api/v2/app/setPreferences" && req.method === "POST") {
        if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded"))
          return { status: 400, body: "not a form" };
        const json = new URLSearchParams(req.body).get("json");
        if (!json) return { status: 400, body: "Missing required parameters" };
        const m = JSON.parse(json) as Record<string, unknown>;
        for (const [k, v] of Object.entries(m)) {
          if (!KNOWN.includes(k)) continue;
          if (k === "web_ui_password") password = String(v);
          else prefs[k] = v;
        }
        return { status: 200 };
      }
      return { status: 404, body: "no" };
    }, 8080);
  });
  afterEach(() => server.close());

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
