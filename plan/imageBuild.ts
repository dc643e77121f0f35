import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ImageBuild } from "../catalog/types";

/** The repository root: build contexts in the catalog are relative to it. */
const REPOSITORY_ROOT = resolve(__dirname, "..");

/** What the Docker provider needs to build an image on the app's host. */
export interface ImageBuildPlan {
  /** Absolute path of the context on the machine running Pulumi, which tars and sends it. */
  context: string;
  /**
   * sha256 over every file of the context (its path and content), so editing the Dockerfile
   * or a file it copies replaces the image: the provider rebuilds only when an input changes.
   */
  contentDigest: string;
}

/** Files below a directory, relative and with `/`, in a fixed order. */
function filesBelow(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      return e.isDirectory() ? filesBelow(dir, rel) : [rel];
    });
}

/** The digest of a context's files; the same files give the same digest on any machine. */
export function contextDigest(dir: string): string {
  const hash = createHash("sha256");
  for (const file of filesBelow(dir)) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(dir, file)));
    hash.update("\0");
  }
  return `sha256:${hash.digest("hex")}`;
}

export function imageBuildPlan(build: ImageBuild): ImageBuildPlan {
  const context = resolve(REPOSITORY_ROOT, build.context);
  return { context, contentDigest: contextDigest(context) };
}
