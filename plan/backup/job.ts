/**
 * What the BackupJob of one host backs up, derived from the spec and the catalog (DESIGN §3, §4):
 * the mounts of the backup container, the dump hooks and the plan the script is rendered from.
 *
 * Coverage holds by construction: every app directory of class `config` or `database` (and of
 * each class in `homelab:backup.include`) lives below `<tier root>/<class>/`, and the job mounts
 * and backs up that class directory as a whole, so an app added later is covered without any
 * change here. `cache`, `transcode`, `data` and the other classes are left out unless included.
 */
import { definitionOf } from "../../catalog";
import { textfileDir } from "../observability/textfile";
import type { AppDefinition } from "../../catalog/types";
import type { HomelabSpec, HostSpec, StorageClass } from "../../config/spec";
import { appMounts, resolveTier, type ResolvedMount } from "../storage";
import type { DumpHook } from "./hooks";
import { sourcePath, type BackupJobPlan, type BackupRepositoryPlan } from "./script";

export { BACKUP_APP } from "../../catalog/backup";
/** Container paths of the backup container's own directories. */
export const REPO_TARGET = "/repo";
export const STAGING_TARGET = "/staging";
export const RESTORE_TARGET = "/restore";
export const TEXTFILE_TARGET = "/textfile";
/** Uploaded secret files. */
export const PASSWORD_FILE = "/run/secrets/restic-password";
export const REMOTE_ENV_FILE = "/run/secrets/restic-remote.env";

/** Classes always backed up: the state that cannot be rebuilt. */
export const STATEFUL_CLASSES: readonly StorageClass[] = ["config", "database"];

/** Classes backed up on every host: config, database and `homelab:backup.include` (never `backups`). */
export function backedUpClasses(spec: Pick<HomelabSpec, "backup">): StorageClass[] {
  const all = new Set<StorageClass>([...STATEFUL_CLASSES, ...spec.backup.include]);
  all.delete("backups");
  return [...all].sort();
}

function classDir(
  cls: StorageClass,
  spec: Pick<HomelabSpec, "storage">,
  host: Pick<HostSpec, "storage">,
): { source: string; tier: NonNullable<ReturnType<typeof resolveTier>> } | undefined {
  const tier = resolveTier(cls, host, spec.storage);
  const root = tier ? host.storage[tier] : undefined;
  return tier && root ? { source: `${root}/${cls}`, tier } : undefined;
}

/** The host's class directories the job backs up (`<tier root>/<class>`), sorted. */
export function sourceDirs(
  spec: Pick<HomelabSpec, "storage" | "backup">,
  host: Pick<HostSpec, "storage">,
): ResolvedMount[] {
  return backedUpClasses(spec)
    .flatMap((cls) => {
      const dir = classDir(cls, spec, host);
      // An override to a tier the host lacks: no app can have a directory of that class here.
      if (!dir) return [];
      const m: ResolvedMount = {
        source: dir.source,
        target: sourcePath(dir.source),
        readOnly: true,
        class: cls,
        tier: dir.tier,
        // Shared parent of every app's directory: apps running as other users must traverse it.
        mode: "0755",
      };
      return [m];
    })
    .sort((a, b) => a.source.localeCompare(b.source));
}

/** `<backups tier root>/backups` on the host. */
export function backupsDir(spec: Pick<HomelabSpec, "storage">, host: HostSpec): string {
  const dir = classDir("backups", spec, host);
  if (!dir) throw new Error(`host ${host.name} has no tier for class backups`);
  return dir.source;
}

/** Every bind mount of the backup container beyond the catalog's (none there). */
export function backupMounts(
  spec: Pick<HomelabSpec, "storage" | "backup">,
  host: HostSpec,
): ResolvedMount[] {
  const backups = classDir("backups", spec, host);
  if (!backups) throw new Error(`host ${host.name} has no tier for class backups`);
  const own = (sub: string, target: string): ResolvedMount => ({
    source: `${backups.source}/${sub}`,
    target,
    readOnly: false,
    class: "backups",
    tier: backups.tier,
    // Staging holds plain database dumps; the restore directory plain files.
    mode: "0700",
  });
  const metricsTier = resolveTier("metrics", host, spec.storage);
  if (!metricsTier) throw new Error(`host ${host.name} has no tier for class metrics`);
  return [
    ...sourceDirs(spec, host),
    own("restic", REPO_TARGET),
    own("_staging", STAGING_TARGET),
    own("_restore", RESTORE_TARGET),
    {
      source: textfileDir(spec, host),
      target: TEXTFILE_TARGET,
      readOnly: false,
      class: "metrics",
      tier: metricsTier,
    },
  ];
}

/** Env var of the backup container holding an app's database password. */
export function dumpPasswordEnv(app: string): string {
  return `BACKUP_${app.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_PASSWORD`;
}

/** A container path of an app's file as seen by the backup container (`/source/<host path>`). */
function hostFileOf(
  def: AppDefinition,
  host: HostSpec,
  spec: Pick<HomelabSpec, "storage">,
  path: string,
): string {
  const mount = appMounts(def, host, spec.storage)
    .filter((m) => path.startsWith(`${m.target}/`))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (!mount) throw new Error(`${def.name}: dump database ${path} is not on one of its volumes`);
  return sourcePath(`${mount.source}${path.slice(mount.target.length)}`);
}

/** Dump hooks for every app on the host whose catalog entry declares `dump`, sorted by app. */
export function dumpHooks(
  spec: Pick<HomelabSpec, "apps" | "storage" | "backup">,
  host: HostSpec,
): DumpHook[] {
  const classes = backedUpClasses(spec);
  return spec.apps
    .filter((a) => a.host === host.name)
    .flatMap((a) => {
      const def = definitionOf(a.name);
      const dump = def.dump;
      if (!dump) return [];
      const hook: DumpHook = { kind: dump.kind, app: def.name };
      if (dump.kind === "sqlite") {
        if (!dump.database) throw new Error(`${def.name}: a sqlite dump needs its database path`);
        const mount = appMounts(def, host, spec.storage).find((m) =>
          dump.database?.startsWith(`${m.target}/`),
        );
        if (mount && !classes.includes(mount.class)) {
          throw new Error(
            `${def.name}: the sqlite database is on class ${mount.class}, not backed up`,
          );
        }
        hook.database = hostFileOf(def, host, spec, dump.database);
      } else {
        hook.host = def.name;
        if (dump.port !== undefined) hook.port = dump.port;
      }
      if (dump.user !== undefined) hook.user = dump.user;
      if (dump.passwordSecret !== undefined) {
        if (!(def.secrets ?? []).some((s) => s.name === dump.passwordSecret)) {
          throw new Error(
            `${def.name}: dump password secret ${dump.passwordSecret} is not one of its secrets`,
          );
        }
        hook.passwordEnv = dumpPasswordEnv(def.name);
      }
      return [hook];
    })
    .sort((a, b) => a.app.localeCompare(b.app));
}

/** `local` is the backups class of the host; remotes are named by scheme (`s3`, `b2-2`, ...). */
export function repositoryPlans(spec: Pick<HomelabSpec, "backup">): BackupRepositoryPlan[] {
  const seen = new Map<string, number>();
  return spec.backup.repositories.map((r) => {
    const base = r.url === "local" ? "local" : r.url.slice(0, r.url.indexOf(":"));
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return {
      name: n === 1 ? base : `${base}-${n}`,
      url: r.url === "local" ? REPO_TARGET : r.url,
      retention: r.retention,
    };
  });
}

/** Whether any repository is remote (needs `homelab:backupRemoteKeys`). */
export function hasRemote(spec: Pick<HomelabSpec, "backup">): boolean {
  return spec.backup.repositories.some((r) => r.url !== "local");
}

/** The plan the host's backup script is rendered from. */
export function backupJobPlan(spec: HomelabSpec, host: HostSpec): BackupJobPlan {
  return {
    host: host.name,
    paths: sourceDirs(spec, host).map((m) => m.target),
    excludes: [],
    hooks: dumpHooks(spec, host),
    repositories: repositoryPlans(spec),
    stagingDir: STAGING_TARGET,
    textfileDir: TEXTFILE_TARGET,
    checkReadData: spec.backup.checkReadData,
    tags: ["homelab", `stack=${spec.stack}`],
  };
}

/**
 * The docker env-file the script loads for remote repositories, from the JSON object of
 * `homelab:backupRemoteKeys` (`{"AWS_ACCESS_KEY_ID": "...", ...}`).
 */
export function remoteEnvFile(json: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error("homelab:backupRemoteKeys must be a JSON object of environment variables");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("homelab:backupRemoteKeys must be a JSON object of environment variables");
  }
  const entries = Object.entries(parsed as Record<string, unknown>).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  return entries
    .map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || typeof v !== "string" || /[\n\r\0]/.test(v)) {
        throw new Error(
          `homelab:backupRemoteKeys: ${k} must be a variable name with a one-line string value`,
        );
      }
      return `${k}=${v}\n`;
    })
    .join("");
}
