import type * as pulumi from "@pulumi/pulumi";
import { MOSQUITTO_CONF_PATH, mosquittoConf } from "../catalog/home";
import { ProfileStack, type ProfileArgs, type Wiring } from "./profileStack";

const wiring: Readonly<Record<string, Wiring>> = {
  mosquitto: {
    before: () => ({ files: [{ path: MOSQUITTO_CONF_PATH, content: mosquittoConf() }] }),
  },
};

/** Home Assistant, Node-RED and Mosquitto (its broker configuration is generated). */
export class HomeStack extends ProfileStack {
  constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:home:HomeStack", name, args, { apps: wiring }, opts);
    this.registerOutputs({});
  }
}
