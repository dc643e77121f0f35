import { CATALOG } from "../../catalog";
import { MEDIA_API_BYPASS, gluetunEnv, mediaApps, withTranscodeTmpfs } from "../../catalog/media";
import type { AppDefinition } from "../../catalog/types";
import { parseSpec } from "../../plan/resolve";
import { stackConfig } from "../helpers/harness";

const def = (name: string): AppDefinition => {
  const found = mediaApps.find((d) => d.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

const ARR_WITH_KEY = ["sonarr", "radarr", "lidarr", "prowlarr"];
/** The apps that import downloads into the library: they need the whole tree. */
const IMPORTERS = ["sonarr", "radarr", "lidarr"];

describe("media catalog", () => {
  it("is registered in the catalog", () => {
    for (const d of mediaApps) expect(CATALOG.get(d.name)).toBe(d);
  });

  it("pins every image to a version tag, linuxserver.io for the *arr apps", () => {
    for (const d of mediaApps) {
      expect(d.image.tag).not.toMatch(/^(latest|develop|nightly)$/);
      expect(d.image.tag).toMatch(/\d/);
      expect(d.memoryMb).toBeGreaterThan(0);
    }
    for (const name of [...ARR_WITH_KEY, "bazarr", "qbittorrent"]) {
      expect(def(name).image.repository).toBe(`lscr.io/linuxserver/${name}`);
      expect(def(name).puid).toBe(true);
    }
  });

  it("gives every app a health check that probes the app itself", () => {
    expect(def("sonarr").health).toMatchObject({
      test: expect.arrayContaining(["http://localhost:8989/ping"]),
    });
    expect(def("radarr").health).toMatchObject({
      test: expect.arrayContaining(["http://localhost:7878/ping"]),
    });
    expect(def("lidarr").health).toMatchObject({
      test: expect.arrayContaining(["http://localhost:8686/ping"]),
    });
    expect(def("prowlarr").health).toMatchObject({
      test: expect.arrayContaining(["http://localhost:9696/ping"]),
    });
    // Jellyfin's check also completes its startup wizard (catalog/firstRun).
    const jellyfin = def("jellyfin").health;
    expect("test" in jellyfin && jellyfin.test.join(" ")).toContain("http://127.0.0.1:8096/health");
    expect(def("gluetun").health).toMatchObject({
      test: ["CMD", "/gluetun-entrypoint", "healthcheck"],
    });
    // qBittorrent's check also asks Gluetun's health server through the shared namespace.
    const qbit = def("qbittorrent").health;
    expect("test" in qbit && qbit.test.join(" ")).toContain("http://127.0.0.1:9999/");
    for (const d of mediaApps) expect("test" in d.health).toBe(true);
  });

  it("follows TRaSH: importers see /data, the client /data/torrents, servers and Bazarr /data/media", () => {
    for (const name of IMPORTERS) expect(def(name).data).toBe("root");
    expect(def("qbittorrent").data).toBe("torrents");
    expect(def("jellyfin").data).toBe("media");
    expect(def("plex").data).toBe("media");
    expect(def("bazarr").data).toBe("media");
    expect(def("prowlarr").data).toBeUndefined();
    for (const d of mediaApps) {
      for (const v of d.volumes ?? [])
        expect(v.target).not.toMatch(/^\/(movies|tv|music|downloads|media|data)\b/);
      // Gluetun keeps no state (its server list is built in); Seerr keeps its own path.
      if (d.name === "seerr")
        expect(d.volumes).toEqual([{ class: "config", target: "/app/config" }]);
      else if (d.name !== "gluetun")
        expect(d.volumes).toContainEqual({ class: "config", target: "/config" });
    }
  });

  it("transcodes on the GPU and the transcode class, routed for native clients", () => {
    for (const name of ["jellyfin", "plex"]) {
      const d = def(name);
      expect(d.gpu).toBe("transcode");
      expect(d.volumes?.some((v) => v.class === "transcode")).toBe(true);
      expect(d.route).toMatchObject({ streaming: true, bypassPaths: MEDIA_API_BYPASS });
    }
    expect(def("plex").defaultEnabled).toBe(false);
    expect(def("jellyfin").defaultEnabled).toBeUndefined();
  });

  it("bypasses SSO for every path but the web client", () => {
    const bypassed = (path: string) => MEDIA_API_BYPASS.some((re) => new RegExp(re).test(path));
    for (const path of [
      "/Users/AuthenticateByName",
      "/Videos/1/stream.mkv",
      "/System/Info/Public",
      "/socket",
      "/web2",
    ]) {
      expect(bypassed(path)).toBe(true);
    }
    for (const path of ["/", "/web", "/web/", "/web/index.html"])
      expect(bypassed(path)).toBe(false);
  });

  it("declares random alphanumeric API keys where the app reads one from env", () => {
    for (const name of ARR_WITH_KEY) {
      expect(def(name).secrets).toEqual([
        {
          name: "apiKey",
          length: 32,
          alphanumeric: true,
          env: `${name.toUpperCase()}__AUTH__APIKEY`,
          exported: true,
        },
        // Read by the login step off the edge, never by the container: no env, no file.
        { name: "loginPassword", length: 24, alphanumeric: true, exported: true },
      ]);
    }
    expect(def("seerr").secrets).toEqual([
      { name: "apiKey", length: 32, alphanumeric: true, env: "API_KEY", exported: true },
    ]);
    // Bazarr ignores env for its key: a generated one would be a lie in the outputs.
    expect(def("bazarr").secrets).toBeUndefined();
  });

  it("declares the VPN's exceptions with reasons and puts qBittorrent in its namespace", () => {
    const gluetun = def("gluetun");
    expect(gluetun.requires).toEqual(["homelab:vpn", "homelab:vpnPrivateKey"]);
    expect(gluetun.exceptions?.capAdd?.caps).toContain("NET_ADMIN");
    expect(gluetun.exceptions?.capAdd?.reason).toBeTruthy();
    expect(gluetun.exceptions?.devices).toEqual([
      { hostPath: "/dev/net/tun", reason: expect.any(String) },
    ]);
    expect(gluetun.route).toMatchObject({ port: 8080, subdomain: "qbittorrent" });
    const qbit = def("qbittorrent");
    expect(qbit.networkOf).toBe("gluetun");
    expect(qbit.networks).toEqual([]);
    expect(qbit.route).toBeUndefined();
    expect(qbit.ports).toBeUndefined();
    expect(qbit.requires).toContain("homelab:vpn");
  });

  it("keeps the stack on the data host by default", () => {
    for (const d of mediaApps) expect(d.data !== undefined || d.placement === "data").toBe(true);
  });
});

describe("gluetunEnv", () => {
  it("configures WireGuard, the countries and the LAN exceptions of the kill switch", () => {
    const spec = parseSpec(stackConfig("prod"));
    expect(gluetunEnv(spec)).toEqual({
      VPN_SERVICE_PROVIDER: "mullvad",
      VPN_TYPE: "wireguard",
      SERVER_COUNTRIES: "Netherlands,Sweden",
      WIREGUARD_ADDRESSES: "10.64.222.21/32",
      FIREWALL_OUTBOUND_SUBNETS: "10.0.10.0/24,10.0.20.0/24",
      // The Web UI for the proxy, the health server for Prometheus.
      FIREWALL_INPUT_PORTS: "8080,9999",
      HEALTH_SERVER_ADDRESS: ":9999",
    });
  });

  it("never carries the private key", () => {
    const spec = parseSpec(stackConfig("prod"));
    expect(Object.keys(gluetunEnv(spec))).not.toContain("WIREGUARD_PRIVATE_KEY");
  });
});

describe("withTranscodeTmpfs", () => {
  it("moves transcode scratch to a size-capped tmpfs at the same path", () => {
    const d = withTranscodeTmpfs(def("jellyfin"), 2048);
    expect(d.volumes?.map((v) => v.class)).toEqual(["config"]);
    expect(d.tmpfs).toEqual({ "/config/cache/transcodes": 2048 });
    expect(def("jellyfin").tmpfs).toBeUndefined();
  });

  it("leaves apps without transcode scratch alone", () => {
    expect(withTranscodeTmpfs(def("sonarr"), 2048)).toBe(def("sonarr"));
  });
});
