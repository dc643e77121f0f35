import { SUDO_PRELUDE, shellQuote } from "./shell";
import type { ResolvedMount } from "./storage";

/** Data-tree directories are shared by several apps, so they are group-writable (TRaSH). */
function modeFor(m: Pick<ResolvedMount, "class" | "mode">): string {
  if (m.mode !== undefined) return m.mode;
  return m.class === "data" ? "2775" : "0750";
}

/**
 * A POSIX script that creates every directory with the owner's uid/gid and mode.
 * Idempotent (`install -d` on an existing directory only re-applies owner and mode) and
 * never deletes: removing an app leaves its data where it was.
 */
export function directoriesScript(
  dirs: readonly Pick<ResolvedMount, "source" | "class" | "mode" | "owner">[],
  owner: { uid: number; gid: number },
): string {
  const unique = new Map<string, { mode: string; uid: number; gid: number }>();
  for (const d of dirs) unique.set(d.source, { mode: modeFor(d), ...(d.owner ?? owner) });
  const lines = [...unique.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([path, o]) => `$SUDO install -d -m ${o.mode} -o ${o.uid} -g ${o.gid} ${shellQuote(path)}`,
    );
  return [...SUDO_PRELUDE, ...lines].join("\n") + "\n";
}
