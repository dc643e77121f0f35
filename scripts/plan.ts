import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseSpec } from "../plan/resolve";
import { ConfigError } from "../config/errors";
import { deploy } from "../program";
import { evaluate } from "./evaluate";
import { renderMermaid, renderPlan } from "./render";
import { readStack } from "./stackFile";

/**
 * `npm run plan [-- --stack NAME | --file PATH]`: what `pulumi up` would create, offline,
 * under mocks; `--file` renders any stack file (e.g. test/fixtures/good/everything.yaml).
 */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const at = args.indexOf("--stack");
  const fileAt = args.indexOf("--file");
  const file = fileAt >= 0 ? resolve(args[fileAt + 1]) : undefined;
  const stackName = file
    ? basename(file).replace(/\.ya?ml$/, "")
    : at >= 0
      ? args[at + 1]
      : (args.find((a) => !a.startsWith("-")) ?? "dev");
  const root = join(__dirname, "..");
  const stack = readStack(root, stackName, file);
  let spec;
  try {
    spec = parseSpec(stack);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`${file ?? `Pulumi.${stackName}.yaml`}: ${e.message}`);
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
