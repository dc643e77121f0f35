import * as pulumi from "@pulumi/pulumi";
import { definitionOf } from "../catalog";
import type { AppDefinition } from "../catalog/types";
import type { AppSpec, HomelabSpec } from "../config/spec";
import type { Host } from "../hosts/host";
import { instanceId } from "../plan/container";
import { LABELS } from "../plan/labels";
import { appMounts, type ResolvedMount } from "../plan/storage";
import { withTemplates } from "../plan/templates";
import { App, type AppFile } from "./app";
import type { FamilyArgs } from "./appGroup";
import { DataServices } from "./dataServices";

/** What a family's wiring sees when it adds to one app. */
export interface WireContext {
  spec: HomelabSpec;
  app: AppSpec;
  /** The catalog definition with its env templates rendered. */
  def: AppDefinition;
  host: Host;
  /** Apps of this family created so far, by instance id (companions come first). */
  apps: Readonly<Record<string, App>>;
  /** The shared data services (created on first use). */
  data(): DataServices;
  /** Parent for resources the wiring creates. */
  parent: pulumi.Resource;
}

/** What wiring may add to an app beyond its catalog entry. */
export interface WireResult {
  /** A deploy-time variant of the definition (image variant, borrowed mount). */
  definition?: AppDefinition;
  env?: pulumi.Input<string>[];
  /** Keys of `env` fed from Pulumi secrets (declared for the policy pack). */
  secretEnvKeys?: readonly string[];
  files?: AppFile[];
  /** Directories of other apps or services this one mounts, created like its own. */
  extraMounts?: readonly ResolvedMount[];
  labels?: Readonly<Record<string, string>>;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export interface Wiring {
  before?(ctx: WireContext): WireResult;
  /** Resources that need the created app (files next to its directories). */
  after?(ctx: WireContext, created: App): void;
}

export interface FamilyStackOptions {
  /** Pulumi type token, `homelab:<module>:<Name>`. */
  type: string;
  wiring?: Readonly<Record<string, Wiring>>;
  /** Apps created before the rest, in this order (companions before their owners). */
  first?: readonly string[];
}

/** Apps that sleep until requested carry Sablier's discovery labels when Sablier runs. */
function sablierLabels(spec: HomelabSpec, app: AppSpec): Record<string, string> {
  if (!definitionOf(app.name).sleepsWhenIdle || !spec.apps.some((a) => a.name === "sablier"))
    return {};
  return { "sablier.enable": "true", "sablier.group": app.name };
}

/**
 * A mount of another app's directory that must not be (re)created with the owner's uid and
 * mode, unlike `extraMounts`: Nextcloud's installation belongs to www-data once installed.
 * Declared as a host-access exception with its reason and counted in the storage-classes
 * label; the caller waits for the owning app's directories.
 */
export function borrowMount(
  spec: HomelabSpec,
  host: Host,
  def: AppDefinition,
  mount: Pick<ResolvedMount, "source" | "class">,
  target: string,
  readOnly: boolean,
  reason: string,
): { definition: AppDefinition; labels: Record<string, string> } {
  const own = appMounts(def, host.spec, spec.storage).map((m) => m.class);
  const classes = [...new Set([...own, mount.class])].sort();
  const ex = def.exceptions ?? {};
  return {
    definition: {
      ...def,
      exceptions: {
        ...ex,
        hostAccess: [
          ...(ex.hostAccess ?? []),
          { hostPath: mount.source, target, readOnly, reason },
        ],
      },
    },
    labels: { [LABELS.classes]: classes.join(",") },
  };
}

/**
 * A profile's apps with the wiring the catalog cannot express: rendered env templates,
 * shared-database credentials, dashboard and Sablier labels, and per-app extras (companion
 * secrets, generated files, image variants).
 */
export class FamilyStack extends pulumi.ComponentResource {
  readonly apps: Readonly<Record<string, App>>;

  constructor(
    name: string,
    args: FamilyArgs,
    opts: pulumi.ComponentResourceOptions,
    options: FamilyStackOptions,
  ) {
    super(options.type, name, {}, opts);
    const { spec, hosts } = args;
    const first = options.first ?? [];
    const rank = (a: AppSpec) => (first.includes(a.name) ? first.indexOf(a.name) : first.length);
    const ordered = [...args.apps].sort(
      (a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name),
    );
    const data = () => DataServices.shared({ spec, hosts }, opts.parent);

    const apps: Record<string, App> = {};
    for (const app of ordered) {
      const def = withTemplates(definitionOf(app.name), spec, app);
      const host = hosts[app.host];
      const ctx: WireContext = { spec, app, def, host, apps, data, parent: this };
      const wiring = options.wiring?.[app.name];
      const extra = wiring?.before?.(ctx) ?? {};
      const db = def.database ? data().database(app.name) : undefined;
      const env = pulumi
        .all([db?.env ?? [], pulumi.all(extra.env ?? [])])
        .apply(([dbEnv, more]) => [...dbEnv, ...more]);
      const id = instanceId(def, app);
      apps[id] = new App(
        id,
        {
          spec,
          app,
          definition: extra.definition ?? def,
          host,
          env,
          secretEnvKeys: [...(db?.secretEnvKeys ?? []), ...(extra.secretEnvKeys ?? [])],
          files: extra.files,
          extraMounts: extra.extraMounts,
          labels: {
            ...sablierLabels(spec, app),
            ...extra.labels,
          },
          dependsOn: [...(db?.dependsOn ?? []), ...(extra.dependsOn ?? [])],
        },
        { parent: this },
      );
      wiring?.after?.(ctx, apps[id]);
    }
    this.apps = apps;
    this.registerOutputs({});
  }
}
