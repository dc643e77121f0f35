import { ConfigError } from "../../config/errors";
import { parseSpec } from "../../plan/resolve";
import { run, stackConfig, withConfig } from "../helpers/harness";

/** Runs a stack that must be rejected and returns its issues by key (messages joined). */
async function rejected(stack: Parameters<typeof run>[0]): Promise<Map<string, string>> {
  const ev = await run(stack);
  expect(ev.error).toBeInstanceOf(ConfigError);
  // A bad stack registers nothing: no half-applied homelab.
  expect(ev.resources.length).toBe(0);
  const byKey = new Map<string, string>();
  for (const i of (ev.error as ConfigError).issues)
    byKey.set(i.key, [byKey.get(i.key), i.message].filter(Boolean).join("\n"));
  return byKey;
}

const prodWith = (edit: (c: Record<string, unknown>) => void) =>
  withConfig(stackConfig("prod"), edit);

describe("media placement", () => {
  it("rejects the download client away from the *arr apps, naming its host key", async () => {
    const issues = await rejected("bad/media-split-download-client.yaml");
    expect(issues.get("homelab:apps.qbittorrent.host")).toMatch(/shared \/data tree is on nas/);
    // Gluetun followed qBittorrent: its namespace is no second problem.
    expect(issues.has("homelab:apps.gluetun.host")).toBe(false);
  });

  it("rejects *arr apps pinned to two hosts, naming the one away from the tree", async () => {
    const issues = await rejected("bad/media-split-arr.yaml");
    expect(issues.get("homelab:apps.sonarr.host")).toMatch(/hardlinks/);
    expect(issues.has("homelab:apps.radarr.host")).toBe(false);
  });

  it("moves the /data apps and Gluetun with one pinned *arr app (prod: sonarr on forge)", () => {
    const spec = parseSpec(
      prodWith((c) => {
        (c["homelab:hosts"] as Record<string, Record<string, unknown>>).forge.memoryMb = 65536;
        c["homelab:apps"] = { sonarr: { host: "forge" } };
      }),
    );
    const hostOf = (name: string) => spec.apps.find((a) => a.name === name)?.host;
    for (const name of ["bazarr", "gluetun", "jellyfin", "qbittorrent", "radarr", "sonarr"])
      expect([name, hostOf(name)]).toEqual([name, "forge"]);
  });

  it("moves Gluetun and the /data apps with a pinned qBittorrent", () => {
    const spec = parseSpec(
      prodWith((c) => {
        (c["homelab:hosts"] as Record<string, Record<string, unknown>>).forge.memoryMb = 65536;
        c["homelab:apps"] = { qbittorrent: { host: "forge" } };
      }),
    );
    const hostOf = (name: string) => spec.apps.find((a) => a.name === name)?.host;
    for (const name of ["gluetun", "qbittorrent", "radarr", "sonarr"])
      expect([name, hostOf(name)]).toEqual([name, "forge"]);
  });

  it("keeps qBittorrent with Gluetun, blaming the one that was pinned", async () => {
    const issues = await rejected(
      prodWith((c) => (c["homelab:apps"] = { gluetun: { host: "forge" } })),
    );
    expect([...issues.keys()]).toEqual(["homelab:apps.gluetun.host"]);
    expect(issues.get("homelab:apps.gluetun.host")).toMatch(/network namespace/);
  });

  it("needs Gluetun enabled for qBittorrent", async () => {
    const issues = await rejected("bad/media-download-client-without-gluetun.yaml");
    expect(issues.get("homelab:apps.gluetun.enabled")).toMatch(
      /qbittorrent runs in its network namespace/,
    );
  });

  it("accepts the whole stack moved together", () => {
    const all = [
      "bazarr",
      "gluetun",
      "jellyfin",
      "lidarr",
      "prowlarr",
      "qbittorrent",
      "radarr",
      "seerr",
      "sonarr",
    ];
    const spec = parseSpec(
      prodWith((c) => {
        (c["homelab:hosts"] as Record<string, Record<string, unknown>>).forge.memoryMb = 65536;
        c["homelab:apps"] = Object.fromEntries(all.map((name) => [name, { host: "forge" }]));
      }),
    );
    expect(new Set(spec.apps.filter((a) => all.includes(a.name)).map((a) => a.host))).toEqual(
      new Set(["forge"]),
    );
  });
});

describe("the VPN", () => {
  it("is required by the download client, naming homelab:vpn", async () => {
    const issues = await rejected("bad/media-without-vpn.yaml");
    expect(issues.get("homelab:vpn")).toMatch(
      /required because gluetun and qbittorrent are enabled/,
    );
    expect(issues.has("homelab:vpnPrivateKey")).toBe(true);
  });

  it("is required for qBittorrent alone too", async () => {
    const issues = await rejected(
      prodWith((c) => {
        delete c["homelab:vpn"];
        delete c["homelab:vpnPrivateKey"];
      }),
    );
    expect(issues.get("homelab:vpn")).toMatch(/qbittorrent/);
  });

  it("must not share addresses with the LAN subnets Gluetun routes around the tunnel", async () => {
    const issues = await rejected("bad/media-vpn-overlaps-lan.yaml");
    expect(issues.get("homelab:lanCidrs")).toMatch(
      /10\.0\.0\.0\/8 overlaps the VPN address 10\.64\.1\.2\/32/,
    );
  });

  it("is not needed when the download client is off", () => {
    const spec = parseSpec(
      prodWith((c) => {
        delete c["homelab:vpn"];
        delete c["homelab:vpnPrivateKey"];
        c["homelab:apps"] = { gluetun: { enabled: false }, qbittorrent: { enabled: false } };
      }),
    );
    expect(spec.apps.map((a) => a.name)).toContain("sonarr");
    expect(spec.apps.map((a) => a.name)).not.toContain("gluetun");
  });
});

describe("homelab:media", () => {
  it("rejects a transcode tmpfs that does not fit the media server's memory", async () => {
    const issues = await rejected("bad/media-transcode-tmpfs-too-big.yaml");
    expect(issues.get("homelab:media.transcodeTmpfsMb")).toMatch(
      /jellyfin's memory limit of 4096 MB/,
    );
  });

  it("rejects unknown keys", async () => {
    const issues = await rejected(prodWith((c) => (c["homelab:media"] = { transcode: "ram" })));
    expect(issues.has("homelab:media.transcode")).toBe(true);
  });
});
