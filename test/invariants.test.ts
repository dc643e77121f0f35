import { CATALOG } from "../catalog";
import { parseSpec } from "../plan/resolve";
import { checkResources } from "../policy/rules";
import type { HostSpec, StorageClass } from "../config/spec";
import { LABELS } from "../plan/labels";

/** `uid:gid` of a directory the catalog declares owned by its image (`owner: "image"`). */
function imageOwnedBy(v: { hostPath: string; containerPath: string }): string | undefined {
  for (const def of CATALOG.values())
    for (const vol of def.volumes ?? [])
      if (
        vol.owner === "image" &&
        vol.target === v.containerPath &&
        v.hostPath.endsWith(`/${def.name}`)
      )
        return def.contract?.dropsTo;
  return undefined;
}
import { containers, envOf, goodStacks, labelsOf, runCached, stackConfig } from "./helpers/harness";

interface Volume {
  hostPath: string;
  containerPath: string;
}

function exceptionsOf(labels: Record<string, string>): Record<string, string> {
  return labels[LABELS.exceptions]
    ? (JSON.parse(labels[LABELS.exceptions]) as Record<string, string>)
    : {};
}

/**
 * Where each class lands on prod's hosts (Pulumi.prod.yaml, DESIGN §4), written out by hand:
 * gateway has only an SSD; forge has no HDD, so data and backups fall back to its SSD.
 */
const NVME_AND_SSD = {
  config: "/mnt/ssd",
  database: "/mnt/ssd",
  metrics: "/mnt/ssd",
  logs: "/mnt/ssd",
  cache: "/mnt/nvme",
  transcode: "/mnt/nvme",
  games: "/mnt/nvme",
} as const;
const PROD_ROOTS: Readonly<Record<string, Readonly<Record<StorageClass, string>>>> = {
  gateway: Object.fromEntries(
    ["config", "database", "metrics", "logs", "cache", "transcode", "games", "data", "backups"].map(
      (c) => [c, "/srv/ssd"],
    ),
  ) as Record<StorageClass, string>,
  nas: { ...NVME_AND_SSD, data: "/mnt/storage", backups: "/mnt/storage" },
  forge: { ...NVME_AND_SSD, data: "/mnt/ssd", backups: "/mnt/ssd" },
};

function underTier(host: HostSpec, path: string): boolean {
  return Object.values(host.storage).some(
    (root) => root !== undefined && path.startsWith(`${root}/`),
  );
}

describe.each(goodStacks())("every container of %s", (stack) => {
  const spec = parseSpec(stackConfig(stack));

  it("pins its image, restarts unless stopped, has no new privileges and drops ALL capabilities", async () => {
    const ev = await runCached(stack);
    const images = ev.resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage");
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      const ref = String(image.inputs.name);
      expect(ref).toMatch(/:[^/]+$/);
      expect(ref).not.toMatch(/:latest$/);
      expect(image.inputs.keepLocally).toBe(true);
    }
    for (const c of containers(ev)) {
      expect(c.inputs.restart).toBe("unless-stopped");
      expect(c.inputs.securityOpts).toContain("no-new-privileges:true");
      expect((c.inputs.capabilities as { drops: string[] }).drops).toEqual(["ALL"]);
    }
  });

  it("has a memory limit, bounded json-file logs, TZ and labels", async () => {
    const ev = await runCached(stack);
    for (const c of containers(ev)) {
      expect(c.inputs.memory).toBeGreaterThan(0);
      expect(c.inputs.logDriver).toBe("json-file");
      expect(c.inputs.logOpts).toEqual({ "max-file": "3", "max-size": "10m" });
      expect(envOf(c).TZ).toBe(spec.timezone);
      const labels = labelsOf(c);
      expect(labels[LABELS.app]).toBeTruthy();
      expect(spec.hosts.map((h) => h.name)).toContain(labels[LABELS.host]);
    }
  });

  it("has a health check or declares why it cannot, and is read-only unless declared", async () => {
    const ev = await runCached(stack);
    for (const c of containers(ev)) {
      const ex = exceptionsOf(labelsOf(c));
      if (!c.inputs.healthcheck) expect(ex.noHealthcheck).toBeTruthy();
      if (c.inputs.readOnly !== true) expect(ex.writableRoot).toBeTruthy();
      if (c.inputs.privileged) expect(ex.privileged).toBeTruthy();
      if (c.inputs.networkMode === "host") expect(ex.hostNetwork).toBeTruthy();
      expect(c.replaceOnChanges).toEqual(expect.arrayContaining(["healthcheck", "tmpfs"]));
    }
  });

  it("bind-mounts only below its host's tier roots, on the tier of each class", async () => {
    const ev = await runCached(stack);
    for (const c of containers(ev)) {
      const labels = labelsOf(c);
      const host = spec.hosts.find((h) => h.name === labels[LABELS.host]) as HostSpec;
      const declared = Object.keys(exceptionsOf(labels)).includes("hostAccess");
      for (const v of (c.inputs.volumes ?? []) as Volume[]) {
        if (underTier(host, v.hostPath)) {
          const root = Object.values(host.storage).find((r) =>
            v.hostPath.startsWith(`${r}/`),
          ) as string;
          const cls = v.hostPath.slice(root.length + 1).split("/")[0] as StorageClass;
          expect(labels[LABELS.classes]?.split(",")).toContain(cls);
          if (stack === "prod") expect(root).toBe(PROD_ROOTS[host.name][cls]);
        } else {
          // Outside the tiers only with a declared reason (socket proxy, exporters).
          expect(declared).toBe(true);
          expect(labels[LABELS.exceptions]).toContain(v.hostPath);
        }
      }
    }
  });

  it("creates every mounted directory on its host before the container", async () => {
    const ev = await runCached(stack);
    const commands = ev.resources.filter((r) => r.type.startsWith("command:"));
    for (const c of containers(ev)) {
      const labels = labelsOf(c);
      const host = spec.hosts.find((h) => h.name === labels[LABELS.host]) as HostSpec;
      for (const v of ((c.inputs.volumes ?? []) as Volume[]).filter((x) =>
        underTier(host, x.hostPath),
      )) {
        // The shared data tree is created by every app that mounts it; the container waits for its own.
        const creators = commands.filter(
          (cmd) =>
            c.dependencies.includes(cmd.urn) &&
            String(cmd.inputs.create).includes(`'${v.hostPath}'`),
        );
        expect(creators.length).toBeGreaterThan(0);
        // The owner's, unless the catalog gives the directory to the image's own user.
        const [uid, gid] = (imageOwnedBy(v) ?? `${spec.owner.uid}:${spec.owner.gid}`).split(":");
        for (const creator of creators) {
          expect(String(creator.inputs.create)).toMatch(
            new RegExp(`install -d -m \\d{4} -o ${uid} -g ${gid} '${v.hostPath}'`),
          );
        }
      }
    }
  });

  it("uses its own host's provider and networks", async () => {
    const ev = await runCached(stack);
    for (const c of containers(ev)) {
      const host = labelsOf(c)[LABELS.host];
      expect(c.provider).toContain(`::${host}-docker::`);
    }
  });
});

describe("networks", () => {
  it.each(goodStacks())(
    "%s: every host has proxy, internal and socket-proxy networks",
    async (stack) => {
      const spec = parseSpec(stackConfig(stack));
      const ev = await runCached(stack);
      const nets = ev.resources.filter((r) => r.type === "docker:index/network:Network");
      for (const host of spec.hosts) {
        const mine = nets.filter((n) => n.provider.includes(`::${host.name}-docker::`));
        const byName = Object.fromEntries(
          mine.map((n) => [String(n.inputs.name), n.inputs.internal]),
        );
        expect(byName).toEqual({ proxy: false, internal: true, "socket-proxy": true });
      }
    },
  );
});

describe("policy pack rules hold over every resource", () => {
  it.each(goodStacks())("%s", async (stack) => {
    const ev = await runCached(stack);
    const views = ev.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
    // Generated secret values under mocks are deterministic `mock-…` strings: none may leak into labels or plain env.
    const knownSecretValues = mockSecretValues(ev);
    expect(checkResources(views, { knownSecretValues })).toEqual([]);
  });
});

function mockSecretValues(ev: Awaited<ReturnType<typeof runCached>>): string[] {
  const values = (ev.outputs.generatedSecrets ?? {}) as Record<string, string>;
  return [...Object.values(values), "<secret "];
}

describe("nothing is lost", () => {
  it.each(goodStacks())(
    "%s: generated secrets are protected, host preparation never deletes",
    async (stack) => {
      const ev = await runCached(stack);
      const generated = ev.resources.filter(
        (r) => r.type === "random:index/randomPassword:RandomPassword",
      );
      expect(generated.length).toBeGreaterThan(0);
      for (const r of generated) expect(r.protect).toBe(true);
      for (const r of ev.resources.filter((x) => x.name.endsWith("-mkdir"))) {
        expect(r.retainOnDelete).toBe(true);
        expect(r.inputs.delete).toBeUndefined();
        expect(String(r.inputs.create)).not.toMatch(/\brm\b/);
      }
    },
  );
});

describe("every host is watched", () => {
  it.each(goodStacks())("%s: node-exporter and cAdvisor run on every host", async (stack) => {
    const spec = parseSpec(stackConfig(stack));
    const ev = await runCached(stack);
    for (const host of spec.hosts) {
      const apps = containers(ev)
        .filter((c) => labelsOf(c)[LABELS.host] === host.name)
        .map((c) => labelsOf(c)[LABELS.app]);
      expect(apps).toEqual(
        expect.arrayContaining(["node-exporter", "cadvisor", "alloy", "backup"]),
      );
    }
  });
});
