import type { AppDefinition } from "./types";
import { coreApps } from "./core";
import { mediaApps } from "./media";
import { observabilityApps } from "./observability";

/** Every app the homelab knows, by name. Families live in one file each. */
const ALL: readonly AppDefinition[] = [...coreApps, ...mediaApps, ...observabilityApps];

export const CATALOG: ReadonlyMap<string, AppDefinition> = new Map(
  [...ALL].sort((a, b) => a.name.localeCompare(b.name)).map((d) => [d.name, d]),
);

export function definitionOf(name: string): AppDefinition {
  const def = CATALOG.get(name);
  if (!def) throw new Error(`unknown app ${name}`);
  return def;
}
