/**
 * qBittorrent's wiring script, run by a real shell with the real curl and jq against a
 * stand-in that answers as the source at the pinned version describes (Jellyfin's steps:
 * jellyfin.lab.test.ts):
 * - qBittorrent (qbittorrent/qBittorrent@release-5.2.3 appcontroller.cpp): preferences as a
 *   `json` form field, unknown keys ignored, the password never returned.
 */
import * as http from "node:http";
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
