import type * as pulumi from "@pulumi/pulumi";
import type { Profile } from "../config/spec";
import { CloudStack } from "./cloudStack";
import { CoreStack } from "./coreStack";
import { DataStack } from "./dataStack";
import { DevStack } from "./devStack";
import { GamesStack } from "./gamesStack";
import { HomeStack } from "./homeStack";
import { InfraStack, SecurityStack } from "./infraStack";
import { MediaStack } from "./mediaStack";
import { ObservabilityStack } from "./observabilityStack";
import type { ProfileArgs, ProfileStack } from "./profileStack";
import { ProductivityStack } from "./productivityStack";

/** The component of each profile: one class each, the same pattern (components/profileStack.ts). */
export const PROFILE_STACKS: Readonly<
  Record<
    Profile,
    new (name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) => ProfileStack
  >
> = {
  core: CoreStack,
  media: MediaStack,
  observability: ObservabilityStack,
  cloud: CloudStack,
  home: HomeStack,
  productivity: ProductivityStack,
  data: DataStack,
  dev: DevStack,
  games: GamesStack,
  security: SecurityStack,
  infra: InfraStack,
};
