import { capabilityName, goDuration } from "../plan/container";
import { container, labelsOf, runCached } from "./helpers/harness";

describe("values Docker reads back in its own spelling", () => {
  it("writes durations the way Go prints them", () => {
    expect(goDuration(5)).toBe("5s");
    expect(goDuration(60)).toBe("1m0s");
    expect(goDuration(90)).toBe("1m30s");
    expect(goDuration(180)).toBe("3m0s");
    expect(goDuration(3600)).toBe("1h0m0s");
  });

  it("prefixes capabilities with CAP_", () => {
    expect(capabilityName("NET_ADMIN")).toBe("CAP_NET_ADMIN");
    expect(capabilityName("CAP_CHOWN")).toBe("CAP_CHOWN");
  });

  it("gives every container health durations and capabilities in that form", async () => {
    const ev = await runCached("prod");
    const jellyfin = container(ev, "jellyfin");
    const health = jellyfin.inputs.healthcheck as Record<string, string>;
    for (const key of ["interval", "timeout", "startPeriod"])
      expect(health[key]).toMatch(/^(\d+h)?(\d+m)?\d+s$/);
    const adds = (jellyfin.inputs.capabilities as { adds: string[] }).adds;
    expect(adds.every((c) => c.startsWith("CAP_"))).toBe(true);
  });
});

describe("file access of the owner's directories", () => {
  it("runs Traefik as the owner, binding 80/443 without a capability", async () => {
    const ev = await runCached("prod");
    const traefik = container(ev, "traefik");
    expect(traefik.inputs.user).toBe("1000:1000");
    expect(traefik.inputs.sysctls).toEqual({ "net.ipv4.ip_unprivileged_port_start": "0" });
    expect((traefik.inputs.capabilities as { adds: string[] }).adds).toEqual([]);
  });

  it("gives images that run as root and write the owner's directories file access, declared", async () => {
    const ev = await runCached("good/everything.yaml");
    const crowdsec = container(ev, "crowdsec");
    expect((crowdsec.inputs.capabilities as { adds: string[] }).adds).toEqual(
      expect.arrayContaining(["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"]),
    );
    expect(labelsOf(crowdsec)["homelab.exceptions"]).toContain("runs as root and writes");
  });
});
