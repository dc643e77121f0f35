import { shellQuote } from "../shell";
import { WIRING_LIBRARY } from "./library";

/**
 * One setting pushed into a running app through its own API, after the app has started:
 * what no env var or config file can set (a download client, a root folder, an OIDC auth
 * source in a database). A step runs with `docker exec -i <runsIn> sh -s` on the app's host,
 * so it talks to the apps by their container names on the host's Docker networks and needs no
 * published port. Its script reads and merges before it writes, so running it twice changes
 * nothing, and fields the step does not own keep the owner's values.
 */
export interface WiringStep {
  /** The app this step configures (named in every error). */
  app: string;
  /** What the step sets, kebab-case and unique per app (`download-client`, `root-folders`). */
  step: string;
  /**
   * The container the script runs in: it needs `sh`, `curl` and `jq` (linuxserver.io's base
   * images install both) and a network shared with every app the script calls.
   */
  runsIn: string;
  /** POSIX sh, run after the wiring library (`api`, `ready`, `upsert`, `fail`). */
  script: string;
  /**
   * Env variable names the script reads for secret values (API keys, passwords). They are
   * exported at the top of the script's stdin, so no value is ever in a command line.
   */
  secrets: readonly string[];
  /** Apps the script calls besides its runner: their containers are started first. */
  calls: readonly string[];
  /** Programs the script needs in its runner, checked first (default curl and jq). */
  tools?: readonly string[];
}

/** What a step needs when it does not say: the HTTP APIs are driven with curl and jq. */
const DEFAULT_TOOLS = ["curl", "jq"];

const NAME = /^[a-z][a-z0-9-]*$/;
const ENV = /^[A-Z][A-Z0-9_]*$/;

/** The resource name of a step: `<app>-wire-<step>`, what the preview lists. */
export function wiringResourceName(step: Pick<WiringStep, "app" | "step">): string {
  return `${step.app}-wire-${step.step}`;
}

/** The app and step a resource name stands for, when it is a wiring step's. */
export function parseWiringName(name: string): Pick<WiringStep, "app" | "step"> | undefined {
  const m = /^([a-z][a-z0-9-]*?)-wire-([a-z][a-z0-9-]*)$/.exec(name);
  return m ? { app: m[1], step: m[2] } : undefined;
}

/**
 * The text the step's shell reads on stdin: its secret values as exports, the wiring library,
 * then its script. Throws when a declared secret has no value or a value is not declared, so a
 * script can never read an unset variable at deploy time.
 */
export function wiringInput(step: WiringStep, values: Readonly<Record<string, string>>): string {
  if (!NAME.test(step.app) || !NAME.test(step.step))
    throw new Error(`wiring step ${step.app}/${step.step}: names must be kebab-case`);
  const given = Object.keys(values).sort();
  const declared = [...step.secrets].sort();
  for (const name of declared)
    if (!ENV.test(name)) throw new Error(`${wiringResourceName(step)}: bad variable ${name}`);
  for (const tool of step.tools ?? DEFAULT_TOOLS)
    if (!NAME.test(tool)) throw new Error(`${wiringResourceName(step)}: bad tool ${tool}`);
  if (given.join(",") !== declared.join(","))
    throw new Error(
      `${wiringResourceName(step)}: secrets declared [${declared.join(", ")}], given [${given.join(", ")}]`,
    );
  return [
    "set -eu",
    `HOMELAB_APP=${shellQuote(step.app)}`,
    `HOMELAB_STEP=${shellQuote(step.step)}`,
    ...declared.map((name) => `export ${name}=${shellQuote(values[name])}`),
    WIRING_LIBRARY,
    ...(step.tools ?? DEFAULT_TOOLS).map(
      (tool) => `command -v ${tool} >/dev/null 2>&1 || fail "${tool} is missing in this container"`,
    ),
    step.script,
    `echo "homelab wiring: $HOMELAB_APP: $HOMELAB_STEP: done"`,
    "",
  ].join("\n");
}

/**
 * The command the host runs: the script arrives on stdin, so no secret is in its arguments.
 * The SSH user runs docker itself when it may (the docker group, as for an `ssh://` Docker
 * endpoint), through passwordless sudo otherwise (a `tcp://` endpoint's host).
 */
export function wiringCommandLine(step: Pick<WiringStep, "runsIn">): string {
  return [
    "set -eu",
    "DOCKER=docker",
    'docker version >/dev/null 2>&1 || DOCKER="sudo -n docker"',
    `exec $DOCKER exec -i ${shellQuote(step.runsIn)} sh -s`,
  ].join("\n");
}
