import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BACKUP_APP } from "../catalog/backup";
import type { AppDefinition } from "../catalog/types";
import type { AppSpec, HomelabSpec } from "../config/spec";
import { HostDirectories } from "../hosts/directories";
import type { Host } from "../hosts/host";
import { NETWORKS } from "../hosts/host";
import { toLabelList } from "../plan/labels";
import { appUrl } from "../plan/proxy/traefik";
import { planContainer, type ContainerPlan } from "../plan/container";
import { imageBuildPlan } from "../plan/imageBuild";
import type { ResolvedMount } from "../plan/storage";
import { BackupHook } from "./backupHook";

/** A file placed into the container before it starts. */
export interface AppFile {
  /** Absolute path inside the container. */
  path: string;
  content: pulumi.Input<string>;
  executable?: boolean;
}

export interface AppArgs {
  spec: HomelabSpec;
  /** The placed app from the spec. */
  app: AppSpec;
  definition: AppDefinition;
  host: Host;
  /** Env entries computed by the owning stack (`K=V`, may be secret). */
  env?: pulumi.Input<pulumi.Input<string>[]>;
  /** Generated files that belong to this container only (DESIGN §7). */
  files?: readonly AppFile[];
  /** Keys of `env` entries that carry secrets (declared in a label for the policy pack). */
  secretEnvKeys?: readonly string[];
  /** Extra labels (routing, dashboard); never secrets. */
  labels?: Readonly<Record<string, string>>;
  /** Resources the container must wait for (a database, a VPN container). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Finish creating only once the health check passes (an init step others wait for). */
  waitHealthy?: boolean;
  /** Replaces the catalog's command (e.g. a first-start bootstrap). */
  command?: string[];
  /** Replaces the catalog's entrypoint (the image's ENTRYPOINT when neither is set). */
  entrypoint?: string[];
  /** Bind mounts derived from the spec by the owning component, created like catalog volumes. */
  extraMounts?: readonly ResolvedMount[];
  /** Share another container's network namespace (`container:<name>`), e.g. behind a VPN. */
  networkMode?: pulumi.Input<string>;
}

const SECRET_DIR = "/run/secrets";

/**
 * The one container unit: pinned image, host directories, generated secrets and the
 * container with every default of DESIGN §6.
 */
export class App extends pulumi.ComponentResource {
  readonly plan: ContainerPlan;
  /** Where the owner reaches the app; undefined when it is not routed. */
  readonly url?: string;
  readonly container: docker.Container;
  /** The command that created the app's host directories (files written next to them wait for it). */
  readonly directories?: pulumi.Resource;
  /** Generated secrets by name (API keys, passwords), all secret outputs. */
  readonly secrets: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:components:App", name, {}, opts);
    const { spec, app, definition: def, host } = args;
    const uploads =
      (args.files ?? []).length > 0 ||
      (def.secrets ?? []).some((s) => s.file || s.fileEnv || s.digestFile);
    const plan = planContainer(spec, app, def, host.spec, {
      labels: args.labels,
      uploads,
      secretEnvKeys: args.secretEnvKeys,
      extraMounts: args.extraMounts,
    });
    this.plan = plan;
    this.url = def.route && !def.perHost ? appUrl(spec, app) : undefined;
    const onHost = { parent: this, provider: host.provider };

    const build = def.image.build ? imageBuildPlan(def.image.build) : undefined;
    const image = new docker.RemoteImage(
      `${name}-image`,
      build
        ? {
            name: plan.image,
            keepLocally: true,
            // The legacy builder sends the context over this provider's connection, so the
            // image lands on this host; buildx's default builder would use the local Docker
            // context instead (docker/buildx util/dockerutil/api.go@v0.23.0).
            build: { context: build.context, useLegacyBuilder: true },
            triggers: { context: build.contentDigest },
          }
        : { name: plan.image, keepLocally: true },
      {
        ...onHost,
        // The context's place differs between checkouts; its content is in `triggers`.
        ...(build ? { ignoreChanges: ["build.context"] } : {}),
      },
    );

    const secrets: Record<string, pulumi.Output<string>> = {};
    const secretEnv: pulumi.Output<string>[] = [];
    const secretFiles: docker.types.input.ContainerUpload[] = [];
    for (const s of def.secrets ?? []) {
      // Protected: a regenerated key would lock the app out of data it already encrypted.
      const password = new random.RandomPassword(
        `${name}-${s.name}`,
        { length: s.length, special: !s.alphanumeric },
        { parent: this, protect: true },
      );
      const value = password.result;
      if (s.digestFile)
        secretFiles.push({
          file: `${SECRET_DIR}/${s.name}.bcrypt`,
          content: pulumi.secret(password.bcryptHash),
        });
      secrets[s.name] = pulumi.secret(value);
      if (s.env) secretEnv.push(pulumi.secret(pulumi.interpolate`${s.env}=${value}`));
      if (s.fileEnv) secretEnv.push(pulumi.output(`${s.fileEnv}=${SECRET_DIR}/${s.name}`));
      if (s.fileEnv || s.file)
        secretFiles.push({ file: `${SECRET_DIR}/${s.name}`, content: pulumi.secret(value) });
    }
    this.secrets = secrets;

    const dependsOn: pulumi.Input<pulumi.Resource>[] = [...(args.dependsOn ?? [])];
    if (plan.mounts.length > 0) {
      this.directories = new HostDirectories(
        `${name}-dirs`,
        { host, mounts: plan.mounts, owner: spec.owner },
        { parent: this },
      ).done;
      dependsOn.push(this.directories);
    }

    const envs = pulumi
      .all([plan.envs, args.env ?? [], secretEnv])
      .apply(([base, extra, sec]) => [...base, ...extra, ...sec].sort());
    const sharesNamespace = args.networkMode !== undefined;
    this.container = new docker.Container(
      `${name}-container`,
      {
        name: plan.containerName,
        image: image.imageId,
        restart: "unless-stopped",
        securityOpts: ["no-new-privileges:true"],
        capabilities: { drops: ["ALL"], adds: plan.capAdd },
        privileged: plan.privileged || undefined,
        readOnly: plan.readOnlyRoot,
        tmpfs: Object.keys(plan.tmpfs).length ? plan.tmpfs : undefined,
        memory: plan.memoryMb,
        sysctls: plan.sysctls,
        wait: args.waitHealthy || undefined,
        waitTimeout: args.waitHealthy ? 300 : undefined,
        cpus: plan.cpus !== undefined ? String(plan.cpus) : undefined,
        logDriver: "json-file",
        logOpts: { "max-size": "10m", "max-file": "3" },
        envs,
        labels: toLabelList(plan.labels),
        user: plan.user,
        entrypoints: args.entrypoint ?? plan.entrypoint,
        command: args.command ?? plan.command,
        healthcheck: plan.health,
        volumes: [
          ...plan.mounts.map((m) => ({
            hostPath: m.source,
            containerPath: m.target,
            readOnly: m.readOnly,
          })),
          ...plan.hostMounts.map((m) => ({
            hostPath: m.source,
            containerPath: m.target,
            readOnly: m.readOnly,
          })),
        ],
        ports: plan.ports.length ? plan.ports : undefined,
        networkMode: args.networkMode ?? plan.networkMode ?? "bridge",
        pidMode: plan.pidMode,
        hosts: plan.extraHosts.length ? plan.extraHosts : undefined,
        networksAdvanced: sharesNamespace
          ? undefined
          : plan.networks.map((role) => ({
              name: host.networks[role].name,
              aliases: [plan.containerName],
            })),
        devices: plan.gpu.devices.length
          ? plan.gpu.devices.map((d) => ({ hostPath: d, containerPath: d, permissions: "rwm" }))
          : undefined,
        groupAdds:
          plan.gpu.renderGroupFromHost && host.renderGroup
            ? [host.renderGroup]
            : plan.gpu.groupAdds.length
              ? plan.gpu.groupAdds
              : undefined,
        deviceRequests: plan.gpu.nvidia
          ? [{ driver: "nvidia", count: -1, capabilities: ["gpu", "video", "compute", "utility"] }]
          : undefined,
        uploads: [
          // `executable` alone is written root-owned 0744: only root could run it. Scripts are
          // run by the image's own user (Nextcloud's hooks by www-data), so 0755.
          ...(args.files ?? []).map((f) => ({
            file: f.path,
            content: f.content,
            permissions: f.executable ? "0755" : undefined,
          })),
          ...secretFiles,
        ],
      },
      {
        ...onHost,
        dependsOn,
        // The provider stores but does not apply these on update; replacing applies them.
        replaceOnChanges: ["healthcheck", "tmpfs"],
        // Docker merges the daemon's default log-opts into what it reports back; ours are constant.
        ignoreChanges: ["logOpts"],
        deleteBeforeReplace: true,
      },
    );
    // A database leaves its dump hook for its host's backup job, which discovers it (DESIGN §7).
    if (def.dump && spec.apps.some((a) => a.name === BACKUP_APP && a.host === app.host)) {
      new BackupHook(
        `${name}-backup-hook`,
        { spec, host, definition: def, secrets, dependsOn: [this.container] },
        { parent: this },
      );
    }
    this.registerOutputs({ container: this.container, secrets: this.secrets });
  }
}

/** The network names an app joins, for diagrams and tests. */
export function networkNames(plan: ContainerPlan): string[] {
  return plan.networks.map((r) => NETWORKS[r]);
}
