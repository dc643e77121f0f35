/**
 * The media chain's wiring steps in the evaluated program: every step the owner expects is
 * planned, no secret is in a command line, and a change touches only the steps it concerns.
 */
import type { RegisteredResource } from "../../scripts/evaluate";
import { run, runCached, stackConfig, withConfig } from "../helpers/harness";

const STACK = "good/everything.yaml";

const wiring = (resources: readonly RegisteredResource[]) =>
  resources.filter((r) => r.name.includes("-wire-"));
const names = (resources: readonly RegisteredResource[]) => wiring(resources).map((r) => r.name);

describe("the media chain's wiring on the everything stack", () => {
  it("plans Jellyfin's, Seerr's and Bazarr's steps", async () => {
    const ev = await runCached(STACK);
    expect(ev.error).toBeUndefined();
    expect(names(ev.resources)).toEqual(
      expect.arrayContaining([
        "jellyfin-wire-libraries",
        "jellyfin-wire-hardware-acceleration",
        "seerr-wire-jellyfin",
        "seerr-wire-sonarr",
        "seerr-wire-radarr",
        "bazarr-wire-sonarr",
        "bazarr-wire-radarr",
      ]),
    );
  });

  it("runs Seerr's steps in Jellyfin's container, since Seerr's image has no curl or jq", async () => {
    const ev = await runCached(STACK);
    for (const r of wiring(ev.resources).filter((x) => x.name.startsWith("seerr-")))
      expect([r.name, String(r.inputs.create).split("\n").pop()]).toEqual([
        r.name,
        "exec $DOCKER exec -i 'jellyfin' sh -s",
      ]);
  });

  it("keeps every secret out of the command lines and in the secret stdin", async () => {
    const ev = await runCached(STACK);
    const steps = wiring(ev.resources);
    expect(steps.length).toBeGreaterThan(0);
    for (const r of steps) {
      const stdin = String(r.inputs.stdin);
      const values = [...stdin.matchAll(/^export [A-Z_]+='([^']*)'$/gm)].map((m) => m[1]);
      expect(r.secretPaths).toContain("stdin");
      const create = String(r.inputs.create);
      for (const v of values) expect([r.name, create.includes(v)]).toEqual([r.name, false]);
      // Generated secrets of the evaluation look like `mock-<hash>`.
      expect([r.name, /mock-[0-9a-f]{8}/.test(create)]).toEqual([r.name, false]);
    }
    // The steps that read keys do get them.
    const seerr = steps.find((r) => r.name === "seerr-wire-sonarr");
    expect(String(seerr?.inputs.stdin)).toMatch(/^export SONARR_API_KEY='mock-/m);
  });

  it("changes only Jellyfin's hardware-acceleration step when its host's GPU changes", async () => {
    const before = await runCached(STACK);
    const after = await run(
      withConfig(stackConfig(STACK), (c) => {
        const hosts = c["homelab:hosts"] as Record<string, Record<string, unknown>>;
        hosts.nas.gpu = "nvidia";
      }),
    );
    expect(after.error).toBeUndefined();
    const changed = wiring(after.resources)
      .filter((r) => {
        const old = wiring(before.resources).find((b) => b.name === r.name);
        return JSON.stringify(old?.inputs) !== JSON.stringify(r.inputs);
      })
      .map((r) => r.name);
    expect(changed).toEqual(["jellyfin-wire-hardware-acceleration"]);
    const hw = wiring(after.resources).find((r) => r.name === changed[0]);
    expect(String(hw?.inputs.stdin)).toContain('"HardwareAccelerationType":"nvenc"');
  });

  it("drops only Seerr's steps when Seerr is switched off", async () => {
    const before = await runCached(STACK);
    const after = await run(
      withConfig(stackConfig(STACK), (c) => {
        const apps = c["homelab:apps"] as Record<string, Record<string, unknown>>;
        apps.seerr = { ...apps.seerr, enabled: false };
      }),
    );
    expect(after.error).toBeUndefined();
    const gone = names(before.resources).filter((n) => !names(after.resources).includes(n));
    expect(gone.sort()).toEqual(["seerr-wire-jellyfin", "seerr-wire-radarr", "seerr-wire-sonarr"]);
    expect(names(after.resources).length).toBe(names(before.resources).length - 3);
  });
});
