/**
 * The engine lab: the dev stack and a one-host domain stack with every profile that fits are
 * applied to a real Docker engine exactly as `@pulumi/docker` sends them (stand-in images),
 * after their host preparation ran for real; then every container is checked from inside.
 */
import { rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Evaluation, RegisteredResource } from "../../scripts/evaluate";
import { containers, labelsOf, run } from "../helpers/harness";
import { applyStack, buildImages, removeStack, type AppliedStack } from "./engine/apply";
import type { DockerApi } from "./engine/dockerApi";
import { LAB_IMAGES, labEngine, labStack, runtimeUser, type LabStack } from "./engineLab";

interface Inspect {
  Id: string;
  Name: string;
  RestartCount: number;
  State: { Running: boolean; Status: string; ExitCode: number; Restarting: boolean };
  HostConfig: {
    NetworkMode: string;
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[]> | null;
  };
  NetworkSettings: { Networks: Record<string, { IPAddress: string; Gateway: string }> };
  Mounts: { Type: string; Source: string; Destination: string; RW: boolean }[];
}

const SETTLE_MS = 6000;
/** What the host's listener answers (not a word any error message contains). */
const LISTENER_REPLY = "homelab-lab-listener-7f3a";

interface Case {
  stack: string;
  /** Every socket the stack publishes on the host, `ip:port/proto`, written out by hand. */
  published: string[];
}

const CASES: Case[] = [
  {
    stack: "dev",
    published: [
      // Localhost mode: the proxy listens on loopback only. The lab moves the host to 127.0.0.2.
      "127.0.0.1:443/tcp",
      "127.0.0.1:80/tcp",
      // One host: Prometheus scrapes its exporters and Alloy pushes to it by container name.
    ],
  },
  {
    stack: "good/lab-one-host.yaml",
    published: [
      "0.0.0.0:1883/tcp",
      "0.0.0.0:2222/tcp",
      "0.0.0.0:443/tcp",
      "0.0.0.0:51820/udp",
      "0.0.0.0:53/tcp",
      "0.0.0.0:53/udp",
      "0.0.0.0:80/tcp",
      "127.0.0.2:3003/tcp",
    ],
  },
];

let api: DockerApi;
beforeAll(async () => {
  api = await labEngine();
});

describe.each(CASES)("$stack on a real engine", ({ stack, published }) => {
  let lab: LabStack;
  let ev: Evaluation;
  let applied: AppliedStack;
  const inspected = new Map<string, Inspect>();
  let hostServer: Server;
  let hostPort = 0;

  beforeAll(async () => {
    lab = labStack(stack);
    ev = await run(lab.config);
    if (ev.error) throw ev.error;
    await buildImages(api, ev, LAB_IMAGES);
    applied = await applyStack(api, ev);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    for (const c of applied.containers)
      inspected.set(c.resource.name, await api.json<Inspect>("GET", `/containers/${c.id}/json`));
    hostServer = createServer((_, res) => res.end(`${LISTENER_REPLY}\n`));
    await new Promise<void>((r) => hostServer.listen(0, "0.0.0.0", r));
    hostPort = (hostServer.address() as AddressInfo).port;
  });

  afterAll(async () => {
    hostServer?.close();
    if (applied) await removeStack(api, applied);
    if (lab) rmSync(lab.root, { recursive: true, force: true });
  });

  const each =
    (f: (c: RegisteredResource, info: Inspect, id: string) => void | Promise<void>) => async () => {
      const failures: string[] = [];
      for (const a of applied.containers) {
        try {
          await f(a.resource, inspected.get(a.resource.name) as Inspect, a.id);
        } catch (e) {
          failures.push(`${a.resource.name}: ${(e as Error).message}`);
        }
      }
      expect(failures).toEqual([]);
    };

  test("every declared container is created and started, and still runs without restarting", async () => {
    expect(applied.containers.length).toBe(containers(ev).length);
    expect(applied.containers.length).toBeGreaterThan(5);
    await each(async (_c, _info, id) => {
      const now = await api.json<Inspect>("GET", `/containers/${id}/json`);
      if (!now.State.Running || now.RestartCount > 0) {
        throw new Error(
          `${now.State.Status} (exit ${now.State.ExitCode}, restarts ${now.RestartCount}): ${await api.logs(id)}`,
        );
      }
    })();
  });

  test("host preparation created every bind source with its owner, before Docker could", async () => {
    expect(applied.commands.length).toBeGreaterThan(0);
    // A source Docker had to create itself would be root's. Besides the homelab owner, a
    // directory may belong to the non-root user the image runs as (its contract), or to the
    // owner preparation gave it explicitly (the backup job's root-only hooks directory).
    const owner = `${lab.owner.uid}:${lab.owner.gid}`;
    const prepared = new Map<string, string>();
    for (const cmd of applied.commands) {
      for (const m of String(cmd.inputs.create).matchAll(
        /install -d -m \S+ -o (\d+) -g (\d+) '([^']+)'/g,
      ))
        prepared.set(m[3], `${m[1]}:${m[2]}`);
    }
    await each((c, info) => {
      const allowed = new Set([owner, runtimeUser(c, lab.owner)]);
      allowed.delete("0:0");
      for (const m of info.Mounts.filter(
        (x) => x.Type === "bind" && x.Source.startsWith(lab.root),
      )) {
        const st = statSync(m.Source);
        const is = `${st.uid}:${st.gid}`;
        if (!allowed.has(is) && prepared.get(m.Source) !== is)
          throw new Error(`${m.Source} is ${is}`);
      }
    })();
  });

  test("published sockets are exactly the declared ones, and the stack publishes nothing else", async () => {
    await each((c, info) => {
      const declared = (
        (c.inputs.ports ?? []) as {
          internal: number;
          external: number;
          ip?: string;
          protocol?: string;
        }[]
      )
        .map((p) => `${p.ip ?? "0.0.0.0"}:${p.external}->${p.internal}/${p.protocol ?? "tcp"}`)
        .sort();
      const actual = Object.entries(info.HostConfig.PortBindings ?? {})
        .flatMap(([k, bs]) => bs.map((b) => `${b.HostIp || "0.0.0.0"}:${b.HostPort}->${k}`))
        .sort();
      expect(actual).toEqual(declared);
    })();
    const all = [...inspected.values()]
      .flatMap((i) =>
        Object.entries(i.HostConfig.PortBindings ?? {}).flatMap(([k, bs]) =>
          bs.map((b) => `${b.HostIp || "0.0.0.0"}:${b.HostPort}/${k.split("/")[1]}`),
        ),
      )
      .sort();
    expect(all).toEqual([...published].sort());
  });

  test("every read-write bind is writable by the user the app runs as, with its capabilities", async () => {
    await each(async (c, info, id) => {
      const user = runtimeUser(c, lab.owner);
      const declared = typeof c.inputs.user === "string" ? c.inputs.user : "";
      for (const m of info.Mounts.filter((x) => x.Type === "bind" && x.RW)) {
        const probe = `${m.Destination}/.homelab-lab-probe`;
        const r = await api.exec(
          id,
          ["/bin/sh", "-c", `: > '${probe}' && rm -f '${probe}'`],
          user === declared ? undefined : user,
        );
        if (r.exitCode !== 0)
          throw new Error(`${m.Destination} not writable as ${user}: ${r.output.trim()}`);
      }
    })();
  });

  test("every uploaded file is readable (and executable where it is a script) by the user that uses it", async () => {
    await each(async (c, _info, id) => {
      const user = runtimeUser(c, lab.owner);
      const declared = typeof c.inputs.user === "string" ? c.inputs.user : "";
      for (const u of (c.inputs.uploads ?? []) as {
        file: string;
        executable?: boolean;
        permissions?: string;
      }[]) {
        const script =
          u.executable === true ||
          (u.permissions !== undefined && (parseInt(u.permissions, 8) & 0o111) !== 0);
        const check = script ? `test -r '${u.file}' && test -x '${u.file}'` : `test -r '${u.file}'`;
        const r = await api.exec(
          id,
          ["/bin/sh", "-c", check],
          user === declared ? undefined : user,
        );
        if (r.exitCode !== 0)
          throw new Error(`${u.file} not ${script ? "executable" : "readable"} by ${user}`);
      }
    })();
  });

  test("a container only on `internal` reaches neither the host nor another network", async () => {
    const only = (roles: string[]) =>
      applied.containers.filter((a) => {
        const nets = Object.keys(
          inspected.get(a.resource.name)?.NetworkSettings.Networks ?? {},
        ).sort();
        return nets.join(",") === roles.join(",");
      });
    const internal = only(["internal"]);
    const declaredInternal = applied.containers.filter((a) => {
      const nets = (a.resource.inputs.networksAdvanced ?? []) as { name: string }[];
      return nets.length === 1 && nets[0].name === "internal";
    });
    expect(internal.map((a) => a.id)).toEqual(declaredInternal.map((a) => a.id));
    // The dev stack runs no database: nothing is on `internal` alone there.
    if (stack === "dev") return expect(internal).toEqual([]);
    expect(internal.length).toBeGreaterThan(0);
    const outside = only(["proxy"])[0];
    expect(outside).toBeDefined();
    const gateway =
      inspected.get(outside.resource.name)?.NetworkSettings.Networks.proxy.Gateway ?? "";
    // busybox nc, not wget: Debian's static wget crashes resolving without NSS libraries.
    const fetchCmd = (target: string) => [
      "/bin/sh",
      "-c",
      `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${target.replace(":", " ")} 2>&1`,
    ];
    // Positive control: a container on `proxy` reaches the host's listener through its gateway.
    const control = await api.exec(outside.id, fetchCmd(`${gateway}:${hostPort}`));
    expect(control.output).toContain(LISTENER_REPLY);
    const leaks: string[] = [];
    // Each attempt waits out its timeout: all at once.
    await Promise.all(
      internal.map(async (a) => {
        const r = await api.exec(a.id, fetchCmd(`${gateway}:${hostPort}`));
        if (r.output.includes(LISTENER_REPLY)) leaks.push(`${a.resource.name} reached the host`);
      }),
    );
    expect(leaks).toEqual([]);
    // Yet containers on `internal` reach each other by name: the apps' databases live there.
    const [server, client] = internal;
    await api.exec(server.id, ["/bin/sh", "-c", `(echo ${LISTENER_REPLY} | nc -l -p 9000 &)`]);
    const name = String(server.resource.inputs.name);
    const peer = await api.exec(client.id, ["/bin/sh", "-c", `nc -w 3 ${name} 9000 </dev/null`]);
    expect(peer.output).toContain(LISTENER_REPLY);
  });

  test("containers that share another's namespace (the VPN's, KaraKeep's) have no network of their own", () => {
    const sharing = applied.containers.filter((a) =>
      String(a.resource.inputs.networkMode ?? "").startsWith("container:"),
    );
    if (stack === "dev") {
      expect(sharing).toEqual([]);
      return;
    }
    // Tenant → the app whose namespace it joins, written out by hand.
    const owners: Record<string, string> = {
      qbittorrent: "gluetun",
      "karakeep-chrome": "karakeep",
    };
    const appOf = (a: (typeof sharing)[number]) => labelsOf(a.resource)["homelab.app"];
    expect(sharing.map(appOf).sort()).toEqual(Object.keys(owners).sort());
    for (const tenant of sharing) {
      const owner = applied.containers.find((a) => appOf(a) === owners[appOf(tenant)]);
      const info = inspected.get(tenant.resource.name) as Inspect;
      expect(info.HostConfig.NetworkMode).toBe(`container:${owner?.id}`);
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual([]);
    }
  });
});
