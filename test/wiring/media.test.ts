/**
 * The media chain's wiring steps in the real program under the mock engine: which steps a
 * stack gets, what each reads on stdin, and that a change to one app's setting or to one app
 * touches only that app's steps (issue-level promise: "changing one app's wiring touches only
 * that app's wiring resources").
 */
import type { Evaluation, RegisteredResource } from "../../scripts/evaluate";
import { container, envOf, run, runCached, stackConfig, withConfig } from "../helpers/harness";
import { everythingWithMediaOnEdge } from "../media/mediaOnEdge";

const EVERYTHING = "good/everything.yaml";

function wiring(ev: Evaluation): RegisteredResource[] {
  return ev.resources.filter((r) => r.type.startsWith("command:") && r.name.includes("-wire-"));
}

function secrets(ev: Evaluation): Record<string, string> {
  return ev.outputs.generatedSecrets as Record<string, string>;
}

/** The value a step's stdin exports for a variable. */
function exported(step: RegisteredResource, name: string): string | undefined {
  const line = String(step.inputs.stdin)
    .split("\n")
    .find((l) => l.startsWith(`export ${name}=`));
  return line?.slice(`export ${name}=`.length).replace(/^'|'$/g, "");
}

/** Names of wiring steps whose inputs differ between two evaluations, plus added and removed. */
function changed(a: Evaluation, b: Evaluation): string[] {
  const before = new Map(wiring(a).map((r) => [r.name, JSON.stringify(r.inputs)]));
  const after = new Map(wiring(b).map((r) => [r.name, JSON.stringify(r.inputs)]));
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
}

describe(`the media chain's wiring in ${EVERYTHING}`, () => {
  let ev: Evaluation;
  beforeAll(async () => {
    ev = await runCached(EVERYTHING);
  });

  it("has every step the chain needs, and no other", () => {
    expect(
      wiring(ev)
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "bazarr-wire-radarr",
      "bazarr-wire-sonarr",
      // The one step outside the media chain: Gitea's sign-in through Authelia (test/sso).
      "gitea-wire-sign-in",
      "jellyfin-wire-hardware-acceleration",
      "jellyfin-wire-libraries",
      "lidarr-wire-download-client-qbittorrent",
      "lidarr-wire-download-client-sabnzbd",
      // Off the edge: the app's own login (on the edge it trusts Authelia).
      "lidarr-wire-login",
      "lidarr-wire-root-folder",
      "prowlarr-wire-application-lidarr",
      "prowlarr-wire-application-radarr",
      "prowlarr-wire-application-sonarr",
      "prowlarr-wire-login",
      "qbittorrent-wire-webui-login",
      "radarr-wire-download-client-qbittorrent",
      "radarr-wire-download-client-sabnzbd",
      // Off the edge: the app's own login (on the edge it trusts Authelia).
      "radarr-wire-login",
      "radarr-wire-root-folder",
      "seerr-wire-jellyfin",
      "seerr-wire-radarr",
      "seerr-wire-sonarr",
      "sonarr-wire-download-client-qbittorrent",
      "sonarr-wire-download-client-sabnzbd",
      // Off the edge: the app's own login (on the edge it trusts Authelia).
      "sonarr-wire-login",
      "sonarr-wire-root-folder",
    ]);
  });

  it("runs each step in its app's container on the app's host, after the apps it calls", () => {
    const byName = new Map(ev.resources.map((r) => [r.urn, r]));
    for (const step of wiring(ev)) {
      // Seerr's image has no curl or jq: its steps run in Jellyfin's container.
      const runner = step.name.startsWith("seerr-")
        ? "jellyfin"
        : step.name.slice(0, step.name.indexOf("-wire-"));
      expect(String(step.inputs.create).split("\n").pop()).toBe(
        `exec $DOCKER exec -i '${runner}' sh -s`,
      );
      const deps = step.dependencies.map((u) => byName.get(u)?.name);
      expect(deps).toContain(`${runner}-container`);
      expect((step.inputs.triggers as string[])[0]).toBe(`${runner}-container-id`);
      // The SSH connection is the runner's host's.
      const host = container(ev, runner).inputs.labels as { label: string; value: string }[];
      const hostName = host.find((l) => l.label === "homelab.host")?.value;
      expect((step.inputs.connection as { host: string }).host).toBe(
        { gateway: "10.0.10.2", nas: "10.0.10.3", forge: "10.0.10.4" }[hostName ?? ""],
      );
    }
    const sonarrQb = wiring(ev).find((r) => r.name === "sonarr-wire-download-client-qbittorrent");
    expect(sonarrQb?.dependencies.map((u) => byName.get(u)?.name)).toContain("gluetun-container");
  });

  it("hands each step exactly the secrets it uses, on secret stdin, never in its command", () => {
    const all = Object.values(secrets(ev));
    for (const step of wiring(ev)) {
      expect([step.name, step.secretPaths]).toEqual([step.name, expect.arrayContaining(["stdin"])]);
      for (const value of all) expect(String(step.inputs.create)).not.toContain(value);
    }
    const named = (n: string) => wiring(ev).find((r) => r.name === n) as RegisteredResource;
    const qbPassword = secrets(ev)["qbittorrent.webuiPassword"];
    expect(qbPassword).toMatch(/\S{8,}/);
    expect(exported(named("qbittorrent-wire-webui-login"), "QBITTORRENT_WEBUI_PASSWORD")).toBe(
      qbPassword,
    );
    for (const app of ["sonarr", "radarr", "lidarr"]) {
      expect(
        exported(named(`${app}-wire-download-client-qbittorrent`), "QBITTORRENT_PASSWORD"),
      ).toBe(qbPassword);
      expect(exported(named(`${app}-wire-download-client-sabnzbd`), "SABNZBD_API_KEY")).toBe(
        secrets(ev)["sabnzbd.apiKey"],
      );
      expect(
        exported(named(`prowlarr-wire-application-${app}`), `${app.toUpperCase()}_API_KEY`),
      ).toBe(secrets(ev)[`${app}.apiKey`]);
      // The app's own key is read from its env inside the container, never sent.
      expect(String(named(`${app}-wire-root-folder`).inputs.stdin)).not.toContain("export ");
    }
  });

  it("turns hardware acceleration on as the media host's GPU says: VA-API on Intel", () => {
    const step = wiring(ev).find((r) => r.name === "jellyfin-wire-hardware-acceleration");
    expect(String(step?.inputs.stdin)).toContain('"HardwareAccelerationType":"vaapi"');
  });

  it("changes only Jellyfin's acceleration step when the media host's GPU changes", async () => {
    const other = await run(
      withConfig(stackConfig(EVERYTHING), (c) => {
        const hosts = c["homelab:hosts"] as Record<string, Record<string, unknown>>;
        hosts.nas.gpu = "amd";
      }),
    );
    expect(other.error).toBeUndefined();
    expect(changed(ev, other)).toEqual(["jellyfin-wire-hardware-acceleration"]);
    const step = wiring(other).find((r) => r.name === "jellyfin-wire-hardware-acceleration");
    expect(String(step?.inputs.stdin)).toContain('"HardwareAccelerationType":"vaapi"');
    expect(String(step?.inputs.stdin)).not.toContain('"qsv"');
  });

  it("removes exactly SABnzbd's download clients when SABnzbd is switched off", async () => {
    const other = await run(
      withConfig(stackConfig(EVERYTHING), (c) => {
        const apps = c["homelab:apps"] as Record<string, Record<string, unknown>>;
        apps.sabnzbd = { ...apps.sabnzbd, enabled: false };
      }),
    );
    expect(other.error).toBeUndefined();
    expect(changed(ev, other)).toEqual([
      "lidarr-wire-download-client-sabnzbd",
      "radarr-wire-download-client-sabnzbd",
      "sonarr-wire-download-client-sabnzbd",
    ]);
    expect(wiring(other).some((r) => r.name.endsWith("-sabnzbd"))).toBe(false);
  });

  it("keeps the *arr apps' own login on a host that publishes their ports on the LAN", () => {
    for (const app of ["sonarr", "radarr", "lidarr", "prowlarr"])
      expect(envOf(container(ev, app))[`${app.toUpperCase()}__AUTH__METHOD`]).toBeUndefined();
  });

  it("leaves Gluetun without port forwarding for a provider Gluetun forwards none for (Mullvad)", () => {
    expect(envOf(container(ev, "gluetun")).VPN_PORT_FORWARDING).toBeUndefined();
  });
});

describe("the *arr apps on the edge behind Authelia", () => {
  it("trust Authelia's login instead of asking for their own", async () => {
    const ev = await run(everythingWithMediaOnEdge());
    expect(ev.error).toBeUndefined();
    for (const app of ["sonarr", "radarr", "lidarr", "prowlarr"]) {
      const c = container(ev, app);
      expect(envOf(c)[`${app.toUpperCase()}__AUTH__METHOD`]).toBe("External");
      expect(c.inputs.ports ?? []).toEqual([]);
      // No login of their own there: nothing sets one.
      expect(ev.resources.some((r) => r.name === `${app}-wire-login`)).toBe(false);
    }
  });
});

describe("the *arr apps off the edge", () => {
  it("get their own login, admin with the exported password, read on the step's stdin", async () => {
    const ev = await runCached(EVERYTHING);
    const generated = secrets(ev);
    for (const app of ["sonarr", "radarr", "lidarr", "prowlarr"]) {
      const c = container(ev, app);
      expect(envOf(c)[`${app.toUpperCase()}__AUTH__METHOD`]).toBeUndefined();
      const step = ev.resources.find((r) => r.name === `${app}-wire-login`);
      const password = generated[`${app}.loginPassword`];
      expect(password.length).toBeGreaterThanOrEqual(24);
      expect(step && exported(step, `${app.toUpperCase()}_LOGIN_PASSWORD`)).toBe(password);
      expect(String(step?.inputs.create)).not.toContain(password);
    }
  });
});

describe("qBittorrent behind ProtonVPN", () => {
  it("listens on the port Gluetun gets forwarded, set from Gluetun's namespace", async () => {
    const ev = await run(
      withConfig(stackConfig(EVERYTHING), (c) => {
        c["homelab:vpn"] = { provider: "protonvpn", countries: ["Netherlands"] };
      }),
    );
    expect(ev.error).toBeUndefined();
    const env = envOf(container(ev, "gluetun"));
    expect(env.VPN_PORT_FORWARDING).toBe("on");
    expect(env.PORT_FORWARD_ONLY).toBe("on");
    expect(env.VPN_PORT_FORWARDING_UP_COMMAND).toBe(
      `/bin/sh -c 'wget -O- -nv --retry-connrefused --post-data "json={\\"listen_port\\":{{PORT}},\\"current_network_interface\\":\\"{{VPN_INTERFACE}}\\",\\"random_port\\":false,\\"upnp\\":false}" http://127.0.0.1:8080/api/v2/app/setPreferences'`,
    );
  });
});
