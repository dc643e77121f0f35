import type * as pulumi from "@pulumi/pulumi";
import { ProfileStack, type ProfileArgs } from "./profileStack";

/** Jupyter, MLflow and the ROS bridge: nothing beyond their catalog entries. */
export class DevStack extends ProfileStack {
  constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:dev:DevStack", name, args, { apps: {} }, opts);
    this.registerOutputs({});
  }
}
