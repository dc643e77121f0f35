/**
 * DESIGN §7 for the backup job: adding an app with a database to a stack adds that app's
 * resources and its hook files on its own host, and changes nothing of any host's backup job —
 * not the container's image, env, uploads, mounts, labels or command, so nothing restarts.
 * Removing the app deletes its hook files; moving it writes them on the new host and removes
 * them from the old one.
 */
import { isDeepStrictEqual } from "node:util";
import { definitionOf } from "../../catalog";
import { parseSpec } from "../../plan/resolve";
import type { HostSpec } from "../../config/spec";
import { LABELS } from "../../plan/labels";
import type { Evaluation, RegisteredResource } from "../../scripts/evaluate";
import type { StackConfig } from "../../scripts/stackFile";
import { containers, labelsOf, run, stackConfig, withConfig } from "../helpers/harness";
import { hookFields, hookWrites, subtree, writtenContent, type HookWrite } from "./hookFiles";

type Placement = Record<string, { host?: string }>;

function withApps(stack: string, apps: Placement): StackConfig {
  return withConfig(stackConfig(stack), (c) => {
    const current = (c["homelab:apps"] ?? {}) as Record<string, object>;
    const next: Record<string, object> = { ...current };
    for (const [name, p] of Object.entries(apps)) next[name] = { enabled: true, ...p };
    c["homelab:apps"] = next;
  });
}

interface Case {
  what: string;
  stack: string;
  add: Placement;
  /** Resources outside the backup job that the added app changes by design. */
  alsoChanges: string[];
}

const CASES: Case[] = [
  {
    what: "Navidrome (SQLite) on the dev stack",
    stack: "dev",
    add: { navidrome: {} },
    alsoChanges: [],
  },
  {
    what: "Navidrome on one host of three",
    stack: "prod",
    add: { navidrome: { host: "nas" } },
    alsoChanges: [],
  },
  {
    what: "the shared PostgreSQL (every host) and a consumer, Gitea",
    stack: "prod",
    add: { postgres: {}, gitea: { host: "forge" } },
    // Authelia's access rules name every routed app (its own configuration, not the backup's).
    alsoChanges: ["authelia-container"],
  },
];

const evaluations = new Map<string, Promise<Evaluation>>();
/** The program runs under process-wide mocks: one evaluation at a time, each once. */
let queue: Promise<unknown> = Promise.resolve();
function evaluated(key: string, config: () => StackConfig): Promise<Evaluation> {
  let ev = evaluations.get(key);
  if (!ev) {
    ev = queue
      .then(() => run(config()))
      .then((e) => {
        if (e.error) throw e.error;
        return e;
      });
    queue = ev.catch(() => undefined);
    evaluations.set(key, ev);
  }
  return ev;
}
const before = (c: Case) => evaluated(c.stack, () => stackConfig(c.stack));
const after = (c: Case) =>
  evaluated(`${c.stack}+${Object.keys(c.add).join("+")}`, () => withApps(c.stack, c.add));

const byUrn = (ev: Evaluation) => new Map(ev.resources.map((r) => [r.urn, r]));
const backupJobs = (ev: Evaluation) =>
  ev.resources.filter((r) => r.type === "homelab:backup:BackupJob");

/** Where a host's preparation commands connect. */
function sshHost(host: HostSpec): string | undefined {
  if (host.docker.kind === "unix") return undefined;
  return host.docker.kind === "ssh" ? host.docker.host : host.address;
}

function connectionHost(w: HookWrite): string | undefined {
  return (w.command.inputs.connection as { host?: string } | undefined)?.host;
}

describe.each(CASES)("adding $what", (c) => {
  it("leaves every backup container's inputs byte-identical", async () => {
    const [a, b] = await Promise.all([before(c), after(c)]);
    const backups = containers(a).filter((r) => labelsOf(r)[LABELS.app] === "backup");
    expect(backups.length).toBe(parseSpec(stackConfig(c.stack)).hosts.length);
    const now = byUrn(b);
    for (const old of backups) {
      const same = now.get(old.urn);
      expect(same).toBeDefined();
      // image, env, uploads (script, crontab, secrets), volumes, labels, command: all of it.
      expect(same?.inputs).toEqual(old.inputs);
      expect(same?.secretPaths).toEqual(old.secretPaths);
    }
  });

  it("changes, adds or removes nothing below any backup job", async () => {
    const [a, b] = await Promise.all([before(c), after(c)]);
    const now = byUrn(b);
    for (const job of backupJobs(a)) {
      const mine = [...subtree(a, job)];
      const theirs = [...subtree(b, now.get(job.urn) as RegisteredResource)];
      expect(theirs.sort()).toEqual(mine.sort());
      for (const urn of mine) {
        const old = a.resources.find((r) => r.urn === urn) as RegisteredResource;
        expect({ name: old.name, inputs: now.get(urn)?.inputs }).toEqual({
          name: old.name,
          inputs: old.inputs,
        });
      }
    }
  });

  it("removes nothing and changes nothing else: only the new app's resources appear", async () => {
    const [a, b] = await Promise.all([before(c), after(c)]);
    const now = byUrn(b);
    const removed = a.resources.filter((r) => !now.has(r.urn)).map((r) => r.name);
    const changed = a.resources
      .filter((r) => now.has(r.urn) && !isDeepStrictEqual(now.get(r.urn)?.inputs, r.inputs))
      .map((r) => r.name);
    expect(removed).toEqual([]);
    expect(changed).toEqual(c.alsoChanges);
  });

  it("writes the new apps' hook files on their own hosts, as resources of the apps", async () => {
    const [a, b] = await Promise.all([before(c), after(c)]);
    const spec = parseSpec(withApps(c.stack, c.add));
    const old = new Set(hookWrites(a).map((w) => w.command.urn));
    const added = hookWrites(b).filter((w) => !old.has(w.command.urn));
    expect(added.length).toBeGreaterThan(0);
    for (const w of added) {
      expect(Object.keys(c.add)).toContain(w.app);
      const host = spec.hosts.find((h) => h.name === w.host) as HostSpec;
      expect(spec.apps.some((p) => p.name === w.app && p.host === host.name)).toBe(true);
      // Written on the app's host, in the directory that host's backup container mounts.
      expect(connectionHost(w)).toBe(sshHost(host));
      const backup = containers(b).find(
        (r) => labelsOf(r)[LABELS.app] === "backup" && labelsOf(r)[LABELS.host] === host.name,
      ) as RegisteredResource;
      const hooksMount = (
        backup.inputs.volumes as { hostPath: string; containerPath: string; readOnly?: boolean }[]
      ).find((v) => v.containerPath === "/hooks");
      expect(hooksMount?.readOnly).toBe(true);
      expect(w.path.slice(0, w.path.lastIndexOf("/"))).toBe(hooksMount?.hostPath);
    }
    // Every added app with a database has its hook on every host it runs on.
    const expected = spec.apps
      .filter((p) => Object.keys(c.add).includes(p.name))
      .filter((p) => definitionOf(p.name).dump !== undefined)
      .map((p) => `${p.host}:${p.name}`)
      .sort();
    const hooks = added
      .filter((w) => w.path.endsWith(".hook"))
      .map((w) => `${w.host}:${w.app}`)
      .sort();
    expect(hooks).toEqual(expected);
  });

  it("deletes the hook files when the app goes away", async () => {
    const [a, b] = await Promise.all([before(c), after(c)]);
    const old = new Set(hookWrites(a).map((w) => w.command.urn));
    // Going back from `after` to `before` deletes these resources, and their delete removes the file.
    for (const w of hookWrites(b).filter((x) => !old.has(x.command.urn))) {
      expect(String(w.command.inputs.delete)).toMatch(
        new RegExp(`\\$SUDO rm -f '${w.path.replace(/[.]/g, "\\.")}'$`),
      );
    }
  });
});

describe("an app moved to another host", () => {
  it("takes its hook along: written on the new host, the old one replaced away", async () => {
    const onNas = await evaluated("prod+navidrome@nas", () =>
      withApps("prod", { navidrome: { host: "nas" } }),
    );
    const onForge = await evaluated("prod+navidrome@forge", () =>
      withApps("prod", { navidrome: { host: "forge" } }),
    );
    const spec = parseSpec(stackConfig("prod"));
    const hook = (ev: Evaluation) =>
      hookWrites(ev).find((w) => w.app === "navidrome" && w.path.endsWith(".hook")) as HookWrite;
    const [from, to] = [hook(onNas), hook(onForge)];
    // Same resource (so Pulumi compares them), another host: the triggers force a replacement,
    // whose delete runs with the old inputs, on the old host.
    expect(to.command.urn).toBe(from.command.urn);
    expect(connectionHost(from)).toBe(
      sshHost(spec.hosts.find((h) => h.name === "nas") as HostSpec),
    );
    expect(connectionHost(to)).toBe(
      sshHost(spec.hosts.find((h) => h.name === "forge") as HostSpec),
    );
    expect(from.command.inputs.triggers).not.toEqual(to.command.inputs.triggers);
    expect(hookFields(writtenContent(to.command)).database).toMatch(
      /^\/source\/.*\/navidrome\.db$/,
    );
  });
});
