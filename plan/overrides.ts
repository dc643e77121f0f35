/**
 * What `homelab:apps.<name>` may change and what it may not: the owner tunes an app, but an
 * override never replaces what the program manages (ids, secrets, security switches) and
 * never takes SSO away from an app that has no login of its own. Pure functions of the
 * catalog; plan/placement.ts turns their answers into issues named by key.
 */
import type { AppDefinition } from "../catalog/types";
import type { AuthPolicy } from "../config/spec";

/** Env names that change how any program in any image loads or talks to the engine. */
const LOADER = /^(LD_[A-Z_]*|DYLD_[A-Z_]*|DOCKER_HOST|DOCKER_TLS_VERIFY|DOCKER_CERT_PATH)$/;
/** Names that carry secrets: those come only from `--secret` config or are generated. */
const SECRETISH =
  /(PASSWORD|PASSWD|PASS$|_PWD$|SECRET|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|ENCRYPTION_KEY|MASTER_KEY|^APP_KEY$|_CLAIM$|AUTH$)/;

/** Env names the program sets on every container, and the key that sets them. */
const GLOBAL_MANAGED: Readonly<Record<string, string>> = {
  PUID: "homelab:owner",
  PGID: "homelab:owner",
  UMASK: "the data tree's permissions",
  TZ: "homelab:timezone",
};

/**
 * Why `homelab:apps.<app>.env.<key>` is refused, or undefined when the owner may set it.
 * Everything here would otherwise silently replace a value the program relies on (the
 * override is applied after the catalog's env, and a duplicate entry wins by order).
 */
export function envOverrideProblem(def: AppDefinition, key: string): string | undefined {
  const upper = key.toUpperCase();
  if (LOADER.test(upper))
    return "changes how every program in the container loads or reaches the Docker engine; not allowed";
  const managedBy = GLOBAL_MANAGED[upper];
  if (managedBy) return `is managed by the program (set it through ${managedBy})`;
  const locked = def.managedEnv;
  if (locked && locked.prefixes.some((p) => upper.startsWith(p.toUpperCase())))
    return `is managed by the program: ${locked.reason}`;
  if (upper.endsWith("_FILE"))
    return "names a secret file; secrets are generated or set with pulumi config set --secret";
  if ((def.secrets ?? []).some((s) => s.env === key || s.fileEnv === key))
    return `is ${def.name}'s generated secret; it is never set in plain config`;
  if (SECRETISH.test(upper))
    return "looks like a secret; secrets never sit in plain config (they are generated or set with pulumi config set --secret)";
  if (def.env && key in def.env)
    return `is set by the program for ${def.name}; it cannot be overridden`;
  const db = def.database;
  if (db && key in db.env) return `is ${def.name}'s database connection, wired by the program`;
  return undefined;
}

/** Whether an app keeps its own login when SSO is taken off its route. */
export function hasOwnLogin(def: AppDefinition): boolean {
  return def.route?.auth === "bypass" || def.route?.ownLogin === true;
}

/** Why `homelab:apps.<app>.auth` is refused, or undefined. */
export function authOverrideProblem(def: AppDefinition, auth: AuthPolicy): string | undefined {
  if (auth !== "bypass" || hasOwnLogin(def)) return undefined;
  return `${def.name} has no login of its own that the program seeds: bypass would make it public; use one_factor or two_factor`;
}

/** Routed apps that are public without SSO (no own login, not LAN-only). */
export function appsNeedingSso(
  apps: readonly { name: string; auth: AuthPolicy }[],
  lookup: (name: string) => AppDefinition,
): string[] {
  return apps
    .filter((a) => {
      const def = lookup(a.name);
      return def.route && !def.perHost && !def.route.lanOnly && !hasOwnLogin(def);
    })
    .map((a) => a.name)
    .sort();
}
