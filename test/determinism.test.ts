import type { Evaluation } from "../scripts/evaluate";
import { run, stackConfig, withConfig } from "./helpers/harness";

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
    "%s: two evaluations give byte-identical resource inputs",
    async (stack) => {
      const first = await run(stack);
      const second = await run(stack);
      expect(first.error).toBeUndefined();
      expect(JSON.stringify([...inputsByUrn(second)])).toBe(
        JSON.stringify([...inputsByUrn(first)]),
      );
      expect(first.resources.length).toBeGreaterThan(10);
    },
  );

  it("changing one app's setting changes no other container's inputs", async () => {
    const base = await run("prod");
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
