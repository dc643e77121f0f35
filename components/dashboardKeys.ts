import * as pulumi from "@pulumi/pulumi";
import { HOMEPAGE_CONFIG_DIR } from "../catalog/web";
import type { HomelabSpec } from "../config/spec";
import { HostFile } from "../hosts/hostFile";
import type { Host } from "../hosts/host";
import { HOMEPAGE_KEYS_DIR, widgetKeyFiles } from "../plan/homepage";
import type { App } from "./app";

export interface DashboardKeysArgs {
  spec: HomelabSpec;
  /** The host Homepage runs on. */
  host: Host;
  /** The Homepage app (its config directory receives the keys). */
  homepage: App;
  /** Every app of the stack by instance id: the keys are their generated secrets. */
  apps: Readonly<Record<string, App>>;
}

/**
 * The API keys Homepage's widgets use, as files in its config directory that its
 * `HOMEPAGE_FILE_*` variables name: written over SSH stdin, readable only by the owner
 * Homepage runs as. The keys are never in a label, an env var or a command line. Created
 * after every profile, since the keys belong to apps of other profiles.
 */
export class DashboardKeys extends pulumi.ComponentResource {
  constructor(name: string, args: DashboardKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:components:DashboardKeys", name, {}, opts);
    const { spec, host, homepage, apps } = args;
    const config = homepage.plan.mounts.find((m) => m.target === HOMEPAGE_CONFIG_DIR)?.source;
    if (!config) throw new Error(`homepage has no mount at ${HOMEPAGE_CONFIG_DIR}`);
    const dir = `${config}${HOMEPAGE_KEYS_DIR.slice(HOMEPAGE_CONFIG_DIR.length)}`;
    for (const key of widgetKeyFiles()) {
      new HostFile(
        `${name}-${key.app}-${key.secret}`,
        {
          host,
          path: `${dir}/${key.path.slice(HOMEPAGE_KEYS_DIR.length + 1)}`,
          // An app that is not enabled leaves an empty file: Homepage reads every named file.
          content: apps[key.app]?.secrets[key.secret] ?? "",
          secret: true,
          mode: "0600",
          owner: spec.owner,
          directory: { owner: spec.owner, mode: "0700" },
          dependsOn: homepage.directories ? [homepage.directories] : [],
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
