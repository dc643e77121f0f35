import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { Host } from "../hosts/host";
import {
  wiringCommandLine,
  wiringInput,
  wiringResourceName,
  type WiringStep,
} from "../plan/wiring/step";
import type { App } from "./app";

/** What a wiring step needs at deploy time besides its plan. */
export interface WiringStepArgs {
  /** The host the runner container is on. */
  host: Host;
  /** The app whose container runs the script. */
  runner: App;
  /** The apps the script calls (`step.calls`), started before it. */
  calls: readonly App[];
  /** The values of `step.secrets`, by variable name. */
  secrets: Readonly<Record<string, pulumi.Input<string>>>;
}

/**
 * Runs one wiring step on the runner's host. It runs on create, again when its script or a
 * secret changes, and again when the runner's container is replaced (a new image, a restored
 * config directory), which the script's read-merge-write makes harmless. Its stdin is secret.
 */
export function wiringStep(
  step: WiringStep,
  args: WiringStepArgs,
  opts: pulumi.CustomResourceOptions,
): pulumi.Resource {
  const names = Object.keys(args.secrets);
  const stdin = pulumi.secret(
    pulumi
      .all(names.map((n) => args.secrets[n]))
      .apply((values) =>
        wiringInput(step, Object.fromEntries(names.map((n, i) => [n, values[i]]))),
      ),
  );
  const name = wiringResourceName(step);
  const dependsOn = [args.runner.container, ...args.calls.map((a) => a.container)];
  const triggers = [args.runner.container.id];
  const create = wiringCommandLine(step);
  const connection = args.host.connection;
  return connection
    ? new command.remote.Command(
        name,
        { connection, create, stdin, triggers },
        { ...opts, dependsOn },
      )
    : new command.local.Command(
        name,
        { create, stdin, triggers, interpreter: ["/bin/sh", "-c"] },
        { ...opts, dependsOn },
      );
}
