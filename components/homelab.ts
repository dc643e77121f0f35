import * as pulumi from "@pulumi/pulumi";
import { definitionOf } from "../catalog";
import { PROFILES, type HomelabSpec, type Profile } from "../config/spec";
import { type DockerTls, Host } from "../hosts/host";
import type { App } from "./app";
import { AppGroup, type FamilyArgs } from "./appGroup";
import { MediaStack } from "./mediaStack";
import { ObservabilityStack } from "./observabilityStack";
import { ReverseProxy } from "./reverseProxy";

export interface HomelabArgs {
  /** The validated stack (config/loadSpec). */
  spec: HomelabSpec;
}

/** A family component: anything that owns a profile's Apps. */
interface Family extends pulumi.ComponentResource {
  readonly apps: Readonly<Record<string, App>>;
}
type FamilyFactory = (
  name: string,
  args: FamilyArgs,
  opts: pulumi.ComponentResourceOptions,
) => Family;

/** Profiles whose apps need more wiring than the catalog gives get their own component. */
const FAMILIES: Partial<Record<Profile, FamilyFactory>> = {
  core: (n, a, o) => new ReverseProxy(n, a, o),
  media: (n, a, o) => new MediaStack(n, a, o),
  observability: (n, a, o) => new ObservabilityStack(n, a, o),
};

/** Profiles with at least one enabled app (an app can be switched on outside its profile). */
function profilesInUse(spec: HomelabSpec): Profile[] {
  const used = new Set(spec.apps.map((a) => definitionOf(a.name).profile));
  return PROFILES.filter((p) => used.has(p));
}

/** The whole homelab: hosts, then one component per enabled profile. */
export class Homelab extends pulumi.ComponentResource {
  readonly hosts: Readonly<Record<string, Host>>;
  readonly apps: Readonly<Record<string, App>>;

  constructor(name: string, args: HomelabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:components:Homelab", name, {}, opts);
    const { spec } = args;
    const cfg = new pulumi.Config("homelab");
    const sshPrivateKey = cfg.getSecret("sshPrivateKey");
    const dockerTls = cfg.getSecretObject<Record<string, DockerTls>>("dockerTls");

    const hosts: Record<string, Host> = {};
    for (const h of spec.hosts) {
      const tls = h.docker.kind === "tcp" ? dockerTls?.apply((t) => t[h.name]) : undefined;
      hosts[h.name] = new Host(h.name, { spec: h, sshPrivateKey, tls }, { parent: this });
    }
    this.hosts = hosts;

    const apps: Record<string, App> = {};
    for (const profile of profilesInUse(spec)) {
      const familyApps = spec.apps.filter((a) => definitionOf(a.name).profile === profile);
      const factory = FAMILIES[profile] ?? ((n, a, o) => new AppGroup(n, a, o));
      const family = factory(profile, { spec, hosts, apps: familyApps }, { parent: this });
      Object.assign(apps, family.apps);
    }
    this.apps = apps;
    this.registerOutputs({});
  }
}
