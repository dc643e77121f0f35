import { CATALOG } from "../catalog";
import { immichMlTag } from "../catalog/cloud";
import { GPU_KINDS } from "../config/spec";

/**
 * `npx tsx scripts/images.ts`: every image reference the program can deploy, one per line:
 * each catalog pin, plus the tags a host's GPU selects instead (Immich machine learning ships
 * one image per accelerator; components/cloudStack.ts picks it with immichMlTag). The
 * registry check (.github/workflows/images.yml) reads this list, so the images it checks are
 * the ones the program declares, with no second list to keep in step.
 */
export function deployableImages(): string[] {
  const refs = new Set<string>();
  // An image built on its host (`image.build`) is in no registry: its Dockerfile pins its inputs.
  for (const def of CATALOG.values())
    if (!def.image.build) refs.add(`${def.image.repository}:${def.image.tag}`);
  const ml = CATALOG.get("immich-machine-learning");
  if (ml) for (const gpu of GPU_KINDS) refs.add(`${ml.image.repository}:${immichMlTag(gpu)}`);
  return [...refs].sort();
}

if (require.main === module) console.log(deployableImages().join("\n"));
