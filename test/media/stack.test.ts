import * as pulumi from "@pulumi/pulumi";
import { definitionOf } from "../../catalog";
import { MediaStack } from "../../components/mediaStack";
import { loadSpec } from "../../plan/resolve";
import { Host } from "../../hosts/host";
import { evaluate, type Evaluation, type RegisteredResource } from "../../scripts/evaluate";
import { DATA_TREE_DIRS } from "../../plan/storage";
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

interface Volume {
  hostPath: string;
  containerPath: string;
}
interface DeviceRequest {
  driver: string;
  capabilities: string[];
}

const volumes = (c: RegisteredResource) => (c.inputs.volumes ?? []) as Volume[];
const devices = (c: RegisteredResource) =>
  ((c.inputs.devices ?? []) as { hostPath: string }[]).map((d) => d.hostPath);
const mediaContainers = (ev: Evaluation) =>
  containers(ev).filter((c) => labelsOf(c)["homelab.profile"] === "media");

type HostsConfig = Record<string, Record<string, unknown>>;

/** Prod with the NAS (which holds /data and so the media servers) given another GPU. */
function prodWithNasGpu(gpu: "nvidia" | "intel" | "amd" | "none", renderGroup?: number) {
  return withConfig(stackConfig("prod"), (c) => {
    const hosts = c["homelab:hosts"] as HostsConfig;
    hosts.nas.gpu = gpu;
    if (renderGroup === undefined) delete hosts.nas.renderGroup;
    else hosts.nas.renderGroup = renderGroup;
    c["homelab:apps"] = { plex: { enabled: true } };
  });
}

const ARR = ["sonarr", "radarr", "lidarr"];

describe("media servers use the host's GPU", () => {
  it("NVIDIA: a GPU device request with video and compute, no /dev/dri", async () => {
    const ev = await run(prodWithNasGpu("nvidia"));
    expect(ev.error).toBeUndefined();
    for (const name of ["jellyfin", "plex"]) {
      const c = container(ev, name);
      const requests = c.inputs.deviceRequests as DeviceRequest[];
      expect(requests).toHaveLength(1);
      expect(requests[0].driver).toBe("nvidia");
      expect(requests[0].capabilities).toEqual(expect.arrayContaining(["gpu", "video", "compute"]));
      expect(devices(c)).not.toContain("/dev/dri");
      expect(c.inputs.groupAdds).toBeUndefined();
    }
  });

  it.each([
    ["intel", 993],
    ["amd", 44],
  ] as const)("%s: /dev/dri and the render group, no device request", async (gpu, gid) => {
    const ev = await run(prodWithNasGpu(gpu, gid));
    expect(ev.error).toBeUndefined();
    for (const name of ["jellyfin", "plex"]) {
      const c = container(ev, name);
      expect(devices(c)).toEqual(["/dev/dri"]);
      expect(c.inputs.groupAdds).toEqual([String(gid)]);
      expect(c.inputs.deviceRequests).toBeUndefined();
    }
  });

  it("intel without renderGroup: the gid is looked up on the host, no key to look up by hand", async () => {
    const ev = await run(prodWithNasGpu("intel"));
    expect(ev.error).toBeUndefined();
    const lookup = ev.resources.find((r) => r.name === "nas-render-group");
    expect(String(lookup?.inputs.create)).toContain("stat -c %g /dev/dri/renderD128");
    // The mock engine answers the lookup like a host whose render node is gid 993.
    for (const name of ["jellyfin", "plex"]) {
      const c = container(ev, name);
      expect(devices(c)).toEqual(["/dev/dri"]);
      expect(c.inputs.groupAdds).toEqual(["993"]);
      expect(c.dependencies).toContain(lookup?.urn);
    }
    // Hosts that give their gid run no lookup.
    const given = await runCached("prod");
    expect(given.resources.some((r) => r.name.endsWith("-render-group"))).toBe(false);
  });

  it("none: software transcoding, neither devices nor requests", async () => {
    const ev = await run(prodWithNasGpu("none"));
    expect(ev.error).toBeUndefined();
    for (const name of ["jellyfin", "plex"]) {
      const c = container(ev, name);
      expect(c.inputs.devices).toBeUndefined();
      expect(c.inputs.groupAdds).toBeUndefined();
      expect(c.inputs.deviceRequests).toBeUndefined();
    }
  });

  it("only the media servers get the GPU", async () => {
    const ev = await run(prodWithNasGpu("nvidia"));
    for (const c of mediaContainers(ev)) {
      const app = labelsOf(c)["homelab.app"];
      if (app !== "jellyfin" && app !== "plex") expect(c.inputs.deviceRequests).toBeUndefined();
    }
  });
});

describe("the download client behind the VPN (prod)", () => {
  it("has no network of its own and no published port; it joins Gluetun's namespace by id", async () => {
    const ev = await runCached("prod");
    const qbit = container(ev, "qbittorrent");
    const gluetun = container(ev, "gluetun");
    expect(qbit.inputs.networksAdvanced).toBeUndefined();
    expect(qbit.inputs.ports).toBeUndefined();
    expect(qbit.inputs.networkMode).toBe("container:gluetun-container-id");
    expect(qbit.dependencies).toContain(gluetun.urn);
  });

  it("is reached through Gluetun, which carries the route and the exceptions", async () => {
    const ev = await runCached("prod");
    const gluetun = container(ev, "gluetun");
    // The NAS is not the edge: the Web UI port is published on its LAN address only.
    expect(gluetun.inputs.ports).toEqual([
      { internal: 8080, external: 8080, protocol: "tcp", ip: "10.0.10.3" },
    ]);
    expect((gluetun.inputs.capabilities as { adds: string[] }).adds).toEqual([
      "CAP_NET_ADMIN",
      "CAP_NET_RAW",
    ]);
    expect(devices(gluetun)).toEqual(["/dev/net/tun"]);
    const exceptions = JSON.parse(labelsOf(gluetun)["homelab.exceptions"]) as Record<
      string,
      string
    >;
    expect(exceptions.capAdd).toContain("NET_ADMIN");
    expect(exceptions.devices).toContain("/dev/net/tun");
    expect(gluetun.inputs.healthcheck).toMatchObject({
      tests: ["CMD", "/gluetun-entrypoint", "healthcheck"],
    });
    expect((ev.outputs.urls as Record<string, string>).gluetun).toBe(
      "https://qbittorrent.home.example.com",
    );
  });

  it("configures the tunnel from config and keeps the private key secret", async () => {
    const ev = await runCached("prod");
    const gluetun = container(ev, "gluetun");
    const env = envOf(gluetun);
    expect(env).toMatchObject({
      VPN_SERVICE_PROVIDER: "mullvad",
      VPN_TYPE: "wireguard",
      SERVER_COUNTRIES: "Netherlands,Sweden",
      FIREWALL_OUTBOUND_SUBNETS: "10.0.10.0/24,10.0.20.0/24",
    });
    expect(env.WIREGUARD_PRIVATE_KEY).toBe("<secret homelab:vpnPrivateKey>");
    const at = (gluetun.inputs.envs as string[]).findIndex((e) =>
      e.startsWith("WIREGUARD_PRIVATE_KEY="),
    );
    expect(gluetun.secretPaths.some((p) => p === "envs" || p === `envs.${at}`)).toBe(true);
  });
});

describe("the shared /data tree (prod)", () => {
  it("gives every importing *arr app exactly one data mount: the tree's root", async () => {
    const ev = await runCached("prod");
    for (const name of ARR) {
      const data = volumes(container(ev, name)).filter((v) =>
        v.hostPath.startsWith("/mnt/storage/"),
      );
      expect(data).toEqual([
        { hostPath: "/mnt/storage/data", containerPath: "/data", readOnly: false },
      ]);
    }
    const sub = (name: string) =>
      volumes(container(ev, name)).filter((v) => v.hostPath.startsWith("/mnt/storage/"));
    expect(sub("qbittorrent")).toEqual([
      { hostPath: "/mnt/storage/data/torrents", containerPath: "/data/torrents", readOnly: false },
    ]);
    expect(sub("jellyfin")).toEqual([
      { hostPath: "/mnt/storage/data/media", containerPath: "/data/media", readOnly: false },
    ]);
    expect(sub("bazarr")).toEqual([
      { hostPath: "/mnt/storage/data/media", containerPath: "/data/media", readOnly: false },
    ]);
  });

  it("has no separate movies/tv/music/downloads mounts in any container", async () => {
    const ev = await runCached("prod");
    for (const c of containers(ev)) {
      for (const v of volumes(c))
        expect(v.containerPath).not.toMatch(/^\/(movies|tv|music|books|downloads|media)(\/|$)/);
    }
    // In the media stack, everything below /data is the one tree, at the same path as on the host.
    for (const c of mediaContainers(ev)) {
      for (const v of volumes(c).filter((x) => x.containerPath.startsWith("/data"))) {
        expect(v.hostPath).toBe(`/mnt/storage${v.containerPath}`);
      }
    }
  });

  it("puts the whole stack on the NAS, config on SSD and transcodes on NVMe", async () => {
    const ev = await runCached("prod");
    const media = mediaContainers(ev);
    expect(media.map((c) => labelsOf(c)["homelab.app"]).sort()).toEqual([
      "bazarr",
      "gluetun",
      "jellyfin",
      "lidarr",
      "prowlarr",
      "qbittorrent",
      "radarr",
      "seerr",
      "sonarr",
    ]);
    for (const c of media) expect(labelsOf(c)["homelab.host"]).toBe("nas");
    expect(volumes(container(ev, "sonarr"))).toContainEqual({
      hostPath: "/mnt/ssd/config/sonarr",
      containerPath: "/config",
      readOnly: false,
    });
    expect(volumes(container(ev, "jellyfin"))).toContainEqual({
      hostPath: "/mnt/nvme/transcode/jellyfin",
      containerPath: "/config/cache/transcodes",
      readOnly: false,
    });
  });

  it("creates the TRaSH folders group-writable before the apps that mount the tree", async () => {
    const ev = await runCached("prod");
    const tree = ev.resources.find((r) => r.name === "media-data-tree-mkdir");
    expect(tree).toBeDefined();
    const script = String(tree?.inputs.create);
    for (const dir of DATA_TREE_DIRS)
      expect(script).toContain(`install -d -m 2775 -o 1000 -g 1000 '/mnt/storage/data${dir}'`);
    for (const name of [...ARR, "qbittorrent", "jellyfin", "bazarr"]) {
      expect(container(ev, name).dependencies).toContain(tree?.urn);
    }
  });
});

describe("API keys", () => {
  it("are seeded from secret env and exported only as secrets", async () => {
    const ev = await runCached("prod");
    const seeded = {
      sonarr: "SONARR__AUTH__APIKEY",
      radarr: "RADARR__AUTH__APIKEY",
      lidarr: "LIDARR__AUTH__APIKEY",
      prowlarr: "PROWLARR__AUTH__APIKEY",
      seerr: "API_KEY",
    };
    const generated = ev.outputs.generatedSecrets as Record<string, string>;
    for (const [app, env] of Object.entries(seeded)) {
      const c = container(ev, app);
      const value = envOf(c)[env];
      expect(value).toBeTruthy();
      const at = (c.inputs.envs as string[]).findIndex((e) => e.startsWith(`${env}=`));
      expect(c.secretPaths.some((p) => p === "envs" || p === `envs.${at}`)).toBe(true);
      expect(generated[`${app}.apiKey`]).toBe(value);
      // Never in a label.
      expect(Object.values(labelsOf(c)).join("\n")).not.toContain(value);
    }
    const random = ev.resources.filter(
      (r) => r.type === "random:index/randomPassword:RandomPassword" && r.name.endsWith("-apiKey"),
    );
    expect(random.map((r) => r.name).sort()).toEqual([
      "lidarr-apiKey",
      "prowlarr-apiKey",
      "radarr-apiKey",
      "seerr-apiKey",
      "sonarr-apiKey",
    ]);
    for (const r of random) expect(r.inputs).toMatchObject({ length: 32, special: false });
    for (const r of random) expect(r.protect).toBe(true);
  });

  it("are the MediaStack's apiKeys output, one secret per seeded app", async () => {
    let isSecret: Promise<boolean[]> = Promise.resolve([]);
    const ev = await evaluate(stackConfig("prod"), () => {
      const spec = loadSpec();
      const hosts = Object.fromEntries(
        spec.hosts.map((h) => [h.name, new Host(h.name, { spec: h })]),
      );
      const apps = spec.apps.filter((a) => definitionOf(a.name).profile === "media");
      const media = new MediaStack("media", { spec, hosts, apps });
      isSecret = Promise.all(Object.values(media.apiKeys).map((k) => pulumi.isSecret(k)));
      return { apiKeys: pulumi.all(media.apiKeys) };
    });
    expect(ev.error).toBeUndefined();
    expect(Object.keys(ev.outputs.apiKeys as object).sort()).toEqual([
      "lidarr",
      "prowlarr",
      "radarr",
      "seerr",
      "sonarr",
    ]);
    expect(await isSecret).toEqual([true, true, true, true, true]);
    expect(ev.resources.find((r) => r.type === "homelab:media:MediaStack")?.name).toBe("media");
  });
});

describe("secret config", () => {
  it("passes the Plex claim token as a secret env var only when set", async () => {
    const withClaim = await run(prodWithNasGpu("intel", 993));
    const plex = container(withClaim, "plex");
    expect(envOf(plex).PLEX_CLAIM).toBe("<secret homelab:plexClaim>");
    const at = (plex.inputs.envs as string[]).findIndex((e) => e.startsWith("PLEX_CLAIM="));
    expect(plex.secretPaths.some((p) => p === "envs" || p === `envs.${at}`)).toBe(true);
    const without = await run(
      withConfig(prodWithNasGpu("intel", 993), (c) => {
        delete c["homelab:plexClaim"];
      }),
    );
    expect(without.error).toBeUndefined();
    expect(envOf(container(without, "plex")).PLEX_CLAIM).toBeUndefined();
  });

  it("never exposes a media secret in plain container inputs", async () => {
    const ev = await runCached("prod");
    for (const c of mediaContainers(ev)) {
      const plain = JSON.stringify({
        labels: c.inputs.labels,
        command: c.inputs.command,
        healthcheck: c.inputs.healthcheck,
      });
      expect(plain).not.toContain("<secret");
      if (c.secretPaths.length === 0)
        expect(JSON.stringify(c.inputs.envs ?? [])).not.toContain("<secret");
    }
  });
});

describe("transcode scratch on tmpfs (homelab:media.transcodeTmpfsMb)", () => {
  it("replaces the transcode mount with a size-capped tmpfs that replaces the container on change", async () => {
    const ev = await run(
      withConfig(stackConfig("prod"), (c) => {
        c["homelab:media"] = { transcodeTmpfsMb: 2048 };
      }),
    );
    expect(ev.error).toBeUndefined();
    const jellyfin = container(ev, "jellyfin");
    expect(jellyfin.inputs.tmpfs).toEqual({
      "/config/cache/transcodes": "rw,nosuid,size=2048m",
    });
    expect(volumes(jellyfin).some((v) => v.hostPath.includes("/transcode/"))).toBe(false);
    expect(jellyfin.replaceOnChanges).toContain("tmpfs");
  });
});

describe("good media fixture: one NVIDIA box", () => {
  it("runs Jellyfin and Plex on the GPU with RAM transcoding, everything on one tree", async () => {
    const ev = await run("good/media-single-box-nvidia.yaml");
    expect(ev.error).toBeUndefined();
    for (const name of ["jellyfin", "plex"]) {
      const c = container(ev, name);
      expect((c.inputs.deviceRequests as DeviceRequest[])[0].driver).toBe("nvidia");
      expect(c.inputs.tmpfs).toBeDefined();
    }
    expect(container(ev, "qbittorrent").inputs.networkMode).toBe("container:gluetun-container-id");
    for (const name of ARR)
      expect(volumes(container(ev, name))).toContainEqual({
        hostPath: "/tank/data",
        containerPath: "/data",
        readOnly: false,
      });
  });
});
