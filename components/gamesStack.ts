import type * as pulumi from "@pulumi/pulumi";
import { withAlias } from "../hosts/renamed";
import { ProfileStack, type ProfileArgs } from "./profileStack";

/** The game servers (TeamSpeak, Counter-Strike 2): nothing beyond their catalog entries. */
export class GamesStack extends ProfileStack {
  constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    // Renamed from `homelab:games:GameStack` (one word per profile); the alias keeps its apps.
    super(
      "homelab:games:GamesStack",
      name,
      args,
      { apps: {} },
      withAlias(opts, "homelab:games:GameStack"),
    );
    this.registerOutputs({});
  }
}
