import * as pulumi from "@pulumi/pulumi";
import { definitionOf } from "../catalog";
import type { AppDefinition } from "../catalog/types";
import type { AppSpec, HomelabSpec } from "../config/spec";
import type { Host } from "../hosts/host";
import { instanceId } from "../plan/container";
import { LABELS } from "../plan/labels";
import { appMounts, type ResolvedMount } from "../plan/storage";
import { withTemplates } from "../plan/templates";
import { wiringResourceName, type WiringStep } from "../plan/wiring/step";
import { App, type AppArgs } from "./app";
import { signInWiring } from "./signIn";
import type { OidcClients } from "./oidcClients";
import type { StackSecrets } from "./secrets";
import { wiringStep } from "./wiring";

/** What a consumer app receives from the shared databases: its connection env and the init to wait for. */
export interface DatabaseHandle {
  env: pulumi.Output<string[]>;
  /** The env keys that carry the password. */
  secretEnvKeys: string[];
  dependsOn: pulumi.Resource[];
}

/** The `data` profile as the other profiles see it (components/dataServices.ts). */
export interface SharedDatabases {
  /** Connection env and init of a consumer app; undefined for apps without a shared database. */
  database(app: string): DatabaseHandle | undefined;
  /** A single-instance data service (`meilisearch`, `redis`, `influxdb`) when it runs on `host`. */
  service(name: string, host: string): App | undefined;
}

/** What every profile's component receives from the Homelab. */
export interface ProfileArgs {
  spec: HomelabSpec;
  hosts: Readonly<Record<string, Host>>;
  /** The enabled apps of this profile, placed. */
  apps: readonly AppSpec[];
  /** The stack's secret config, read once by the program. */
  secrets: StackSecrets;
  /** The shared databases and data services, when the `data` profile runs. */
  data?: SharedDatabases;
  /** Authelia's OpenID Connect clients, when any enabled app signs in through it. */
  oidc?: OidcClients;
}

/** What an app's wiring sees. */
export interface WireContext {
  spec: HomelabSpec;
  app: AppSpec;
  /** The catalog definition with its env templates rendered. */
  def: AppDefinition;
  host: Host;
  /** Apps of this profile created so far, by instance id (those named in `needs` among them). */
  apps: Readonly<Record<string, App>>;
  secrets: StackSecrets;
  data?: SharedDatabases;
  oidc?: OidcClients;
  /** Parent for resources the wiring creates. */
  parent: pulumi.Resource;
}

/** What wiring may add to an app beyond its catalog entry. */
export interface WireResult extends Pick<
  AppArgs,
  "files" | "extraMounts" | "labels" | "command" | "networkMode" | "dependsOn"
> {
  /** A deploy-time variant of the definition (image variant, borrowed mount, capability). */
  definition?: AppDefinition;
  env?: pulumi.Input<string>[];
  /** Keys of `env` fed from Pulumi secrets (declared for the policy pack). */
  secretEnvKeys?: readonly string[];
}

/** A profile's wiring: per app, and optionally what every app of the profile gets first. */
export interface ProfileWiring {
  apps: Readonly<Record<string, Wiring>>;
  /** Applied to every app before its own wiring (which sees the resulting definition). */
  everyApp?(ctx: WireContext): WireResult;
}

/** How one app is wired to the rest of the homelab: kept next to its profile's component. */
export interface Wiring {
  /** Apps of the same profile this wiring reads (`ctx.apps`): created first when enabled. */
  needs?: readonly string[];
  before?(ctx: WireContext): WireResult;
  /** Resources that need the created app (files next to its directories). */
  after?(ctx: WireContext, created: App): void;
  /**
   * Settings pushed into the running app through its API (plan/wiring): each step runs in the
   * container it names (this app or one in `needs`) and becomes `<app>-wire-<step>`.
   */
  steps?(ctx: WireContext, created: App): readonly WiringUse[];
}

/** A planned wiring step with the secret values its script reads. */
export interface WiringUse {
  step: WiringStep;
  secrets?: Readonly<Record<string, pulumi.Input<string>>>;
}

/** The host of a profile app a wiring step runs in. */
function runnerHost(apps: readonly AppSpec[], name: string): string {
  const found = apps.find((a) => a.name === name);
  if (!found) throw new Error(`wiring runner ${name} is not enabled in this profile`);
  return found.host;
}

/** Merges wiring results: later ones add to the lists and may replace the definition. */
export function mergeWiring(...parts: WireResult[]): WireResult {
  return parts.reduce<WireResult>(
    (acc, p) => ({
      definition: p.definition ?? acc.definition,
      env: [...(acc.env ?? []), ...(p.env ?? [])],
      secretEnvKeys: [...(acc.secretEnvKeys ?? []), ...(p.secretEnvKeys ?? [])],
      files: [...(acc.files ?? []), ...(p.files ?? [])],
      extraMounts: [...(acc.extraMounts ?? []), ...(p.extraMounts ?? [])],
      labels: { ...acc.labels, ...p.labels },
      dependsOn: [...(acc.dependsOn ?? []), ...(p.dependsOn ?? [])],
      command: p.command ?? acc.command,
      networkMode: p.networkMode ?? acc.networkMode,
    }),
    {},
  );
}

/**
 * The order apps are created in: every app after the apps it needs (its wiring's `needs`,
 * the owner of the network namespace it joins), otherwise by name.
 */
export function creationOrder(
  apps: readonly AppSpec[],
  wiring: Readonly<Record<string, Wiring>>,
): AppSpec[] {
  const names = new Set(apps.map((a) => a.name));
  const needs = (name: string): string[] =>
    [...(wiring[name]?.needs ?? []), definitionOf(name).networkOf]
      .filter((n): n is string => n !== undefined && names.has(n))
      .sort();
  const sorted = [...apps].sort((a, b) => a.name.localeCompare(b.name));
  const done = new Set<string>();
  const out: AppSpec[] = [];
  const visit = (app: AppSpec, path: readonly string[]) => {
    if (done.has(app.name)) return;
    if (path.includes(app.name))
      throw new Error(`wiring cycle: ${[...path, app.name].join(" → ")}`);
    for (const n of needs(app.name))
      for (const dep of sorted.filter((a) => a.name === n)) visit(dep, [...path, app.name]);
    done.add(app.name);
    out.push(...sorted.filter((a) => a.name === app.name));
  };
  for (const app of sorted) visit(app, []);
  return out;
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
 * The one pattern of every profile's component: the profile's apps, each from its catalog
 * definition (env templates rendered, its shared database connected, dashboard and Sablier
 * labels) plus its own wiring, created after the apps it needs. A profile's class passes its
 * type token and its wiring table, adds what belongs to no single app, and registers outputs.
 */
export abstract class ProfileStack extends pulumi.ComponentResource {
  /** The profile's Apps by instance id (`sonarr`, `node-exporter-<host>`, ...). */
  readonly apps: Readonly<Record<string, App>>;

  protected constructor(
    type: string,
    name: string,
    args: ProfileArgs,
    wiring: ProfileWiring,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(type, name, {}, opts);
    const { spec, hosts, secrets, data, oidc } = args;
    const apps: Record<string, App> = {};
    for (const app of creationOrder(args.apps, wiring.apps)) {
      const rendered = withTemplates(definitionOf(app.name), spec, app);
      const host = hosts[app.host];
      const base: WireContext = {
        spec,
        app,
        def: rendered,
        host,
        apps,
        secrets,
        data,
        oidc,
        parent: this,
      };
      const common = wiring.everyApp?.(base) ?? {};
      const ctx: WireContext = { ...base, def: common.definition ?? rendered };
      const own = wiring.apps[app.name];
      const signIn = signInWiring(spec, app, oidc);
      const extra = mergeWiring(common, signIn, own?.before?.(ctx) ?? {});
      const def = extra.definition ?? ctx.def;
      const db = def.database ? data?.database(app.name) : undefined;
      if (def.database && !db)
        throw new Error(
          `${app.name} needs the shared ${def.database.engine} (the resolve stage checks it)`,
        );
      const env = pulumi
        .all([db?.env ?? [], pulumi.all(extra.env ?? [])])
        .apply(([dbEnv, more]) => [...dbEnv, ...more]);
      const id = instanceId(def, app);
      // Behind another app's network (qBittorrent in Gluetun's): by container id, not name,
      // since Docker stores `container:<id>` either way (a name would differ from refreshed
      // state), and a new owner container (whose namespace dies with the old) replaces it too.
      const nsOwner = def.networkOf !== undefined ? apps[def.networkOf] : undefined;
      if (def.networkOf !== undefined && !nsOwner)
        throw new Error(`${app.name} needs ${def.networkOf} (the resolve stage checks it)`);
      apps[id] = new App(
        id,
        {
          spec,
          app,
          definition: def,
          host,
          env,
          secretEnvKeys: [...(db?.secretEnvKeys ?? []), ...(extra.secretEnvKeys ?? [])],
          files: extra.files,
          extraMounts: extra.extraMounts,
          labels: { ...sablierLabels(spec, app), ...extra.labels },
          dependsOn: [
            ...(nsOwner ? [nsOwner.container] : []),
            ...(db?.dependsOn ?? []),
            ...(extra.dependsOn ?? []),
          ],
          command: extra.command,
          networkMode: nsOwner
            ? pulumi.interpolate`container:${nsOwner.container.id}`
            : extra.networkMode,
        },
        { parent: this },
      );
      own?.after?.(ctx, apps[id]);
      const uses: WiringUse[] = [
        ...(signIn.steps ?? []).map((step) => ({ step })),
        ...(own?.steps?.(ctx, apps[id]) ?? []),
      ];
      for (const use of uses) {
        const member = (name: string): App => {
          const found = apps[name];
          if (!found)
            throw new Error(`${wiringResourceName(use.step)} needs ${name} (declare it in needs)`);
          return found;
        };
        const runner = member(use.step.runsIn);
        wiringStep(
          use.step,
          {
            host: hosts[runnerHost(args.apps, use.step.runsIn)],
            runner,
            calls: use.step.calls.map(member),
            secrets: use.secrets ?? {},
          },
          { parent: apps[id] },
        );
      }
    }
    this.apps = apps;
  }
}
