/**
 * ROS 2 rosbridge (opt-in, dev profile): an image built on its host from images/ros-rosbridge.
 * What the owner relies on: enabling it builds that directory on the host it runs on, with the
 * inputs the Dockerfile pins; an edit of the directory rebuilds it, a move of the checkout does
 * not; the bridge, which has no authentication, is reachable only on the internal network; and
 * a host where the provider cannot build is refused before anything is registered.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { parse as parseJson5 } from "json5";
import { join } from "node:path";
import { CATALOG } from "../../catalog";
import { ROSBRIDGE_PORT } from "../../catalog/dev";
import { ConfigError } from "../../config/errors";
import { NETWORKS } from "../../hosts/host";
import { contextDigest } from "../../plan/imageBuild";
import type { RegisteredResource } from "../../scripts/evaluate";
import {
  ROOT,
  container,
  containers,
  ofType,
  run,
  runCached,
  stackConfig,
  withConfig,
} from "../helpers/harness";
import { argDefaults, envOf, execForm, readInstructions } from "./dockerfile";

const EVERYTHING = "good/everything.yaml";
const CONTEXT = join(ROOT, "images", "ros-rosbridge");
const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

function ros() {
  const def = CATALOG.get("ros");
  if (!def) throw new Error("no ros in the catalog");
  return def;
}

function imageOf(resources: readonly RegisteredResource[]): RegisteredResource {
  const found = resources.find((r) => r.type === REMOTE_IMAGE && r.name === "ros-image");
  if (!found) throw new Error("no ros-image");
  return found;
}

describe("ros enabled", () => {
  it("builds images/ros-rosbridge on its host with the legacy builder, tagged with the ROS snapshot", async () => {
    const ev = await runCached(EVERYTHING);
    expect(ev.error).toBeUndefined();
    const image = imageOf(ev.resources);
    const build = image.inputs.build as Record<string, unknown>;
    expect(image.inputs.name).toBe("homelab/ros-rosbridge:jazzy-2026-06-18");
    expect(build.context).toBe(CONTEXT);
    expect(existsSync(join(String(build.context), "Dockerfile"))).toBe(true);
    // Without it, buildx's default builder would build against the local Docker context.
    expect(build.useLegacyBuilder).toBe(true);
    expect(image.inputs.keepLocally).toBe(true);
    // Built by the provider of the host the container runs on.
    expect(image.provider).toBe(container(ev, "ros").provider);
    expect(image.provider).toContain("gateway");
  });

  it("rebuilds when the context's content changes, not when the checkout moves", async () => {
    const ev = await runCached(EVERYTHING);
    const triggers = imageOf(ev.resources).inputs.triggers as Record<string, string>;
    expect(triggers.context).toMatch(/^sha256:[0-9a-f]{64}$/);
    const moved = mkdtempSync(join(tmpdir(), "ros-context-"));
    try {
      cpSync(CONTEXT, moved, { recursive: true });
      expect(contextDigest(moved)).toBe(triggers.context);
      const dockerfile = join(moved, "Dockerfile");
      writeFileSync(
        dockerfile,
        readFileSync(dockerfile, "utf8").replace(
          "ROS_SNAPSHOT=2026-06-18",
          "ROS_SNAPSHOT=2026-09-11",
        ),
      );
      expect(contextDigest(moved)).not.toBe(triggers.context);
      cpSync(join(CONTEXT, "Dockerfile"), dockerfile);
      writeFileSync(join(moved, "ros_entrypoint.sh"), '#!/bin/bash\nexec "$@"\n');
      expect(contextDigest(moved)).not.toBe(triggers.context);
    } finally {
      rmSync(moved, { recursive: true, force: true });
    }
  });

  it("is reachable on the internal network only: no route, no published port", async () => {
    const ev = await runCached(EVERYTHING);
    const c = container(ev, "ros");
    const nets = (c.inputs.networksAdvanced as { name: string; aliases: string[] }[]).map((n) =>
      n.name.split("-").pop(),
    );
    expect(nets).toEqual([NETWORKS.internal]);
    expect(c.inputs.ports).toBeUndefined();
    const labels = (c.inputs.labels as { label: string; value: string }[]).map((l) => l.label);
    expect(labels.filter((l) => l.startsWith("traefik.") || l.startsWith("homepage."))).toEqual([]);
    const caddy = ev.resources.filter((r) => String(r.inputs.create ?? "").includes("ros."));
    expect(caddy).toEqual([]);
  });

  it("runs as the image's user on a read-only root, its writable paths on a tmpfs", async () => {
    const ev = await runCached(EVERYTHING);
    const c = container(ev, "ros");
    const steps = readInstructions(CONTEXT);
    const user = steps.filter((i) => i.keyword === "USER").pop()?.args;
    expect(user).toBe(ros().contract?.user);
    expect(c.inputs.user).toBeUndefined();
    expect(c.inputs.readOnly).toBe(true);
    const tmpfs = Object.keys(c.inputs.tmpfs as Record<string, string>);
    const env = envOf(steps);
    for (const name of ["HOME", "ROS_HOME", "ROS_LOG_DIR"])
      expect([name, tmpfs.some((t) => env[name] === t || env[name].startsWith(`${t}/`))]).toEqual([
        name,
        true,
      ]);
  });

  it("checks health with a binary the image has, on the port the launch file opens", async () => {
    const ev = await runCached(EVERYTHING);
    const tests = (container(ev, "ros").inputs.healthcheck as { tests: string[] }).tests;
    expect(tests.slice(0, 2)).toEqual(["CMD", "python3"]);
    expect(tests.join(" ")).toContain(`'127.0.0.1', ${ROSBRIDGE_PORT}`);
    const steps = readInstructions(CONTEXT);
    expect(steps.find((i) => i.keyword === "EXPOSE")?.args).toBe(String(ROSBRIDGE_PORT));
    // rosbridge_server and rclpy are Python packages: installing them installs python3.
    expect(
      steps.some((i) => i.keyword === "RUN" && i.args.includes("ros-jazzy-rosbridge-server=")),
    ).toBe(true);
  });
});

describe("images/ros-rosbridge/Dockerfile", () => {
  const steps = readInstructions(CONTEXT);
  const args = argDefaults(steps);

  it("starts from a base named by its digest", () => {
    const from = steps.filter((i) => i.keyword === "FROM");
    expect(from).toHaveLength(1);
    expect(from[0].args).toMatch(/^ubuntu:noble-\d{8}(\.\d+)?@sha256:[0-9a-f]{64}$/);
  });

  it("installs from dated snapshots and exact versions only, each with a value", () => {
    expect(args.UBUNTU_SNAPSHOT).toMatch(/^\d{8}T\d{6}Z$/);
    expect(args.ROS_SNAPSHOT).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(args.ROSBRIDGE_VERSION).toMatch(/^\d+\.\d+\.\d+-\d+$/);
    expect(args.ROS2LAUNCH_VERSION).toMatch(/^\d+\.\d+\.\d+-\d+$/);
    const run = steps
      .filter((i) => i.keyword === "RUN")
      .map((i) => i.args)
      .join("\n");
    // Every apt source written is a snapshot; the base image's own sources are removed first.
    expect(run).toContain("rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*");
    const uris = [...run.matchAll(/URIs: (\S+?)"/g)].map((m) => m[1]);
    expect(uris).toEqual([
      "http://snapshot.ubuntu.com/ubuntu/${UBUNTU_SNAPSHOT}",
      "http://snapshots.ros.org/jazzy/${ROS_SNAPSHOT}/ubuntu",
    ]);
    expect(run).not.toMatch(/packages\.ros\.org|archive\.ubuntu\.com/);
  });

  it("is tagged with the ROS snapshot it installs", () => {
    expect(ros().image.tag).toBe(`jazzy-${args.ROS_SNAPSHOT}`);
  });

  it("launches the rosbridge WebSocket launch file through the ROS environment", () => {
    expect(execForm(steps, "ENTRYPOINT")).toEqual(["/ros_entrypoint.sh"]);
    expect(execForm(steps, "CMD")).toEqual([
      "ros2",
      "launch",
      "rosbridge_server",
      "rosbridge_websocket_launch.xml",
    ]);
    expect(envOf(steps).ROS_DISTRO).toBe("jazzy");
  });
});

describe("keeping the ROS image's pins current", () => {
  it("leaves them to the owner, together, as docs/pins.md says with their current values", () => {
    const config: unknown = parseJson5(readFileSync(join(ROOT, "renovate.json5"), "utf8"));
    const rules = (config as { packageRules: { matchFileNames?: string[]; enabled?: boolean }[] })
      .packageRules;
    expect(rules.filter((r) => r.matchFileNames?.includes("images/**"))).toEqual([
      { matchFileNames: ["images/**"], enabled: false },
    ]);
    const args = argDefaults(readInstructions(CONTEXT));
    const doc = readFileSync(join(ROOT, "docs", "pins.md"), "utf8");
    for (const name of [
      "UBUNTU_SNAPSHOT",
      "ROS_SNAPSHOT",
      "ROSBRIDGE_VERSION",
      "ROS2LAUNCH_VERSION",
    ])
      expect(doc).toContain(`\`${name}=${args[name]}\``);
  });
});

describe("ros off or refused", () => {
  it("is not deployed unless enabled", async () => {
    const ev = await runCached("dev");
    expect(containers(ev).map((c) => c.name)).not.toContain("ros-container");
    expect(ofType(ev, REMOTE_IMAGE).filter((r) => r.inputs.build !== undefined)).toEqual([]);
  });

  it("is refused on a host whose Docker keeps images in containerd's store, naming the key", async () => {
    const ev = await run(
      withConfig(stackConfig(EVERYTHING), (c) => {
        const hosts = c["homelab:hosts"] as Record<string, Record<string, unknown>>;
        hosts.gateway.containerdImageStore = true;
      }),
    );
    expect(ev.error).toBeInstanceOf(ConfigError);
    expect((ev.error as ConfigError).issues.map((i) => i.key)).toEqual([
      "homelab:hosts.gateway.containerdImageStore",
    ]);
    expect((ev.error as ConfigError).message).toContain("homelab:apps.ros.host");
    expect(ev.resources).toEqual([]);
  });

  it("is accepted on another host when the edge host uses containerd's store", async () => {
    const ev = await run(
      withConfig(stackConfig(EVERYTHING), (c) => {
        const hosts = c["homelab:hosts"] as Record<string, Record<string, unknown>>;
        hosts.gateway.containerdImageStore = true;
        const apps = c["homelab:apps"] as Record<string, Record<string, unknown>>;
        apps.ros = { enabled: true, host: "forge" };
      }),
    );
    expect(ev.error).toBeUndefined();
    expect(imageOf(ev.resources).inputs.name).toBe("homelab/ros-rosbridge:jazzy-2026-06-18");
  });
});
