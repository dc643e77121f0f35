/**
 * A Caddyfile read back as nested blocks (by its braces and lines only), so tests can ask
 * "what does the route of jellyfin contain" without string offsets. It knows nothing of what
 * the directives mean; the lab suite hands the real file to the real Caddy.
 */
export interface CaddyBlock {
  /** The line that opened the block, without ` {` (`""` for the global options and the root). */
  head: string;
  /** Lines directly inside, blocks shown as their head. */
  lines: string[];
  children: CaddyBlock[];
}

export function caddyTree(text: string): CaddyBlock {
  const root: CaddyBlock = { head: "", lines: [], children: [] };
  const stack = [root];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const top = stack[stack.length - 1];
    if (line === "}") {
      if (stack.length === 1) throw new Error("unbalanced } in Caddyfile");
      stack.pop();
    } else if (line.endsWith("{")) {
      const child: CaddyBlock = { head: line.slice(0, -1).trim(), lines: [], children: [] };
      top.lines.push(child.head);
      top.children.push(child);
      stack.push(child);
    } else top.lines.push(line);
  }
  if (stack.length !== 1) throw new Error("unclosed { in Caddyfile");
  return root;
}

/** The first block, at any depth, whose head is `head`. */
export function findBlock(tree: CaddyBlock, head: string): CaddyBlock | undefined {
  for (const child of tree.children) {
    if (child.head === head) return child;
    const deeper = findBlock(child, head);
    if (deeper) return deeper;
  }
  return undefined;
}

/** The block, or a failed test naming what was missing. */
export function block(tree: CaddyBlock, head: string): CaddyBlock {
  const found = findBlock(tree, head);
  if (!found) throw new Error(`no block "${head}" in the Caddyfile`);
  return found;
}

/**
 * An app's `route` block: inside `handle @<app>` under a wildcard site, or directly in the
 * app's own site block otherwise.
 */
export function appRoute(tree: CaddyBlock, app: string, site: string): CaddyBlock | undefined {
  const handle = findBlock(tree, `handle @${app}`) ?? tree.children.find((b) => b.head === site);
  return handle?.children.find((b) => b.head === "route");
}
