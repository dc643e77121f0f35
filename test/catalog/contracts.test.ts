/**
 * Every app carries its image's contract, read from upstream at the pinned tag, and every
 * container of every good stack satisfies it: the user the image switches to can be switched
 * to, and PUID/PGID images are told the owner.
 */
import { CATALOG } from "../../catalog";
import {
  containers,
  envOf,
  goodStacks,
  labelsOf,
  runCached,
  stackConfig,
} from "../helpers/harness";

const UID_GID = /^\d+:\d+$/;

describe("image contracts", () => {
  test.each([...CATALOG.keys()])("%s records its image's user and the upstream source", (name) => {
    const contract = CATALOG.get(name)?.contract;
    expect(contract).toBeDefined();
    expect(contract?.user).toMatch(UID_GID);
    if (contract?.dropsTo !== undefined && contract.dropsTo !== "owner")
      expect(contract.dropsTo).toMatch(UID_GID);
    expect(contract?.source.length).toBeGreaterThan(0);
    // `owner/repo path@ref`, or a path with the pinned version it was read at.
    for (const s of contract?.source ?? []) expect(s).toMatch(/^[\w.-]+\/[\w.-]+ \S+.*(@|\()/);
  });
});

describe.each(goodStacks())("containers of %s against their image contracts", (stack) => {
  test("an image that starts as root and switches user keeps the capabilities to switch and to stop", async () => {
    const ev = await runCached(stack);
    const missing: string[] = [];
    for (const c of containers(ev)) {
      const def = CATALOG.get(labelsOf(c)["homelab.app"] ?? "");
      const contract = def?.contract;
      if (!contract?.dropsTo || contract.user !== "0:0" || c.inputs.user) continue;
      const adds = ((c.inputs.capabilities as { adds?: string[] }).adds ?? []).sort();
      // KILL as well where a root supervisor (s6) signals the app it runs as PUID, on stop.
      const needed = ["CAP_SETGID", "CAP_SETUID", ...(def?.puid ? ["CAP_KILL"] : [])];
      for (const cap of needed)
        if (!adds.includes(cap))
          missing.push(`${c.name} lacks ${cap} (drops to ${contract.dropsTo})`);
    }
    expect(missing).toEqual([]);
  });

  test("images that drop to PUID/PGID are told the homelab owner", async () => {
    const ev = await runCached(stack);
    // Pulumi.yaml's default owner when the stack file sets none.
    const owner = JSON.parse(
      stackConfig(stack).config["homelab:owner"] ?? '{"uid":1000,"gid":1000}',
    ) as { uid: number; gid: number };
    const wrong: string[] = [];
    for (const c of containers(ev)) {
      const contract = CATALOG.get(labelsOf(c)["homelab.app"] ?? "")?.contract;
      if (contract?.dropsTo !== "owner" || c.inputs.user) continue;
      const env = envOf(c);
      if (env.PUID !== String(owner.uid) || env.PGID !== String(owner.gid))
        wrong.push(`${c.name}: PUID=${env.PUID} PGID=${env.PGID}`);
    }
    expect(wrong).toEqual([]);
  });

  test("every path an image writes while starting is writable: a tmpfs, a mount or a writable root", async () => {
    const ev = await runCached(stack);
    const unwritable: string[] = [];
    for (const c of containers(ev)) {
      const contract = CATALOG.get(labelsOf(c)["homelab.app"] ?? "")?.contract;
      if (!contract?.writes || c.inputs.readOnly !== true) continue;
      const tmpfs = Object.keys((c.inputs.tmpfs ?? {}) as Record<string, string>);
      const mounts = ((c.inputs.volumes ?? []) as { containerPath: string; readOnly?: boolean }[])
        .filter((v) => !v.readOnly)
        .map((v) => v.containerPath);
      const under = (path: string, root: string) => path === root || path.startsWith(`${root}/`);
      for (const path of contract.writes)
        if (![...tmpfs, ...mounts].some((root) => under(path, root)))
          unwritable.push(`${c.name} writes ${path} on a read-only root`);
    }
    expect(unwritable).toEqual([]);
  });
});
