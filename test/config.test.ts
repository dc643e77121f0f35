import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../config/errors";
import { parseSpec } from "../plan/resolve";
import { resolveTier } from "../plan/storage";
import {
  badStacks,
  FIXTURES,
  goodStacks,
  runCached,
  stackConfig,
  withConfig,
} from "./helpers/harness";

function expectedKeys(fixture: string): string[] {
  const text = readFileSync(join(FIXTURES, fixture), "utf8");
  const line = /^# expect: (.+)$/m.exec(text);
  if (!line) throw new Error(`${fixture} has no '# expect:' line`);
  return line[1].trim().split(/\s+/);
}

describe("bad stack files are rejected before any resource is registered", () => {
  it("has at least 15 bad fixtures", () => {
    expect(badStacks().length).toBeGreaterThanOrEqual(15);
  });

  it.each(badStacks())("%s", async (fixture) => {
    const ev = await runCached(fixture);
    expect(ev.error).toBeInstanceOf(ConfigError);
    const issues = (ev.error as ConfigError).issues.map((i) => i.key);
    for (const key of expectedKeys(fixture)) {
      expect(issues).toContain(key);
      expect(ev.error?.message).toContain(`${key}:`);
    }
    expect(ev.resources).toHaveLength(0);
  });
});

describe("good stack files", () => {
  it.each(goodStacks())("%s validates and evaluates", async (stack) => {
    const ev = await runCached(stack);
    expect(ev.error).toBeUndefined();
    expect(ev.resources.length).toBeGreaterThan(0);
  });
});

describe("spec", () => {
  it("is frozen all the way down", () => {
    const spec = parseSpec(stackConfig("prod"));
    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec.hosts[0].storage)).toBe(true);
    expect(() => (spec.apps as unknown as unknown[]).push({})).toThrow();
  });

  it("makes a single host the edge", () => {
    const spec = parseSpec(stackConfig("dev"));
    expect(spec.hosts).toHaveLength(1);
    expect(spec.hosts[0].edge).toBe(true);
  });

  it("reports every problem at once, each with its key", () => {
    const stack = withConfig(stackConfig("dev"), (c) => {
      c["homelab:timezone"] = "not a zone";
      c["homelab:owner"] = { uid: "x", gid: 1000 };
      c["homelab:bogus"] = "1";
    });
    let error: unknown;
    try {
      parseSpec(stack);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const keys = (error as ConfigError).issues.map((i) => i.key).sort();
    expect(keys).toEqual(["homelab:bogus", "homelab:owner.uid", "homelab:timezone"]);
  });

  it("reports a bad host entry and the other entries' problems in the same run", () => {
    const stack = withConfig(stackConfig("prod"), (c) => {
      const hosts = c["homelab:hosts"] as Record<string, Record<string, unknown>>;
      hosts.forge.address = "0.0.0.0";
      c["homelab:apps"] = {
        // Pinned to the broken host: no echo about an unknown host.
        jupyter: { host: "forge" },
        sonarr: { subdomain: "radarr" },
        grafana: { env: { GF_SECURITY_ADMIN_USER: "root" } },
      };
    });
    let error: unknown;
    try {
      parseSpec(stack);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.key).sort()).toEqual([
      "homelab:apps.grafana.env.GF_SECURITY_ADMIN_USER",
      "homelab:apps.sonarr.subdomain",
      "homelab:hosts.forge.address",
    ]);
  });

  it("falls back to the nearest tier a host has, and errs only on explicit overrides", () => {
    const ssdOnly = { storage: { ssd: "/srv" } };
    const hddOnly = { storage: { hdd: "/tank" } };
    const fastOnly = { storage: { nvme: "/fast" } };
    expect(resolveTier("transcode", ssdOnly, {})).toBe("ssd");
    expect(resolveTier("data", ssdOnly, {})).toBe("ssd");
    expect(resolveTier("config", hddOnly, {})).toBe("hdd");
    expect(resolveTier("backups", fastOnly, {})).toBe("nvme");
    expect(resolveTier("config", ssdOnly, { config: "nvme" })).toBeUndefined();
    expect(resolveTier("config", { storage: { nvme: "/f", ssd: "/s" } }, { config: "nvme" })).toBe(
      "nvme",
    );
  });

  it("places per-host apps on every host and others on one", () => {
    const spec = parseSpec(stackConfig("prod"));
    const proxies = spec.apps.filter((a) => a.name === "socket-proxy").map((a) => a.host);
    expect(proxies).toEqual(spec.hosts.map((h) => h.name));
    expect(spec.apps.filter((a) => a.name === "traefik").map((a) => a.host)).toEqual(["gateway"]);
  });
});
