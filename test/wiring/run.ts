/**
 * Runs a wiring step's stdin with a real shell here, as `docker exec -i <runner> sh -s` runs
 * it on the host: the shells linuxserver.io images have (busybox ash on Alpine, dash on
 * Ubuntu) with the real curl and jq. Asynchronous, so a stand-in server in the same process
 * keeps answering while the script runs.
 */
import { spawn } from "node:child_process";
import { wiringInput, type WiringStep } from "../../plan/wiring/step";

export const SHELLS: Readonly<Record<string, readonly string[]>> = {
  dash: ["dash", "-s"],
  busybox: ["busybox", "sh", "-s"],
};

export interface StepRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runStep(
  step: WiringStep,
  secrets: Readonly<Record<string, string>>,
  shell: readonly string[] = SHELLS.dash,
  env: Readonly<Record<string, string>> = {},
): Promise<StepRun> {
  return runScript(wiringInput(step, secrets), shell, env);
}

export function runScript(
  stdin: string,
  shell: readonly string[] = SHELLS.dash,
  env: Readonly<Record<string, string>> = {},
): Promise<StepRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell[0], shell.slice(1), {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 60000);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}
