import type * as pulumi from "@pulumi/pulumi";
import { HA_HTTP_SEED, HA_START_SCRIPT, MOSQUITTO_CONF_PATH, mosquittoConf } from "../catalog/home";
import { homeAssistantHttpConfig, homeAssistantStartScript } from "../plan/homeAssistant";
import type { Profile } from "../config/spec";
import type { App } from "./app";
import type { FamilyArgs } from "./appGroup";
import { cloudStack } from "./cloudStack";
import { DataServices } from "./dataServices";
import { FamilyStack } from "./familyStack";
import { infraStack, securityStack } from "./infraStack";
import { productivityStack } from "./productivityStack";

type Factory = (
  name: string,
  args: FamilyArgs,
  opts: pulumi.ComponentResourceOptions,
) => pulumi.ComponentResource & { readonly apps: Readonly<Record<string, App>> };

/** Home Assistant, Node-RED and Mosquitto (its broker configuration is generated). */
function homeStack(
  name: string,
  args: FamilyArgs,
  opts: pulumi.ComponentResourceOptions,
): FamilyStack {
  return new FamilyStack(name, args, opts, {
    type: "homelab:home:HomeStack",
    wiring: {
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
    },
  });
}

/**
 * The components of the service families (cloud, home, productivity, data, dev, games,
 * security, infra), for the Homelab's FAMILIES map. Dev and games need no wiring beyond the
 * shared FamilyStack (templates, dashboard labels).
 */
export const SERVICE_FAMILIES: Readonly<Partial<Record<Profile, Factory>>> = {
  cloud: cloudStack,
  home: homeStack,
  productivity: productivityStack,
  // Shared with the families that use its databases; see DataServices.shared.
  data: (_name, args, opts) => DataServices.shared(args, opts.parent),
  dev: (name, args, opts) => new FamilyStack(name, args, opts, { type: "homelab:dev:DevStack" }),
  games: (name, args, opts) =>
    new FamilyStack(name, args, opts, { type: "homelab:games:GameStack" }),
  security: securityStack,
  infra: infraStack,
};
