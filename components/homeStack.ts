import type * as pulumi from "@pulumi/pulumi";
import { HA_HTTP_SEED, HA_START_SCRIPT, MOSQUITTO_CONF_PATH, mosquittoConf } from "../catalog/home";
import { homeAssistantHttpConfig, homeAssistantStartScript } from "../plan/homeAssistant";
import { ProfileStack, type ProfileArgs, type Wiring } from "./profileStack";

const wiring: Readonly<Record<string, Wiring>> = {
  mosquitto: {
    before: () => ({ files: [{ path: MOSQUITTO_CONF_PATH, content: mosquittoConf() }] }),
  },
  // Its proxy settings follow where the edge proxy connects from (plan/homeAssistant.ts).
  homeassistant: {
    before: (ctx) => ({
      files: [
        { path: HA_START_SCRIPT, content: homeAssistantStartScript(), executable: true },
        { path: HA_HTTP_SEED, content: homeAssistantHttpConfig(ctx.spec, ctx.app) },
      ],
    }),
  },
};

/** Home Assistant, Node-RED and Mosquitto (its broker configuration is generated). */
export class HomeStack extends ProfileStack {
  constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:home:HomeStack", name, args, { apps: wiring }, opts);
    this.registerOutputs({});
  }
}
