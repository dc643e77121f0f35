import type { AppDefinition } from "./types";
import { backupApp } from "./backup";
import { coreApps } from "./core";
import { mediaApps } from "./media";
import { observabilityApps } from "./observability";
import { serviceApps } from "./services";

/** Every app the homelab knows, by name. Families live in one file each. */
const ALL: readonly AppDefinition[] = [
  ...coreApps,
  backupApp,
  ...mediaApps,
  ...observabilityApps,
  ...serviceApps,
];

export const CATALOG: ReadonlyMap<string, AppDefinition> = new Map(
  [...ALL].sort((a, b) => a.name.localeCompare(b.name)).map((d) => [d.name, d]),
);

export function definitionOf(name: string): AppDefinition {
  const def = CATALOG.get(name);
  if (!def) throw new Error(`unknown app ${name}`);
  return def;
}
