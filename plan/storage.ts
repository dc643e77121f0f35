import type { AppDefinition, DataMount } from "../catalog/types";
import type { HostSpec, StorageClass, Tier } from "../config/spec";

/** The seed architecture's class → tier mapping (DESIGN §4). */
export const DEFAULT_TIERS: Readonly<Record<StorageClass, Tier>> = {
  config: "ssd",
  database: "ssd",
  metrics: "ssd",
  logs: "ssd",
  cache: "nvme",
  transcode: "nvme",
  games: "nvme",
  data: "hdd",
  backups: "hdd",
};

const SPEED_ORDER: readonly Tier[] = ["nvme", "ssd", "hdd"];

/**
 * The tier a class lands on for one host: the configured tier when the host has it,
 * otherwise the nearest tier the host has, slower first, then faster.
 * Returns undefined only for an explicit override to a tier the host lacks.
 */
export function resolveTier(
  cls: StorageClass,
  host: Pick<HostSpec, "storage">,
  overrides: Partial<Record<StorageClass, Tier>>,
): Tier | undefined {
  const explicit = overrides[cls];
  if (explicit) return host.storage[explicit] ? explicit : undefined;
  const wanted = DEFAULT_TIERS[cls];
  const at = SPEED_ORDER.indexOf(wanted);
  const candidates = [...SPEED_ORDER.slice(at), ...SPEED_ORDER.slice(0, at).reverse()];
  return candidates.find((t) => host.storage[t] !== undefined);
}

export interface ResolvedMount {
  /** Host path, always below one of the host's tier roots. */
  source: string;
  target: string;
  readOnly: boolean;
  class: StorageClass;
  tier: Tier;
  /** Mode of the created host directory; by class when absent (plan/directories.ts). */
  mode?: string;
  /** Owner of the created host directory when it is not the homelab owner. */
  owner?: { uid: number; gid: number };
}

/** The numeric owner an image's contract drops to, for volumes it owns (`owner: "image"`). */
function imageOwner(def: Pick<AppDefinition, "name" | "contract">): { uid: number; gid: number } {
  const m = /^(\d+):(\d+)$/.exec(def.contract?.dropsTo ?? "");
  if (!m)
    throw new Error(`${def.name}: a volume owned by the image needs a numeric contract.dropsTo`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

function rootOf(
  cls: StorageClass,
  host: Pick<HostSpec, "storage" | "name">,
  overrides: Partial<Record<StorageClass, Tier>>,
): { tier: Tier; root: string } {
  const tier = resolveTier(cls, host, overrides);
  const root = tier ? host.storage[tier] : undefined;
  if (!tier || !root) throw new Error(`host ${host.name} has no tier for class ${cls}`);
  return { tier, root };
}

/** Where the shared data tree lives on a host: `<tier root>/data`. */
export function dataTreeRoot(
  host: Pick<HostSpec, "storage" | "name">,
  overrides: Partial<Record<StorageClass, Tier>>,
): { tier: Tier; path: string } {
  const { tier, root } = rootOf("data", host, overrides);
  return { tier, path: `${root}/data` };
}

const DATA_SUBPATHS: Readonly<Record<DataMount, string>> = {
  root: "",
  media: "/media",
  torrents: "/torrents",
  usenet: "/usenet",
  photos: "/media/photos",
  music: "/media/music",
};

/** Directories created inside the data tree so that every app finds its part (TRaSH layout). */
export const DATA_TREE_DIRS: readonly string[] = [
  "",
  "/media",
  "/media/movies",
  "/media/tv",
  "/media/music",
  "/media/books",
  "/media/photos",
  "/torrents",
  "/torrents/movies",
  "/torrents/tv",
  "/torrents/music",
  "/usenet",
  "/usenet/incomplete",
  "/usenet/complete",
  "/usenet/complete/movies",
  "/usenet/complete/tv",
  "/usenet/complete/music",
];

/** Every bind mount of one app on one host, by storage class (DESIGN §4). */
export function appMounts(
  def: Pick<AppDefinition, "name" | "volumes" | "data" | "contract">,
  host: Pick<HostSpec, "storage" | "name">,
  overrides: Partial<Record<StorageClass, Tier>>,
): ResolvedMount[] {
  const mounts: ResolvedMount[] = (def.volumes ?? []).map((v) => {
    const { tier, root } = rootOf(v.class, host, overrides);
    return {
      source: `${root}/${v.class}/${def.name}${v.sub ? `/${v.sub}` : ""}`,
      target: v.target,
      readOnly: v.readOnly ?? false,
      class: v.class,
      tier,
      ...(v.owner === "image" ? { owner: imageOwner(def) } : {}),
    };
  });
  if (def.data) {
    const { tier, path } = dataTreeRoot(host, overrides);
    const sub = DATA_SUBPATHS[def.data];
    mounts.push({
      source: `${path}${sub}`,
      target: `/data${sub}`,
      readOnly: false,
      class: "data",
      tier,
    });
  }
  return mounts;
}
