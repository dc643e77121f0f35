import * as pulumi from "@pulumi/pulumi";
import { definitionOf } from "../catalog";
import type { AppSpec, HomelabSpec } from "../config/spec";
import type { Host } from "../hosts/host";
import { instanceId } from "../plan/container";
import { App, type AppArgs } from "./app";

/** What every family component (a profile's apps) receives from the Homelab. */
export interface FamilyArgs {
  spec: HomelabSpec;
  hosts: Readonly<Record<string, Host>>;
  /** The enabled apps of this family, placed. */
  apps: readonly AppSpec[];
}

/** Creates the Apps of a family that need nothing beyond the catalog. */
export function createApps(
  parent: pulumi.Resource,
  args: FamilyArgs,
  /** Per-app additions of the owning stack: generated files, secret env, commands. */
  wiring: (app: AppSpec) => Partial<AppArgs> = () => ({}),
): Record<string, App> {
  const out: Record<string, App> = {};
  for (const app of args.apps) {
    const def = definitionOf(app.name);
    const id = instanceId(def, app);
    out[id] = new App(
      id,
      { spec: args.spec, app, definition: def, host: args.hosts[app.host], ...wiring(app) },
      { parent },
    );
  }
  return out;
}

/** A profile's apps with no extra wiring (cloud, home, productivity, ...). */
export class AppGroup extends pulumi.ComponentResource {
  readonly apps: Readonly<Record<string, App>>;

  constructor(name: string, args: FamilyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:components:AppGroup", name, {}, opts);
    this.apps = createApps(this, args);
    this.registerOutputs({});
  }
}
