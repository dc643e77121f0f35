import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { definitionOf } from "../catalog";
import { BACKUP_APP } from "../catalog/backup";
import { PROFILES, type HomelabSpec, type Profile } from "../config/spec";
import { type DockerTls, Host } from "../hosts/host";
import type { App } from "./app";
import { AppGroup, type FamilyArgs } from "./appGroup";
import { BackupJob } from "./backupJob";
import { SERVICE_FAMILIES } from "./families";
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
  ...SERVICE_FAMILIES,
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
  /** One BackupJob per host, by host name. */
  readonly backups: Readonly<Record<string, BackupJob>>;
  /** The restic repository password of every host's BackupJob (secret). */
  readonly backupPassword: pulumi.Output<string>;

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
      // The backup app is wired by its BackupJob below, after every app it backs up.
      const familyApps = spec.apps.filter(
        (a) => definitionOf(a.name).profile === profile && a.name !== BACKUP_APP,
      );
      const factory = FAMILIES[profile] ?? ((n, a, o) => new AppGroup(n, a, o));
      const family = factory(profile, { spec, hosts, apps: familyApps }, { parent: this });
      Object.assign(apps, family.apps);
    }

    // One repository password per stack: given, or generated once and protected (losing it
    // loses every snapshot). Exported as a secret so the owner stores it away from the homelab.
    const password =
      cfg.getSecret("backupPassword") ??
      new random.RandomPassword(
        "backup-password",
        { length: 48, special: false },
        { parent: this, protect: true },
      ).result;
    this.backupPassword = pulumi.secret(password);
    const remoteKeys = cfg.getSecret("backupRemoteKeys");
    const familyApps = { ...apps };
    const backups: Record<string, BackupJob> = {};
    for (const app of spec.apps.filter((a) => a.name === BACKUP_APP)) {
      const job = new BackupJob(
        `${BACKUP_APP}-${app.host}`,
        {
          spec,
          host: hosts[app.host],
          app,
          password: this.backupPassword,
          remoteKeys,
          apps: familyApps,
        },
        { parent: this },
      );
      backups[app.host] = job;
      apps[`${BACKUP_APP}-${app.host}`] = job.app;
    }
    this.backups = backups;
    this.apps = apps;
    this.registerOutputs({});
  }
}
