/**
 * Coverage by construction: every stateful mount of every container of every good
 * stack is backed up by the BackupJob of its host, read-only, and named in the uploaded script;
 * every database is dumped through the hook its app leaves in the directory the job reads.
 */
import * as pulumi from "@pulumi/pulumi";
import { definitionOf } from "../../catalog";
import { BACKUP_SCRIPT_PATH } from "../../catalog/backup";
import { parseSpec } from "../../plan/resolve";
import type { HostSpec, StorageClass } from "../../config/spec";
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
import { hookFields, hookWrites, writtenContent, type HookWrite } from "./hookFiles";

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

  it("dumps every database that declares a dump hook, through a hook file on its own host", async () => {
    const ev = await runCached(stack);
    const writes = hookWrites(ev);
    let total = 0;
    for (const host of spec.hosts) {
      const backup = container(ev, `backup-${host.name}`);
      const hooksMount = volumesOf(backup).find((v) => v.containerPath === "/hooks");
      expect(hooksMount?.readOnly).toBe(true);
      const declared = spec.apps.filter((a) => a.host === host.name && definitionOf(a.name).dump);
      const mine = writes.filter((w) => w.host === host.name);
      const hookFiles = mine.filter((w) => w.path.endsWith(".hook"));
      expect(hookFiles.map((w) => w.app).sort()).toEqual(declared.map((a) => a.name).sort());
      for (const w of mine) {
        expect(w.path.slice(0, w.path.lastIndexOf("/"))).toBe(hooksMount?.hostPath);
      }
      for (const w of hookFiles) checkHook(w, backup, mine);
      total += hookFiles.length;
    }
    // Authelia's SQLite store and its Redis session store.
    if (spec.sso.provider === "authelia") expect(total).toBeGreaterThanOrEqual(2);
  });

  it("keeps the hooks directory out of every app's reach, and the Docker socket out of the job's", async () => {
    const ev = await runCached(stack);
    for (const host of spec.hosts) {
      const backup = container(ev, `backup-${host.name}`);
      const hooks = volumesOf(backup).find((v) => v.containerPath === "/hooks")?.hostPath ?? "";
      expect(hooks).not.toBe("");
      for (const c of containers(ev).filter((x) => hostOf(x).name === host.name)) {
        if (c === backup) continue;
        // Only a read-only view of a parent (node-exporter's `/`) may include it.
        const reaching = volumesOf(c).filter((v) => covers(v.hostPath, hooks) && !v.readOnly);
        expect({ container: c.name, reaching }).toEqual({ container: c.name, reaching: [] });
      }
      expect(volumesOf(backup).some((v) => v.hostPath.includes("docker.sock"))).toBe(false);
      const networks = (backup.inputs.networksAdvanced ?? []) as { name: string }[];
      expect(networks.map((n) => n.name)).not.toContain("socket-proxy");
    }
  });
});

/** One hook file checked against the app it belongs to and the backup container that reads it. */
function checkHook(w: HookWrite, backup: RegisteredResource, onHost: readonly HookWrite[]): void {
  const def = definitionOf(w.app);
  const dump = def.dump;
  if (!dump) throw new Error(`${w.app} has a hook but declares no dump`);
  const f = hookFields(writtenContent(w.command));
  expect({ app: w.app, kind: f.kind }).toEqual({ app: w.app, kind: dump.kind });
  if (dump.kind === "sqlite") {
    // The live file as the backup container sees it: the app's own volume, backed up read-only.
    const hostPath = f.database.slice("/source".length);
    expect(f.database).toBe(sourcePath(hostPath));
    expect(volumesOf(w.container).some((v) => covers(v.hostPath, hostPath))).toBe(true);
    const mount = volumesOf(backup).find(
      (b) => b.readOnly === true && covers(b.hostPath, hostPath),
    );
    expect({ app: w.app, covered: mount !== undefined }).toEqual({ app: w.app, covered: true });
  } else {
    // The server by its container name, on a network the backup container shares.
    expect(f.host).toBe(w.container.inputs.name);
    const nets = (c: RegisteredResource) =>
      ((c.inputs.networksAdvanced ?? []) as { name: string }[]).map((n) => n.name);
    expect(nets(w.container).filter((n) => nets(backup).includes(n)).length).toBeGreaterThan(0);
  }
  const password = onHost.find((p) => p.app === w.app && p.path.endsWith(".password"));
  if (dump.passwordSecret === undefined) {
    expect(f.passwordFile).toBeUndefined();
    expect(password).toBeUndefined();
    return;
  }
  if (!password) throw new Error(`${w.app}: no password file`);
  expect(f.passwordFile).toBe(password.path.slice(password.path.lastIndexOf("/") + 1));
  // The database's own password, from its container's env; on stdin (secret), never in argv.
  const secret = def.secrets?.find((s) => s.name === dump.passwordSecret);
  const env = (w.container.inputs.envs ?? []) as string[];
  const value = env.find((e) => e.startsWith(`${secret?.env}=`))?.slice(`${secret?.env}=`.length);
  expect(value).toBeTruthy();
  expect(password.command.inputs.stdin).toBe(`${value}\n`);
  expect(password.command.secretPaths).toContain("stdin");
  for (const key of ["create", "update", "delete"]) {
    expect(String(password.command.inputs[key])).not.toContain(value);
  }
}

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
