import type { AppDefinition } from "../catalog/types";
import type { HostSpec } from "../config/spec";

/** Hosts ordered so that defaults are stable: the edge first, then by name. */
function ordered(hosts: readonly HostSpec[]): HostSpec[] {
  return [...hosts].sort((a, b) => Number(b.edge) - Number(a.edge) || a.name.localeCompare(b.name));
}

const GPU_PREFERENCE = { nvidia: 0, intel: 1, amd: 2, none: 3 } as const;

/**
 * The host that holds the shared data tree by default: one with an HDD tier, a GPU for
 * transcoding preferred; the edge when no host has an HDD.
 */
export function dataHost(hosts: readonly HostSpec[]): HostSpec {
  const withHdd = ordered(hosts).filter((h) => h.storage.hdd !== undefined);
  const gpu = withHdd.find((h) => h.gpu !== "none");
  return gpu ?? withHdd[0] ?? ordered(hosts)[0];
}

/** The best GPU host for compute (NVIDIA first), or the edge when there is none. */
export function gpuHost(hosts: readonly HostSpec[]): HostSpec {
  return [...ordered(hosts)].sort((a, b) => GPU_PREFERENCE[a.gpu] - GPU_PREFERENCE[b.gpu])[0];
}

/** Where an app runs when `homelab:apps.<name>.host` does not say. */
export function defaultHost(def: AppDefinition, hosts: readonly HostSpec[]): HostSpec {
  const edge = ordered(hosts)[0];
  if (def.placement === "edge") return edge;
  if (def.placement === "data" || def.data !== undefined) return dataHost(hosts);
  if (def.placement === "gpu") return gpuHost(hosts);
  return edge;
}
