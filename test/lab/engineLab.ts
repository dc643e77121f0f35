/**
 * Shared set-up of the engine lab suites: the engine scripts/lab.sh started, a stack file
 * rewritten so its storage roots live in a temporary directory and its host address is a
 * loopback one, and the runtime user of each container from its app's image contract.
 */
import { chmodSync, mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { CATALOG } from "../../catalog";
import type { RegisteredResource } from "../../scripts/evaluate";
import type { StackConfig } from "../../scripts/stackFile";
import { labelsOf } from "../../scripts/evaluate";
import { stackConfig, withConfig } from "../helpers/harness";
import { backupApp } from "../../catalog/backup";
import { backupRootfs, type ApplyOptions } from "./engine/apply";
import { DockerApi } from "./engine/dockerApi";
import { PG_BIN } from "./servers/servers";

/** The engine scripts/lab.sh starts; the suites fail (never skip) without it. */
export async function labEngine(): Promise<DockerApi> {
  const socket = process.env.HOMELAB_LAB_DOCKER_SOCKET;
  if (!socket)
    throw new Error("HOMELAB_LAB_DOCKER_SOCKET is not set: run the lab with `npm run test:lab`");
  const api = new DockerApi(socket);
  if (!(await api.ping())) throw new Error(`no Docker engine answers on ${socket}`);
  return api;
}

/** Where the lab's stacks keep their storage tiers (removed after each suite). */
export const LAB_ROOTS = "/srv/homelab-lab";

export interface LabStack {
  config: StackConfig;
  root: string;
  owner: { uid: number; gid: number };
}

/** A stack file with its storage under a fresh temp dir and its hosts on loopback addresses. */
export function labStack(
  name: string,
  edit: (c: Record<string, unknown>) => void = () => {},
): LabStack {
  // Not under /tmp: storage roots under system directories are refused by the stack's checks.
  mkdirSync(LAB_ROOTS, { recursive: true });
  const root = mkdtempSync(join(LAB_ROOTS, "stack-"));
  // Database servers of the lab run as their own users and must traverse it.
  chmodSync(root, 0o755);
  let owner = { uid: 1000, gid: 1000 };
  const config = withConfig(stackConfig(name), (c) => {
    const hosts = c["homelab:hosts"] as Record<
      string,
      { address: string; storage: Record<string, string> }
    >;
    let n = 1;
    for (const [host, h] of Object.entries(hosts)) {
      for (const tier of Object.keys(h.storage)) h.storage[tier] = join(root, host, tier);
      n += 1;
      h.address = `127.0.0.${n}`;
    }
    const o = c["homelab:owner"] as { uid: number; gid: number } | undefined;
    if (o) owner = o;
    edit(c);
  });
  return { config, root, owner };
}

/** `uid:gid` the app's process runs as and writes with: declared user, else its image contract. */
export function runtimeUser(c: RegisteredResource, owner: { uid: number; gid: number }): string {
  const declared = c.inputs.user;
  if (typeof declared === "string" && declared) return declared;
  const app = labelsOf(c)["homelab.app"];
  const contract = app ? CATALOG.get(app)?.contract : undefined;
  if (!contract) return "0:0";
  if (contract.dropsTo === "owner") return `${owner.uid}:${owner.gid}`;
  return contract.dropsTo ?? contract.user;
}

/** The image's default user for stand-ins (Dockerfile USER), from the contracts of its apps. */
export function imageUser(reference: string): string | undefined {
  const users = new Set(
    [...CATALOG.values()]
      .filter((d) => `${d.image.repository}:${d.image.tag}` === reference && d.contract)
      .map((d) => d.contract?.user),
  );
  if (users.size > 1) throw new Error(`${reference}: apps disagree on the image's user`);
  const [user] = [...users];
  return user && user !== "0:0" ? user : undefined;
}

/** How the lab builds images: stand-ins, except the backup image at its pin, from real programs. */
export const LAB_IMAGES: ApplyOptions = {
  userOf: imageUser,
  realImages: {
    [`${backupApp.image.repository}:${backupApp.image.tag}`]: () => backupRootfs(PG_BIN),
  },
};
