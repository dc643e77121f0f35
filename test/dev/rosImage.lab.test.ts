/**
 * The shell the ROS image runs, as the real shellcheck sees it: the entrypoint, and each RUN
 * of the Dockerfile as the build runs it (bash with pipefail, the Dockerfile's SHELL), with
 * its ARGs set. The build itself needs the Ubuntu and ROS snapshots and is not run here.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/harness";
import { argDefaults, execForm, readInstructions } from "./dockerfile";

const CONTEXT = join(ROOT, "images", "ros-rosbridge");

function shellcheck(text: string): string {
  const r = spawnSync("shellcheck", ["-s", "bash", "-f", "gcc", "-"], {
    input: text,
    encoding: "utf8",
  });
  if (r.error)
    throw new Error(
      `shellcheck is not installed: apt-get install -y shellcheck (${r.error.message})`,
    );
  return r.stdout;
}

test("the entrypoint passes shellcheck", () => {
  expect(shellcheck(readFileSync(join(CONTEXT, "ros_entrypoint.sh"), "utf8"))).toBe("");
});

test("every RUN of the Dockerfile passes shellcheck under the Dockerfile's shell", () => {
  const steps = readInstructions(CONTEXT);
  expect(execForm(steps, "SHELL")).toEqual(["/bin/bash", "-o", "pipefail", "-c"]);
  const args = Object.entries(argDefaults(steps))
    // A RUN sees the ARGs as environment variables.
    .map(([name, value]) => `export ${name}=${value}`)
    .join("\n");
  const runs = steps.filter((i) => i.keyword === "RUN");
  expect(runs.length).toBeGreaterThan(1);
  for (const run of runs) {
    const script = `#!/bin/bash\nset -o pipefail\n${args}\n${run.args}\n`;
    expect([run.args.slice(0, 60), shellcheck(script)]).toEqual([run.args.slice(0, 60), ""]);
  }
});
