import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { definitionOf } from "../catalog";
import { BACKUP_APP } from "../catalog/backup";
import { PROFILES, type HomelabSpec, type Profile } from "../config/spec";
import { oidcApps } from "../plan/sso/oidc";
import { Host } from "../hosts/host";
import type { App } from "./app";
import { BackupJob } from "./backupJob";
import { DashboardKeys } from "./dashboardKeys";
import { DataStack } from "./dataStack";
import { OidcClients } from "./oidcClients";
import { PROFILE_STACKS } from "./profiles";
import type { StackSecrets } from "./secrets";

export interface HomelabArgs {
  /** The validated stack (plan/resolve loadSpec). */
  spec: HomelabSpec;
  /** The stack's secret config, read once by the program. */
  secrets: StackSecrets;
}

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
    const { spec, secrets } = args;
    const { sshPrivateKey, dockerTls } = secrets;

    const hosts: Record<string, Host> = {};
    for (const h of spec.hosts) {
      const tls = h.docker.kind === "tcp" ? dockerTls?.apply((t) => t[h.name]) : undefined;
      hosts[h.name] = new Host(h.name, { spec: h, sshPrivateKey, tls }, { parent: this });
    }
    this.hosts = hosts;

    const apps: Record<string, App> = {};
    // The backup app is wired by its BackupJob below, after every app it backs up.
    const appsOf = (profile: Profile) =>
      spec.apps.filter((a) => definitionOf(a.name).profile === profile && a.name !== BACKUP_APP);
    const inUse = profilesInUse(spec);
    // The shared databases come first: the other profiles' consumers connect to them.
    const data = inUse.includes("data")
      ? new DataStack("data", { spec, hosts, secrets, apps: appsOf("data") }, { parent: this })
      : undefined;
    // Client secrets two profiles share: the app's and Authelia's (as a digest).
    const oidc =
      oidcApps(spec, spec.apps).length > 0
        ? new OidcClients("oidc", { spec }, { parent: this })
        : undefined;
    for (const profile of inUse) {
      const stack =
        profile === "data" && data
          ? data
          : new PROFILE_STACKS[profile](
              profile,
              { spec, hosts, secrets, data, oidc, apps: appsOf(profile) },
              { parent: this },
            );
      Object.assign(apps, stack.apps);
    }

    // Homepage's widget keys belong to apps of other profiles: written once all exist.
    const homepage = spec.apps.find((a) => a.name === "homepage");
    if (homepage && apps.homepage)
      new DashboardKeys(
        "homepage-keys",
        { spec, host: hosts[homepage.host], homepage: apps.homepage, apps },
        { parent: this },
      );

    // One repository password per stack: given, or generated once and protected (losing it
    // loses every snapshot). Exported as a secret so the owner stores it away from the homelab.
    const password =
      secrets.backupPassword ??
      new random.RandomPassword(
        "backup-password",
        { length: 48, special: false },
        { parent: this, protect: true },
      ).result;
    this.backupPassword = pulumi.secret(password);
    const remoteKeys = secrets.backupRemoteKeys;
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
