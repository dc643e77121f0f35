import type { AliasSpec, RegisteredResource } from "../scripts/evaluate";
import { runCached } from "./helpers/harness";

/**
 * The URN an alias stands for, by the engine's rule: `urn:pulumi:<stack>::<project>::` then the
 * parent's own type (the last `$` segment of its URN's type), `$`, the type, `::`, the name
 * (pulumi/pulumi sdk/go/common/resource/urn.go, NewURN).
 */
function aliasUrn(r: RegisteredResource, alias: AliasSpec): string {
  if (alias.urn) return alias.urn;
  const [prefix, , ownType, ownName] = r.urn.split("::");
  const parentUrn = alias.noParent ? undefined : (alias.parentUrn ?? r.parent);
  const parentType = parentUrn ? parentUrn.split("::")[2].split("$").pop() : undefined;
  const type = alias.type ?? ownType.split("$").pop();
  const qualified = parentType ? `${parentType}$${type}` : type;
  return `${prefix}::${r.urn.split("::")[1]}::${qualified}::${alias.name ?? ownName}`;
}

function byName(resources: readonly RegisteredResource[], name: string): RegisteredResource {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource ${name}`);
  return found;
}

describe("renamed components keep the resources of stacks deployed before the rename", () => {
  it.each([
    [
      "alertmanager-dirs",
      "urn:pulumi:dev::homelab::homelab:components:App$homelab:hosts:HostDirectories::alertmanager-dirs",
      "urn:pulumi:dev::homelab::homelab:components:App$homelab:hosts:Directories::alertmanager-dirs",
    ],
  ])("%s: the URN it had before maps to the new one", async (name, now, before) => {
    const ev = await runCached("dev");
    const r = byName(ev.resources, name);
    expect(r.urn).toBe(now);
    expect(r.aliases.map((a) => aliasUrn(r, a))).toContain(before);
  });

  it("a host file keeps its URN under its former type", async () => {
    const ev = await runCached("prod");
    const files = ev.resources.filter((r) => r.type === "homelab:hosts:HostFile");
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const before = f.urn.replace("$homelab:hosts:HostFile::", "$homelab:hosts:File::");
      expect(before).not.toBe(f.urn);
      expect(f.aliases.map((a) => aliasUrn(f, a))).toContain(before);
    }
  });
});
