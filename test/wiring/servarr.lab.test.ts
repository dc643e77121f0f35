/**
 * The generated Servarr wiring scripts, run by the shells of linuxserver's images (busybox ash
 * on Alpine, dash) with the real curl and jq, against a stand-in of each API that keeps state
 * and refuses what the API description at the stored version does not allow
 * (test/wiring/servarrStandin.ts). The apps' own keys come from their env, as in the container.
 */
import {
  downloadClientStep,
  loginPasswordVar,
  loginStep,
  prowlarrApplicationStep,
  rootFolderStep,
  SERVARR,
  PROWLARR_LOGIN,
  PROWLARR_PORT,
} from "../../plan/wiring/servarr";
import { SHELLS, runStep } from "./run";
import { ServarrStandin, type Provider } from "./servarrStandin";

const KEY = "k3y0fTheApp0000000000000000000000";
const QB_PASSWORD = "qbPassw0rd00000000000000000000000";
const SAB_KEY = "sabKey0000000000000000000000000000";

const field = (p: Provider | undefined, name: string) =>
  p?.fields.find((f) => f.name === name)?.value;

describe.each(Object.keys(SHELLS))("Servarr wiring under %s", (shell) => {
  const sh = SHELLS[shell];

  describe.each([...Object.values(SERVARR), PROWLARR_LOGIN])("$name's own login", (app) => {
    let api: ServarrStandin;
    const env = { [`${app.name.toUpperCase()}__AUTH__APIKEY`]: KEY };
    const secrets = { [loginPasswordVar(app)]: "l0ginPassw0rd&x=1" };
    beforeEach(async () => {
      api = new ServarrStandin(app.name, app.port, KEY);
      await api.start();
    });
    afterEach(() => api.stop());

    it("sets Forms for every address with admin and the generated password, once", async () => {
      const first = await runStep(loginStep(app), secrets, sh, env);
      expect([first.status, first.stderr]).toEqual([0, ""]);
      expect(api.user).toEqual({ username: "admin", password: "l0ginPassw0rd&x=1" });
      expect(api.host.authenticationMethod).toBe("forms");
      expect(api.host.authenticationRequired).toBe("enabled");
      // The settings the step does not own are sent back as they were.
      expect(api.host.instanceName).toBe("App");
      const second = await runStep(loginStep(app), secrets, sh, env);
      expect([second.status, second.stderr]).toEqual([0, ""]);
      expect(api.writes).toEqual(["PUT config/host"]);
    });

    it("keeps a login the owner has set", async () => {
      api.host.authenticationMethod = "forms";
      api.user = { username: "me", password: "hash-of-mine" };
      const r = await runStep(loginStep(app), secrets, sh, env);
      expect([r.status, r.stderr]).toEqual([0, ""]);
      expect(r.stdout).toContain("login of me kept");
      expect(api.writes).toEqual([]);
      expect(api.user).toEqual({ username: "me", password: "hash-of-mine" });
    });
  });

  describe.each(Object.values(SERVARR))("$name", (app) => {
    let api: ServarrStandin;
    const env = { [`${app.name.toUpperCase()}__AUTH__APIKEY`]: KEY };
    beforeEach(async () => {
      api = new ServarrStandin(app.name, app.port, KEY);
      await api.start();
    });
    afterEach(() => api.stop());

    it("adds qBittorrent and SABnzbd with its category, and its root folder", async () => {
      const runs = [
        await runStep(
          downloadClientStep(app, "qbittorrent"),
          { QBITTORRENT_PASSWORD: QB_PASSWORD },
          sh,
          env,
        ),
        await runStep(downloadClientStep(app, "sabnzbd"), { SABNZBD_API_KEY: SAB_KEY }, sh, env),
        await runStep(rootFolderStep(app), {}, sh, env),
      ];
      for (const r of runs) expect([r.status, r.stderr]).toEqual([0, ""]);
      const qb = api.providers.find((p) => p.name === "qBittorrent");
      expect(qb?.implementation).toBe("QBittorrent");
      expect(qb?.enable).toBe(true);
      expect([field(qb, "host"), field(qb, "port"), field(qb, "username")]).toEqual([
        "gluetun",
        8080,
        "admin",
      ]);
      expect(field(qb, "password")).toBe(QB_PASSWORD);
      expect(field(qb, app.categoryField)).toBe(app.category);
      const sab = api.providers.find((p) => p.name === "SABnzbd");
      expect([field(sab, "host"), field(sab, "port"), field(sab, "apiKey")]).toEqual([
        "sabnzbd",
        8085,
        SAB_KEY,
      ]);
      expect(field(sab, app.categoryField)).toBe(app.category);
      expect(api.rootFolders.map((f) => f.path)).toEqual([app.rootFolder]);
      expect(api.writes).toHaveLength(3);
    });

    it("run again, adds nothing and keeps what the owner changed beyond the wired fields", async () => {
      const qbStep = downloadClientStep(app, "qbittorrent");
      await runStep(qbStep, { QBITTORRENT_PASSWORD: QB_PASSWORD }, sh, env);
      await runStep(rootFolderStep(app), {}, sh, env);
      // The owner's edits: a priority, tags and an unwired field; a second client of their own.
      const qb = api.providers[0];
      qb.priority = 7;
      qb.tags = [2];
      qb.fields = qb.fields.map((f) => (f.name === "sequentialOrder" ? { ...f, value: true } : f));
      api.providers.push({ ...qb, id: 99, name: "Mine", fields: qb.fields.map((f) => ({ ...f })) });
      api.writes.length = 0;
      const again = await runStep(qbStep, { QBITTORRENT_PASSWORD: QB_PASSWORD }, sh, env);
      const folders = await runStep(rootFolderStep(app), {}, sh, env);
      expect([again.status, again.stderr, folders.status, folders.stderr]).toEqual([0, "", 0, ""]);
      expect(api.writes).toEqual(["PUT downloadclient qBittorrent"]);
      const after = api.providers.find((p) => p.name === "qBittorrent");
      expect([after?.priority, after?.tags, field(after, "sequentialOrder")]).toEqual([
        7,
        [2],
        true,
      ]);
      expect(field(after, "password")).toBe(QB_PASSWORD);
      expect(api.providers.map((p) => p.name).sort()).toEqual(["Mine", "qBittorrent"]);
      expect(api.rootFolders).toHaveLength(1);
    });

    it("fails naming the app and the step when its key is refused", async () => {
      const r = await runStep(rootFolderStep(app), {}, sh, {
        [`${app.name.toUpperCase()}__AUTH__APIKEY`]: "wrong",
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `homelab wiring: ${app.name}: root-folder: GET http://127.0.0.1:${app.port}/api/${app.api}/rootfolder: HTTP 401: {"message":"Unauthorized"}\n`,
      );
      expect(api.writes).toEqual([]);
    });
  });

  describe("prowlarr", () => {
    let api: ServarrStandin;
    const env = { PROWLARR__AUTH__APIKEY: KEY };
    beforeEach(async () => {
      api = new ServarrStandin("prowlarr", PROWLARR_PORT, KEY);
      await api.start();
    });
    afterEach(() => api.stop());

    it("adds each *arr app with both container names and its key, synced in full, once", async () => {
      for (const app of Object.values(SERVARR)) {
        const r = await runStep(
          prowlarrApplicationStep(app),
          { [`${app.name.toUpperCase()}_API_KEY`]: `key-of-${app.name}` },
          sh,
          env,
        );
        expect([r.status, r.stderr]).toEqual([0, ""]);
      }
      expect(api.providers.map((p) => [p.name, p.implementation, p.syncLevel]).sort()).toEqual([
        ["Lidarr", "Lidarr", "fullSync"],
        ["Radarr", "Radarr", "fullSync"],
        ["Sonarr", "Sonarr", "fullSync"],
      ]);
      const sonarr = api.providers.find((p) => p.name === "Sonarr");
      expect([
        field(sonarr, "prowlarrUrl"),
        field(sonarr, "baseUrl"),
        field(sonarr, "apiKey"),
      ]).toEqual(["http://prowlarr:9696", "http://sonarr:8989", "key-of-sonarr"]);
      // The owner narrows the sync; a second run keeps it and adds nothing.
      if (sonarr) sonarr.syncLevel = "addOnly";
      api.writes.length = 0;
      const again = await runStep(
        prowlarrApplicationStep(SERVARR.sonarr),
        { SONARR_API_KEY: "key-of-sonarr" },
        sh,
        env,
      );
      expect([again.status, again.stderr]).toEqual([0, ""]);
      expect(api.writes).toEqual(["PUT applications Sonarr"]);
      expect(api.providers.find((p) => p.name === "Sonarr")?.syncLevel).toBe("addOnly");
    });
  });
});
