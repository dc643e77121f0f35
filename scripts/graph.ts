import type { RegisteredResource } from "./evaluate";

/** Longest path in the dependency graph (dependsOn, inputs and provider references). */
export function longestChain(resources: readonly RegisteredResource[]): string[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const memo = new Map<string, string[]>();
  const edges = (r: RegisteredResource) => {
    const provider = r.provider ? [r.provider.split("::").slice(0, -1).join("::")] : [];
    return [...r.dependencies, ...provider].filter((u) => byUrn.has(u));
  };
  const visit = (urn: string): string[] => {
    const cached = memo.get(urn);
    if (cached) return cached;
    const r = byUrn.get(urn) as RegisteredResource;
    let best: string[] = [];
    for (const dep of edges(r)) {
      const chain = visit(dep);
      if (chain.length > best.length) best = chain;
    }
    const result = [...best, `${r.type.split(":").pop()?.split("/").pop()} ${r.name}`];
    memo.set(urn, result);
    return result;
  };
  let longest: string[] = [];
  for (const r of resources) {
    if (!r.custom) continue;
    const chain = visit(r.urn);
    if (chain.length > longest.length) longest = chain;
  }
  return longest;
}
