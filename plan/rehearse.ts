/**
 * The last gate before any resource: every generator that can still refuse a value (shell
 * scripts, crontabs, generated config files, container plans) runs once on the validated
 * spec, and whatever it refuses becomes a config issue named by the key that caused it.
 * So a value that slipped past the schema fails here, with nothing registered, instead of
 * in the middle of a deployment.
 */
import { BACKUP_APP, BACKUP_SCRIPT_PATH } from "../catalog/backup";
import { CATALOG } from "../catalog";
import type { ConfigIssue } from "../config/errors";
import type { HomelabSpec } from "../config/spec";
import { crontab } from "./backup/crontab";
import { backupJobPlan } from "./backup/job";
import { backupScript } from "./backup/script";
import { planContainer } from "./container";
import { directoriesScript } from "./directories";
import { adminBootstrapScript, autheliaConfig } from "./proxy/authelia";
import { middlewaresConfig, remoteRoutesConfig, traefikStaticConfig } from "./proxy/traefik";

function attempt(issues: ConfigIssue[], key: string, run: () => unknown): void {
  try {
    run();
  } catch (error) {
    issues.push({ key, message: error instanceof Error ? error.message : String(error) });
  }
}

/** Problems the generators would raise later, each under the key that feeds the generator. */
export function rehearse(spec: HomelabSpec): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const app of spec.apps) {
    const def = CATALOG.get(app.name);
    const host = spec.hosts.find((h) => h.name === app.host);
    if (!def || !host) continue;
    attempt(issues, `homelab:apps.${app.name}`, () => {
      const plan = planContainer(spec, app, def, host);
      directoriesScript(plan.mounts, spec.owner);
      remoteRoutesConfig(spec, app, def);
    });
    if (app.name === BACKUP_APP) {
      attempt(issues, "homelab:backup", () => {
        backupScript(backupJobPlan(spec, host));
        crontab(spec.backup.schedule, spec.backup.checkSchedule, BACKUP_SCRIPT_PATH);
      });
    }
  }
  if (spec.apps.some((a) => a.name === "traefik")) {
    attempt(issues, "homelab:tls", () => {
      traefikStaticConfig(spec);
      middlewaresConfig(spec);
    });
  }
  if (spec.apps.some((a) => a.name === "authelia")) {
    attempt(issues, "homelab:sso", () => autheliaConfig(spec, spec.apps));
    if (!spec.sso.usersFromConfig)
      attempt(issues, "homelab:tls.email", () =>
        adminBootstrapScript(spec.tls?.email ?? `admin@${spec.domain}`),
      );
  }
  // One message per key: the same refusal from every host says nothing new.
  const seen = new Set<string>();
  return issues.filter((i) => {
    const id = `${i.key}\n${i.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
