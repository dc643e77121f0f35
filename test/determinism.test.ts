import type { Evaluation } from "../scripts/evaluate";
import { longestChain } from "../scripts/graph";
import { goodStacks, run, runCached, stackConfig, withConfig } from "./helpers/harness";

/** Inputs of every resource, keyed by URN, as the engine would diff them. */
function inputsByUrn(ev: Evaluation): Map<string, string> {
  return new Map(
    ev.resources.map((r) => [
      r.urn,
      JSON.stringify({ inputs: r.inputs, deps: r.dependencies, secrets: r.secretPaths }),
    ]),
  );
}

describe("determinism", () => {
  it.each(["dev", "prod"])(
    "%s: two evaluations in two processes give byte-identical resource inputs",
    async (stack) => {
      // The stored evaluation ran in jest's main process; this one runs in the worker.
      const first = await runCached(stack);
      const second = await run(stack);
      expect(first.error).toBeUndefined();
      expect(JSON.stringify([...inputsByUrn(second)])).toBe(
        JSON.stringify([...inputsByUrn(first)]),
      );
      expect(first.resources.length).toBeGreaterThan(10);
    },
  );

  it("changing one app's setting changes no other container's inputs", async () => {
    const base = await runCached("prod");
    const changed = await run(
      withConfig(stackConfig("prod"), (c) => {
        c["homelab:apps"] = { whoami: { memoryMb: 48 } };
      }),
    );
    const a = inputsByUrn(base);
    const b = inputsByUrn(changed);
    const differing = [...a.keys()].filter((urn) => a.get(urn) !== b.get(urn));
    expect(differing).toHaveLength(1);
    expect(differing[0]).toMatch(/whoami-container$/);
  });
});

describe("isolation between apps", () => {
  async function addedApp(app: string) {
    const base = await runCached("prod");
    const added = await run(
      withConfig(stackConfig("prod"), (c) => {
        c["homelab:apps"] = { [app]: { enabled: true } };
      }),
    );
    expect(added.error).toBeUndefined();
    const a = inputsByUrn(base);
    const b = inputsByUrn(added);
    const containers = [...b.keys()].filter((urn) => urn.endsWith("-container"));
    return {
      changed: containers
        .filter((urn) => a.has(urn) && a.get(urn) !== b.get(urn))
        .map((u) => u.split("::").pop()),
      added: containers.filter((urn) => !a.has(urn)).map((u) => u.split("::").pop()),
    };
  }

  it("adding an app changes no other container's inputs", async () => {
    const { changed, added } = await addedApp("dozzle");
    expect(changed).toEqual([]);
    expect(added).toEqual(["dozzle-container"]);
  });

  it("adding an app with its own SSO policy changes only Authelia's access rules", async () => {
    // Authelia holds the access-control list; a two-factor app needs no rule, a one-factor one does.
    const { changed, added } = await addedApp("plex");
    expect(changed).toEqual(["authelia-container"]);
    expect(added).toEqual(["plex-container"]);
  });

  // The deepest chain: provider, image, shared database, its init, the app, then a wiring step
  // that needs the running app (Gitea's sign-in). Anything longer serialises the deploy.
  it.each(goodStacks())(
    "%s: the longest dependency chain is at most 6 resources",
    async (stack) => {
      const ev = await runCached(stack);
      const chain = longestChain(ev.resources);
      expect(chain.length).toBeGreaterThanOrEqual(3);
      expect(chain.length).toBeLessThanOrEqual(6);
    },
  );
});
