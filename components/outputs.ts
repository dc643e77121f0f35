import * as pulumi from "@pulumi/pulumi";
import type { HomelabSpec } from "../config/spec";
import type { Homelab } from "./homelab";

/** What `pulumi stack output` shows: where things run and how to reach them. */
export function stackOutputs(spec: HomelabSpec, homelab: Homelab) {
  const hosts = Object.fromEntries(
    spec.hosts.map((h) => [
      h.name,
      { docker: h.docker.url, address: h.address, edge: h.edge, gpu: h.gpu },
    ]),
  );
  const apps = Object.fromEntries(
    Object.entries(homelab.apps).map(([id, app]) => [
      id,
      { host: app.plan.labels["homelab.host"], image: app.plan.image },
    ]),
  );
  const urls = Object.fromEntries(
    Object.values(homelab.apps)
      .filter((app) => app.url !== undefined)
      .map((app) => [app.plan.containerName, app.url as string]),
  );
  // Exported (secret) so the owner and other tools can reach apps without copy-paste.
  const generatedSecrets = pulumi.secret(
    pulumi.all(
      Object.fromEntries(
        Object.entries(homelab.apps).flatMap(([id, app]) =>
          Object.entries(app.secrets).map(([secret, value]) => [`${id}.${secret}`, value]),
        ),
      ),
    ),
  );
  // The restic repository password: without it no snapshot can be read (docs/backup-and-restore.md).
  const backupPassword = pulumi.secret(homelab.backupPassword);
  return { hosts, apps, urls, generatedSecrets, backupPassword };
}
