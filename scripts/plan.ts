import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseSpec } from "../plan/resolve";
import { ConfigError } from "../config/errors";
import { deploy } from "../program";
import { evaluate } from "./evaluate";
import { renderMermaid, renderPlan } from "./render";
import { readStack } from "./stackFile";

/** `npm run plan [-- --stack NAME]`: what `pulumi up` would create, offline, under mocks. */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const at = args.indexOf("--stack");
  const stackName = at >= 0 ? args[at + 1] : (args.find((a) => !a.startsWith("-")) ?? "dev");
  const root = join(__dirname, "..");
  const stack = readStack(root, stackName);
  let spec;
  try {
    spec = parseSpec(stack);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Pulumi.${stackName}.yaml: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const ev = await evaluate(stack, deploy);
  if (ev.error) throw ev.error;
  const urls = (ev.outputs.urls ?? {}) as Record<string, string>;
  console.log(renderPlan(spec, ev, urls));
  const outDir = join(root, "out");
  mkdirSync(outDir, { recursive: true });
  const diagram = join(outDir, `topology-${stackName}.mmd`);
  writeFileSync(diagram, renderMermaid(spec, ev, urls));
  console.log(`Topology diagram: ${diagram}`);
  if (stack.secretKeys.length)
    console.log(`Secrets shown as placeholders: ${stack.secretKeys.join(", ")}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
