/**
 * The lab's model of the Docker provider (kreuzwerker v4.5.0 as bridged by @pulumi/docker 5.x),
 * table-tested against values worked out by hand from the provider's source.
 */
import { containerCreate, goDuration, networkCreate } from "./providerMapping";
import { tar } from "./tar";

const resolve = {
  image: (id: string) => (id === "sha256:abc" ? "redis:7.4.5-alpine" : "?"),
  networkMode: (mode: string) =>
    mode === "container:gluetun-container-id" ? "container:f00d" : mode,
};

describe("goDuration (Go's time.ParseDuration)", () => {
  test.each([
    ["0s", 0],
    ["30s", 30e9],
    ["1m0s", 60e9],
    ["1h2m3s", 3723e9],
    ["1.5s", 1.5e9],
    ["250ms", 250e6],
  ])("%s is %d ns", (text, ns) => expect(goDuration(text)).toBe(ns));

  test.each(["", "30", "1x", "s"])("refuses %j", (text) =>
    expect(() => goDuration(text)).toThrow(),
  );
});

describe("containerCreate", () => {
  const inputs = {
    name: "redis",
    image: "sha256:abc",
    restart: "unless-stopped",
    memory: 256,
    cpus: "0.5",
    user: "1000:1000",
    readOnly: true,
    envs: ["TZ=Etc/UTC"],
    command: ["redis-server", "--appendonly", "yes"],
    securityOpts: ["no-new-privileges:true"],
    capabilities: { adds: ["CAP_SETGID"], drops: ["ALL"] },
    tmpfs: { "/tmp": "rw,nosuid,size=16m" },
    healthcheck: {
      tests: ["CMD", "redis-cli", "ping"],
      interval: "30s",
      timeout: "5s",
      startPeriod: "1m0s",
      retries: 3,
    },
    ports: [
      { internal: 6379, external: 6379, ip: "192.168.1.10", protocol: "tcp" },
      { internal: 53, external: 53, protocol: "udp" },
    ],
    volumes: [
      { hostPath: "/srv/ssd/database/redis", containerPath: "/data", readOnly: false },
      { hostPath: "/srv/ssd/config/redis", containerPath: "/etc/redis", readOnly: true },
    ],
    labels: [{ label: "homelab.app", value: "redis" }],
    logDriver: "json-file",
    logOpts: { "max-size": "10m" },
    networkMode: "bridge",
    networksAdvanced: [{ name: "internal", aliases: ["redis"] }],
    uploads: [
      { file: "/run/secrets/a", content: "x" },
      { file: "/hooks/run.sh", content: "#!/bin/sh", executable: true },
      { file: "/hooks/other.sh", content: "#!/bin/sh", executable: true, permissions: "0755" },
    ],
  };
  const c = containerCreate(inputs, resolve);
  const host = c.body.HostConfig as Record<string, unknown>;

  test("memory in MB becomes bytes, cpus nano CPUs", () => {
    expect(host.Memory).toBe(268435456);
    expect(host.NanoCpus).toBe(500000000);
  });

  test("health-check durations become nanoseconds", () => {
    expect(c.body.Healthcheck).toEqual({
      Test: ["CMD", "redis-cli", "ping"],
      Interval: 30e9,
      Timeout: 5e9,
      StartPeriod: 60e9,
      StartInterval: 0,
      Retries: 3,
    });
  });

  test("ports default to 0.0.0.0 and keep their protocol", () => {
    expect(host.PortBindings).toEqual({
      "6379/tcp": [{ HostIp: "192.168.1.10", HostPort: "6379" }],
      "53/udp": [{ HostIp: "0.0.0.0", HostPort: "53" }],
    });
    expect(c.body.ExposedPorts).toEqual({ "6379/tcp": {}, "53/udp": {} });
  });

  test("binds are host:container:rw|ro", () => {
    expect(host.Binds).toEqual([
      "/srv/ssd/database/redis:/data:rw",
      "/srv/ssd/config/redis:/etc/redis:ro",
    ]);
  });

  test("uploads: permissions first, then 0744 when executable, else 0644", () => {
    expect(c.uploads.map((u) => [u.file, u.mode.toString(8)])).toEqual([
      ["/run/secrets/a", "644"],
      ["/hooks/run.sh", "744"],
      ["/hooks/other.sh", "755"],
    ]);
  });

  test("networks are connected after create, with aliases; init is always sent", () => {
    expect(c.networks).toEqual([{ name: "internal", aliases: ["redis"] }]);
    expect(host.NetworkMode).toBe("bridge");
    expect(host.Init).toBe(false);
    expect(host.RestartPolicy).toEqual({ Name: "unless-stopped", MaximumRetryCount: 0 });
    expect(host.CapAdd).toEqual(["CAP_SETGID"]);
    expect(host.CapDrop).toEqual(["ALL"]);
    expect(c.body.Image).toBe("redis:7.4.5-alpine");
    expect(c.body.Labels).toEqual({ "homelab.app": "redis" });
  });

  test("container:<id> network modes resolve to the created container", () => {
    const shared = containerCreate(
      { name: "q", image: "sha256:abc", networkMode: "container:gluetun-container-id" },
      resolve,
    );
    expect((shared.body.HostConfig as Record<string, unknown>).NetworkMode).toBe("container:f00d");
  });

  test("extra hosts are host:ip, host-gateway passed through to the daemon", () => {
    const traefik = containerCreate(
      {
        name: "traefik",
        image: "sha256:abc",
        hosts: [{ host: "host.docker.internal", ip: "host-gateway" }],
      },
      resolve,
    );
    expect((traefik.body.HostConfig as Record<string, unknown>).ExtraHosts).toEqual([
      "host.docker.internal:host-gateway",
    ]);
  });

  test("an empty command word is refused, as the provider does", () => {
    expect(() =>
      containerCreate({ name: "x", image: "sha256:abc", command: ["a", ""] }, resolve),
    ).toThrow(/may not be empty/);
  });
});

test("networkCreate keeps internal networks internal", () => {
  expect(
    networkCreate({
      name: "internal",
      driver: "bridge",
      internal: true,
      options: { "com.docker.network.bridge.inhibit_ipv4": "true" },
      labels: [{ label: "homelab.network", value: "internal" }],
    }),
  ).toEqual({
    Name: "internal",
    Driver: "bridge",
    Internal: true,
    Options: { "com.docker.network.bridge.inhibit_ipv4": "true" },
    Labels: { "homelab.network": "internal" },
    CheckDuplicate: true,
  });
});

test("tar writes ustar headers with the mode, owner root and a valid checksum", () => {
  const t = tar([{ name: "/run/secrets/a", mode: 0o755, content: "hello" }]);
  expect(t.length).toBe(512 * 4);
  expect(t.subarray(0, 14).toString()).toBe("/run/secrets/a");
  expect(t.subarray(100, 107).toString()).toBe("0000755");
  expect(t.subarray(108, 115).toString()).toBe("0000000");
  expect(t.subarray(257, 262).toString()).toBe("ustar");
  const stored = parseInt(t.subarray(148, 154).toString(), 8);
  const header = Buffer.from(t.subarray(0, 512));
  header.write("        ", 148, 8, "ascii");
  expect(stored).toBe(header.reduce((a, b) => a + b, 0));
  expect(t.subarray(512, 517).toString()).toBe("hello");
});
