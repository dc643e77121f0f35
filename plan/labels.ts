/**
 * Container label keys shared by the proxy, monitoring, the dashboard and the policy pack.
 * Discovery reads these, so adding an app changes no other resource (DESIGN §7).
 */
export const LABELS = {
  /** Catalog name of the app. */
  app: "homelab.app",
  /** Host the container runs on. */
  host: "homelab.host",
  /** Profile (family) of the app. */
  profile: "homelab.profile",
  /** Storage classes the container mounts, comma-separated (backup coverage, policy). */
  classes: "homelab.storage.classes",
  /** Prometheus scrape port and path; absent when the app has no metrics. */
  metricsPort: "homelab.metrics.port",
  metricsPath: "homelab.metrics.path",
  /** Declared security exceptions, as JSON `{ kind: reason }`; absent when none. */
  exceptions: "homelab.exceptions",
  /** `true` on database and cache containers (never on the proxy network). */
  database: "homelab.database",
  /** `true` on containers of the edge host (the only one allowed to publish 80/443). */
  edge: "homelab.edge",
  /** Env keys whose values come from Pulumi secrets, comma-separated (policy: no plain secrets). */
  secretEnv: "homelab.secretEnv",
  /** Public URL of a routed app. */
  url: "homelab.url",
} as const;

/** Docker `labels` input as @pulumi/docker 5.x expects it, sorted for stable diffs. */
export function toLabelList(
  labels: Readonly<Record<string, string>>,
): { label: string; value: string }[] {
  return Object.keys(labels)
    .sort()
    .map((label) => ({ label, value: labels[label] }));
}
