import { BACKUP_SCRIPT_PATH } from "../../catalog/backup";
/**
 * Coverage by construction: every stateful mount of every container of every good
 * stack is backed up by the BackupJob of its host, read-only, and named in the uploaded script.
 */
import * as pulumi from "@pulumi/pulumi";
import { definitionOf } from "../../catalog";
import { parseSpec } from "../../plan/resolve";
import type { HostSpec, StorageClass } from "../../config/spec";
import { hookOutput } from "../../plan/backup/hooks";
import { dumpHooks, STAGING_TARGET } from "../../plan/backup/job";
import { sourcePath } from "../../plan/backup/script";
import { LABELS } from "../../plan/labels";
import { deploy } from "../../program";
import { evaluate, type RegisteredResource } from "../../scripts/evaluate";
import {
  container,
  containers,
  goodStacks,
  labelsOf,
  run,
  runCached,
  stackConfig,
  withConfig,
} from "../helpers/harness";

interface Volume {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

interface Upload {
  file: string;
  content: string;
}

const volumesOf = (c: RegisteredResource) => (c.inputs.volumes ?? []) as Volume[];
const uploadsOf = (c: RegisteredResource) => (c.inputs.uploads ?? []) as Upload[];

function scriptOf(backup: RegisteredResource): string {
  const script = uploadsOf(backup).find((u) => u.file === BACKUP_SCRIPT_PATH);
  if (!script) throw new Error(`${backup.name} has no ${BACKUP_SCRIPT_PATH} upload`);
  return script.content;
}

/** `<root>/<class>` of a host path below one of the host's tier roots. */
function classDirOf(host: HostSpec, path: string): { cls: StorageClass; dir: string } | undefined {
  for (const root of Object.values(host.storage)) {
    if (root === undefined || !path.startsWith(`${root}/`)) continue;
    const cls = path.slice(root.length + 1).split("/")[0] as StorageClass;
    return { cls, dir: `${root}/${cls}` };
  }
  return undefined;
}

const covers = (parent: string, path: string) => path === parent || path.startsWith(`${parent}/`);

describe.each(goodStacks())("backups of %s", (stack) => {
  const spec = parseSpec(stackConfig(stack));
  const hostOf = (c: RegisteredResource) =>
    spec.hosts.find((h) => h.name === labelsOf(c)[LABELS.host]) as HostSpec;

  it("runs one backup container per host, as the generated script's `serve`", async () => {
    const ev = await runCached(stack);
    for (const host of spec.hosts) {
      const backup = container(ev, `backup-${host.name}`);
      expect(backup.provider).toContain(`::${host.name}-docker::`);
      expect([
        ...(backup.inputs.entrypoints as string[]),
        ...(backup.inputs.command as string[]),
      ]).toEqual(["/bin/sh", BACKUP_SCRIPT_PATH, "serve"]);
      expect(String(backup.inputs.image)).toBeTruthy();
      const crontab = uploadsOf(backup).find((u) => u.file === "/etc/crontabs/root");
      expect(crontab?.content).toContain(`/bin/sh ${BACKUP_SCRIPT_PATH} backup`);
    }
  });

  it("covers every config and database mount of every container, read-only, in the script", async () => {
    const ev = await runCached(stack);
    let checked = 0;
    for (const c of containers(ev)) {
      const host = hostOf(c);
      const backup = container(ev, `backup-${host.name}`);
      const script = scriptOf(backup);
      const classes = labelsOf(c)[LABELS.classes]?.split(",") ?? [];
      for (const v of volumesOf(c)) {
        const at = classDirOf(host, v.hostPath);
        if (!at || (at.cls !== "config" && at.cls !== "database")) continue;
        expect(classes).toContain(at.cls);
        const mount = volumesOf(backup).find(
          (b) => b.readOnly === true && covers(b.hostPath, v.hostPath),
        );
        expect({ container: c.name, volume: v.hostPath, mounted: mount !== undefined }).toEqual({
          container: c.name,
          volume: v.hostPath,
          mounted: true,
        });
        if (!mount) continue;
        expect(mount.containerPath).toBe(sourcePath(mount.hostPath));
        expect(script).toContain(`[ -e '${sourcePath(mount.hostPath)}' ]`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("leaves cache, transcode and data out unless included", async () => {
    const ev = await runCached(stack);
    for (const host of spec.hosts) {
      const backup = container(ev, `backup-${host.name}`);
      const script = scriptOf(backup);
      for (const v of volumesOf(backup)) {
        const at = classDirOf(host, v.hostPath);
        if (!at || !["cache", "transcode", "data"].includes(at.cls)) continue;
        expect(spec.backup.include).toContain(at.cls);
      }
      for (const cls of ["cache", "transcode", "data"] as const) {
        if (spec.backup.include.includes(cls)) continue;
        for (const root of Object.values(host.storage)) {
          expect(script).not.toContain(`'${sourcePath(`${root}/${cls}`)}'`);
        }
      }
    }
  });

  it("keeps the repository password and remote keys secret", async () => {
    const ev = await runCached(stack);
    for (const host of spec.hosts) {
      const backup = container(ev, `backup-${host.name}`);
      const uploads = uploadsOf(backup);
      const secretFiles = ["/run/secrets/restic-password", "/run/secrets/restic-remote.env"];
      for (const [i, u] of uploads.entries()) {
        if (secretFiles.includes(u.file))
          expect(backup.secretPaths).toContain(`uploads.${i}.content`);
      }
      expect(uploads.map((u) => u.file)).toContain("/run/secrets/restic-password");
      if (spec.backup.repositories.some((r) => r.url !== "local")) {
        expect(uploads.map((u) => u.file)).toContain("/run/secrets/restic-remote.env");
      }
      const env = (backup.inputs.envs ?? []) as string[];
      expect(env).toContain("RESTIC_PASSWORD_FILE=/run/secrets/restic-password");
    }
    expect(ev.outputs.backupPassword).toBeTruthy();
  });

  it("dumps every database that declares a dump hook before the snapshot", async () => {
    const ev = await runCached(stack);
    let total = 0;
    for (const host of spec.hosts) {
      const script = scriptOf(container(ev, `backup-${host.name}`));
      const declared = spec.apps.filter((a) => a.host === host.name && definitionOf(a.name).dump);
      const hooks = dumpHooks(spec, host);
      expect(hooks.map((h) => h.app).sort()).toEqual(declared.map((a) => a.name).sort());
      for (const hook of hooks) expect(script).toContain(hookOutput(hook, STAGING_TARGET));
      total += hooks.length;
    }
    // Authelia's SQLite store and its Redis session store.
    if (spec.sso.provider === "authelia") expect(total).toBeGreaterThanOrEqual(2);
  });
});

describe("the backup password output", () => {
  it.each(["dev", "prod"])(
    "%s: is a secret stack output, generated once and protected",
    async (stack) => {
      const ev = await evaluate(stackConfig(stack), () => {
        const out = deploy();
        return { secret: pulumi.isSecret(out.backupPassword), value: out.backupPassword };
      });
      expect(ev.error).toBeUndefined();
      expect(ev.outputs.secret).toBe(true);
      expect(typeof ev.outputs.value).toBe("string");
      const generated = ev.resources.filter(
        (r) =>
          r.type === "random:index/randomPassword:RandomPassword" && r.name === "backup-password",
      );
      expect(generated).toHaveLength(1);
      expect(generated[0].protect).toBe(true);
    },
  );

  it("uses homelab:backupPassword when it is set", async () => {
    const base = stackConfig("dev");
    const ev = await evaluate(
      {
        ...base,
        config: { ...base.config, "homelab:backupPassword": "given-password" },
        secretKeys: [...base.secretKeys, "homelab:backupPassword"],
      },
      deploy,
    );
    expect(ev.error).toBeUndefined();
    expect(ev.outputs.backupPassword).toBe("given-password");
    expect(ev.resources.some((r) => r.name === "backup-password")).toBe(false);
  });
});

describe("backups cannot be forgotten", () => {
  it("runs the backup job on every host even when the core profile is left out", async () => {
    const stack = withConfig(stackConfig("dev"), (c) => {
      c["homelab:profiles"] = ["observability"];
    });
    const ev = await run(stack);
    expect(ev.error).toBeUndefined();
    expect(containers(ev).map((c) => c.name)).toContain("backup-local-container");
  });
});
