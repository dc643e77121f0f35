import { LABELS } from "../plan/labels";
import {
  CONTAINER,
  DNS_RECORD,
  POLICY_LABELS,
  REMOTE_IMAGE,
  checkResources,
  declaredReason,
  imageTag,
  isSecretReference,
  parseExceptions,
  rules,
  type ResourceView,
  type RuleContext,
} from "./rules";

type Props = Record<string, unknown>;

function labelList(labels: Record<string, string>): { label: string; value: string }[] {
  return Object.keys(labels)
    .sort()
    .map((label) => ({ label, value: labels[label] }));
}

/** A hardened linuxserver-style app container as the App component would declare it. */
function app(name: string, props: Props = {}, labels: Record<string, string> = {}): ResourceView {
  return {
    type: CONTAINER,
    name,
    props: {
      name,
      image: "sha256:6d1f0c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817065f4e",
      restart: "unless-stopped",
      memory: 512,
      readOnly: true,
      capabilities: { drops: ["ALL"], adds: ["CHOWN", "SETUID", "SETGID"] },
      securityOpts: ["no-new-privileges:true"],
      healthcheck: {
        tests: ["CMD", "curl", "-fsS", "http://localhost:8989/ping"],
        interval: "30s",
        timeout: "5s",
        retries: 3,
      },
      envs: [
        "TZ=Europe/Berlin",
        "PUID=1000",
        "PGID=1000",
        "SONARR__AUTH__APIKEY_FILE=/run/secrets/apikey",
      ],
      volumes: [
        { hostPath: "/mnt/ssd/config/sonarr", containerPath: "/config" },
        { hostPath: "/mnt/hdd/data", containerPath: "/data" },
      ],
      tmpfs: { "/tmp": "size=64m" },
      networksAdvanced: [{ name: "atlas-proxy", aliases: [name] }],
      logDriver: "json-file",
      logOpts: { "max-size": "10m", "max-file": "3" },
      labels: labelList({
        "homelab.app": name,
        "homelab.host": "atlas",
        "homelab.profile": "media",
        ...labels,
      }),
      ...props,
    },
  };
}

const exceptions = (e: Record<string, unknown>) => ({
  [POLICY_LABELS.exceptions]: JSON.stringify(e),
});

const postgres = (props: Props = {}) =>
  app(
    "immich-postgres",
    {
      networksAdvanced: [{ name: "atlas-internal" }],
      envs: ["POSTGRES_PASSWORD_FILE=/run/secrets/db-password", "POSTGRES_USER=immich"],
      ...props,
    },
    { [POLICY_LABELS.database]: "true" },
  );

const traefik = (host = "atlas", props: Props = {}) =>
  app(
    `traefik-${host}`,
    {
      ports: [
        { internal: 80, external: 80, protocol: "tcp" },
        { internal: 443, external: 443, protocol: "tcp" },
      ],
      ...props,
    },
    { [POLICY_LABELS.edge]: "true", [POLICY_LABELS.host]: host },
  );

const dns = (comment: string, proxied: boolean): ResourceView => ({
  type: DNS_RECORD,
  name: "jellyfin-dns",
  props: {
    zoneId: "0123abcd",
    name: "jellyfin.example.org",
    type: "A",
    content: "203.0.113.7",
    ttl: 1,
    proxied,
    comment,
  },
});

const image = (name: string): ResourceView => ({
  type: REMOTE_IMAGE,
  name: "sonarr-image",
  props: { name, keepLocally: true },
});

interface Case {
  rule: string;
  pass: ResourceView;
  fail: ResourceView;
  /** The exact violations of `fail`. */
  expected: string[];
  all?: (subject: ResourceView) => ResourceView[];
  ctx?: RuleContext;
}

const cases: Case[] = [
  {
    rule: "exception-label-valid",
    pass: app("cadvisor", {}, exceptions({ hostPid: "reads every container's cgroup" })),
    fail: app("cadvisor", {}, exceptions({ hostPID: "typo", privileged: "" })),
    expected: [
      '[exception-label-valid] cadvisor: unknown exception kind "hostPID" (known: privileged, hostNetwork, hostPid, capAdd, hostAccess, devices, writableRoot, dockerSocket, noHealthcheck)',
      '[exception-label-valid] cadvisor: exception "privileged" has no reason',
    ],
  },
  {
    rule: "no-privileged",
    pass: app(
      "cadvisor",
      { privileged: true },
      exceptions({ privileged: "needs /dev/kmsg and cgroup access" }),
    ),
    fail: app("cadvisor", { privileged: true }),
    expected: [
      '[no-privileged] cadvisor: runs privileged without a declared "privileged" exception',
    ],
  },
  {
    rule: "drop-all-capabilities",
    pass: app("sonarr"),
    fail: app("sonarr", { capabilities: { adds: ["CHOWN"], drops: ["NET_RAW"] } }),
    expected: [
      '[drop-all-capabilities] sonarr: does not drop ALL capabilities (capabilities.drops: ["ALL"])',
    ],
  },
  {
    rule: "no-extra-capabilities",
    pass: app(
      "gluetun",
      { capabilities: { drops: ["ALL"], adds: ["NET_ADMIN", "CHOWN"] } },
      exceptions({
        capAdd: { caps: ["NET_ADMIN"], reason: "manages the WireGuard interface and firewall" },
      }),
    ),
    fail: app("gluetun", {
      capabilities: { drops: ["ALL"], adds: ["CAP_NET_ADMIN", "SYS_MODULE"] },
    }),
    expected: [
      '[no-extra-capabilities] gluetun: adds NET_ADMIN, SYS_MODULE without a declared "capAdd" exception',
    ],
  },
  {
    rule: "no-extra-capabilities",
    pass: app(
      "gluetun",
      { capabilities: { drops: ["ALL"], adds: ["NET_ADMIN"] } },
      exceptions({ capAdd: "VPN" }),
    ),
    fail: app(
      "gluetun",
      { capabilities: { drops: ["ALL"], adds: ["NET_ADMIN", "SYS_ADMIN"] } },
      exceptions({ capAdd: { caps: ["NET_ADMIN"], reason: "VPN" } }),
    ),
    expected: [
      '[no-extra-capabilities] gluetun: adds SYS_ADMIN, not listed in its "capAdd" exception',
    ],
  },
  {
    rule: "no-new-privileges",
    pass: app("sonarr", { securityOpts: ["no-new-privileges"] }),
    fail: app("sonarr", { securityOpts: ["no-new-privileges:false"] }),
    expected: ['[no-new-privileges] sonarr: lacks securityOpts "no-new-privileges:true"'],
  },
  {
    rule: "keep-security-profiles",
    pass: app("sonarr", { securityOpts: ["no-new-privileges:true", "apparmor=docker-default"] }),
    fail: app("sonarr", { securityOpts: ["no-new-privileges:true", "seccomp=unconfined"] }),
    expected: [
      '[keep-security-profiles] sonarr: disables a security profile ("seccomp=unconfined") without a declared "privileged" exception',
    ],
  },
  {
    rule: "memory-limit",
    pass: app("sonarr", { memory: 1024 }),
    fail: app("sonarr", { memory: 0 }),
    expected: ["[memory-limit] sonarr: has no memory limit (memory, in MB)"],
  },
  {
    rule: "healthcheck",
    pass: app(
      "docker-socket-proxy",
      { healthcheck: undefined },
      exceptions({ noHealthcheck: "scratch image without a shell" }),
    ),
    fail: app("sonarr", { healthcheck: { tests: ["NONE"] } }),
    expected: [
      '[healthcheck] sonarr: has no health check and no declared "noHealthcheck" exception',
    ],
  },
  {
    rule: "no-docker-socket",
    pass: app(
      "docker-socket-proxy",
      {
        volumes: [
          {
            hostPath: "/var/run/docker.sock",
            containerPath: "/var/run/docker.sock",
            readOnly: true,
          },
        ],
      },
      exceptions({ dockerSocket: "the socket proxy exposes a read-only API subset" }),
    ),
    fail: app("homepage", {
      mounts: [
        {
          type: "bind",
          source: "/run//docker.sock",
          target: "/var/run/docker.sock",
          readOnly: true,
        },
      ],
    }),
    expected: [
      '[no-docker-socket] homepage: mounts the Docker socket /run/docker.sock without a declared "dockerSocket" exception',
    ],
  },
  {
    // A parent directory reaches the socket as well as the socket itself (cAdvisor used to
    // mount / and /var/run read-only: a read-only mount still lets a client connect).
    rule: "no-docker-socket",
    pass: app("cadvisor", {
      volumes: [{ hostPath: "/var/lib/docker", containerPath: "/var/lib/docker", readOnly: true }],
    }),
    fail: app("cadvisor", {
      volumes: [
        { hostPath: "/", containerPath: "/rootfs", readOnly: true },
        { hostPath: "/var/run", containerPath: "/var/run", readOnly: true },
      ],
    }),
    expected: [
      '[no-docker-socket] cadvisor: mounts /, which holds the Docker socket, without a declared "dockerSocket" exception',
      '[no-docker-socket] cadvisor: mounts /var/run, which holds the Docker socket, without a declared "dockerSocket" exception',
    ],
  },
  {
    rule: "no-sensitive-host-paths",
    pass: app(
      "node-exporter",
      {
        volumes: [
          { hostPath: "/proc", containerPath: "/host/proc", readOnly: true },
          { hostPath: "/sys", containerPath: "/host/sys", readOnly: true },
          { hostPath: "/etc/localtime", containerPath: "/etc/localtime", readOnly: true },
        ],
      },
      exceptions({
        hostAccess: [
          { hostPath: "/proc", target: "/host/proc", readOnly: true, reason: "host metrics" },
          { hostPath: "/sys", target: "/host/sys", readOnly: true, reason: "host metrics" },
        ],
      }),
    ),
    fail: app("node-exporter", {
      volumes: [{ hostPath: "/", containerPath: "/rootfs", readOnly: true }],
    }),
    expected: [
      '[no-sensitive-host-paths] node-exporter: mounts sensitive host path / without a declared "hostAccess" exception',
    ],
  },
  {
    rule: "no-sensitive-host-paths",
    pass: app("sonarr"),
    fail: app(
      "node-exporter",
      { volumes: [{ hostPath: "/etc/", containerPath: "/host/etc", readOnly: true }] },
      exceptions({ hostAccess: [{ hostPath: "/proc", reason: "host metrics" }] }),
    ),
    expected: [
      '[no-sensitive-host-paths] node-exporter: mounts /etc, not listed in its "hostAccess" exception',
    ],
  },
  {
    rule: "no-host-devices",
    pass: app(
      "jellyfin",
      { devices: [{ hostPath: "/dev/dri", containerPath: "/dev/dri" }] },
      exceptions({ devices: [{ hostPath: "/dev/dri", reason: "VAAPI transcoding" }] }),
    ),
    fail: app("jellyfin", { devices: [{ hostPath: "/dev/dri", containerPath: "/dev/dri" }] }),
    expected: [
      '[no-host-devices] jellyfin: passes host device /dev/dri without a declared "devices" exception',
    ],
  },
  {
    rule: "no-host-namespaces",
    pass: app(
      "node-exporter",
      { networkMode: "host", pidMode: "host", networksAdvanced: undefined },
      exceptions({ hostNetwork: "reports host interfaces", hostPid: "sees host processes" }),
    ),
    fail: app("node-exporter", { networkMode: "host", pidMode: "host", ipcMode: "host" }),
    expected: [
      '[no-host-namespaces] node-exporter: uses the host network without a declared "hostNetwork" exception',
      '[no-host-namespaces] node-exporter: shares the host PID namespace without a declared "hostPid" exception',
      "[no-host-namespaces] node-exporter: shares the host IPC namespace",
    ],
  },
  {
    rule: "read-only-root",
    pass: app(
      "nextcloud",
      { readOnly: false },
      exceptions({ writableRoot: "apps install into /var/www/html" }),
    ),
    fail: app("sonarr", { readOnly: undefined }),
    expected: [
      '[read-only-root] sonarr: has a writable root filesystem without a declared "writableRoot" exception',
    ],
  },
  {
    rule: "restart-policy",
    pass: app("restic-backup", { restart: "on-failure", maxRetryCount: 3 }),
    fail: app("sonarr", { restart: "always" }),
    expected: [
      '[restart-policy] sonarr: restart policy "always" is neither "unless-stopped" nor bounded "on-failure"',
    ],
  },
  {
    rule: "restart-policy",
    pass: app("sonarr", { restart: "unless-stopped" }),
    fail: app("restic-backup", { restart: "on-failure", maxRetryCount: 0 }),
    expected: [
      '[restart-policy] restic-backup: restart "on-failure" needs maxRetryCount between 1 and 5',
    ],
  },
  {
    rule: "database-off-proxy-network",
    pass: postgres(),
    fail: postgres({
      networksAdvanced: [{ name: "atlas-internal" }, { name: "atlas-proxy" }],
      ports: [{ internal: 5432, external: 5432 }],
    }),
    expected: [
      '[database-off-proxy-network] immich-postgres: is a database attached to proxy network "atlas-proxy"',
      "[database-off-proxy-network] immich-postgres: is a database publishing ports on the host",
    ],
  },
  {
    rule: "web-ports-on-edge-only",
    pass: traefik(),
    fail: app("nginx", { ports: [{ internal: 8443, external: 443, protocol: "tcp" }] }),
    expected: [
      "[web-ports-on-edge-only] nginx: publishes 443/tcp but is not on the edge (homelab.edge=true)",
    ],
  },
  {
    rule: "web-ports-on-edge-only",
    pass: app("pihole", { ports: [{ internal: 53, external: 53, protocol: "udp" }] }),
    fail: traefik("atlas"),
    all: (subject) => [subject, traefik("borealis"), app("sonarr")],
    expected: [
      "[web-ports-on-edge-only] traefik-atlas: edge containers span several hosts: atlas, borealis",
    ],
  },
  {
    rule: "streaming-dns-not-proxied",
    pass: dns("jellyfin [streaming] managed by homelab", false),
    fail: dns("jellyfin [streaming] managed by homelab", true),
    expected: [
      "[streaming-dns-not-proxied] jellyfin-dns: is a media streaming record proxied by Cloudflare (proxied must be false)",
    ],
  },
  {
    rule: "no-plain-secrets",
    pass: app(
      "immich-server",
      {
        envs: [
          "DB_PASSWORD=g3n3r4t3d-by-random",
          "JWT_SECRET_FILE=/run/secrets/jwt",
          "REDIS_HOSTNAME=immich-redis",
        ],
      },
      {
        [POLICY_LABELS.secretEnv]: "DB_PASSWORD",
        "homepage.widget.key": "{{HOMEPAGE_VAR_IMMICH_KEY}}",
      },
    ),
    fail: app(
      "immich-server",
      { envs: ["DB_PASSWORD=hunter2hunter2", "UPLOAD_LOCATION=/data"] },
      { "homepage.widget.key": "0123456789abcdef" },
    ),
    expected: [
      "[no-plain-secrets] immich-server: label homepage.widget.key holds a secret-looking value",
      "[no-plain-secrets] immich-server: env DB_PASSWORD holds a literal secret; pass a *_FILE path or declare the key in homelab.secretEnv and feed it from a Pulumi secret",
    ],
  },
  {
    rule: "no-plain-secrets",
    ctx: { knownSecretValues: ["Zq8s2LmV0pXe4rTn"] },
    pass: {
      ...app("vaultwarden", { envs: ["ADMIN_TOKEN=Zq8s2LmV0pXe4rTn"] }),
      secretEnvKeys: ["ADMIN_TOKEN"],
    },
    fail: app(
      "vaultwarden",
      {
        envs: ["DATABASE_URL=postgres://vw:Zq8s2LmV0pXe4rTn@vw-db/vw"],
        command: ["--admin", "Zq8s2LmV0pXe4rTn"],
      },
      { "homelab.note": "pw Zq8s2LmV0pXe4rTn" },
    ),
    expected: [
      "[no-plain-secrets] vaultwarden: label homelab.note contains a secret value",
      "[no-plain-secrets] vaultwarden: env DATABASE_URL contains a secret value but is not declared in homelab.secretEnv",
      "[no-plain-secrets] vaultwarden: command contains a secret value (visible in docker inspect and ps)",
    ],
  },
  {
    rule: "pinned-image",
    pass: image("lscr.io/linuxserver/sonarr:4.0.14"),
    fail: image("lscr.io/linuxserver/sonarr:latest"),
    expected: [
      "[pinned-image] sonarr-image: image lscr.io/linuxserver/sonarr:latest is tagged latest",
    ],
  },
  {
    rule: "pinned-image",
    pass: image("registry.local:5000/tools/restic@sha256:0123456789abcdef"),
    fail: image("registry.local:5000/tools/restic"),
    expected: [
      "[pinned-image] sonarr-image: image registry.local:5000/tools/restic has no tag (implicitly latest)",
    ],
  },
];

const ruleByName = new Map(rules.map((r) => [r.name, r]));

describe("policy rules", () => {
  it("has a passing and a failing case for every rule", () => {
    expect([...new Set(cases.map((c) => c.rule))].sort()).toEqual(rules.map((r) => r.name).sort());
  });

  it("names rules uniquely, in kebab-case, with a description", () => {
    expect(ruleByName.size).toBe(rules.length);
    for (const r of rules) {
      expect(r.name).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(r.description.length).toBeGreaterThan(10);
      expect(r.types.length).toBeGreaterThan(0);
    }
  });

  describe.each(cases.map((c, i) => [`${c.rule} #${i}`, c] as const))("%s", (_title, c) => {
    const rule = ruleByName.get(c.rule);
    if (rule === undefined) throw new Error(`no rule ${c.rule}`);

    it("accepts the compliant resource", () => {
      const all = c.all?.(c.pass) ?? [c.pass];
      expect(rule.check(c.pass, all, c.ctx)).toEqual([]);
    });

    it("reports the violation, naming the rule", () => {
      const all = c.all?.(c.fail) ?? [c.fail];
      const found = rule.check(c.fail, all, c.ctx);
      expect(found).toEqual(c.expected);
      for (const message of found)
        expect(message.startsWith(`[${c.rule}] ${c.fail.name}: `)).toBe(true);
    });
  });

  it("accepts a whole compliant stack under every rule", () => {
    const stack = [
      app("sonarr"),
      postgres(),
      traefik(),
      app("pihole", { ports: [{ internal: 53, external: 53, protocol: "udp" }] }),
      dns("jellyfin [streaming]", false),
      dns("sonarr", true),
      image("lscr.io/linuxserver/sonarr:4.0.14"),
    ];
    expect(checkResources(stack)).toEqual([]);
  });

  it("reports through checkResources with rule, type and name", () => {
    const found = checkResources([app("sonarr", { memory: undefined, restart: "no" })]);
    expect(found).toEqual([
      {
        rule: "memory-limit",
        type: CONTAINER,
        name: "sonarr",
        message: "[memory-limit] sonarr: has no memory limit (memory, in MB)",
      },
      {
        rule: "restart-policy",
        type: CONTAINER,
        name: "sonarr",
        message:
          '[restart-policy] sonarr: restart policy "no" is neither "unless-stopped" nor bounded "on-failure"',
      },
    ]);
  });

  it("ignores resources of other types", () => {
    const network: ResourceView = {
      type: "docker:index/network:Network",
      name: "atlas-proxy",
      props: {},
    };
    expect(checkResources([network])).toEqual([]);
    expect(rules.flatMap((r) => r.check(dns("x", true)))).toEqual([]);
  });
});

describe("rule helpers", () => {
  it("parses the exceptions label", () => {
    expect(parseExceptions(undefined)).toEqual({ declared: new Map(), errors: [] });
    expect(parseExceptions("{not json").errors).toEqual([
      "label homelab.exceptions is not valid JSON",
    ]);
    expect(parseExceptions("[]").errors).toEqual([
      "label homelab.exceptions must be a JSON object",
    ]);
    expect([...parseExceptions('{"writableRoot":"s6 init"}').declared.keys()]).toEqual([
      "writableRoot",
    ]);
  });

  it("reads reasons from strings, objects and lists", () => {
    expect(declaredReason("why")).toBe("why");
    expect(declaredReason({ caps: ["NET_ADMIN"], reason: "vpn" })).toBe("vpn");
    expect(declaredReason([{ reason: "a" }, { reason: "b" }])).toBe("a; b");
    expect(declaredReason([{ reason: "a" }, {}])).toBeUndefined();
    expect(declaredReason(" ")).toBeUndefined();
    expect(declaredReason([])).toBeUndefined();
  });

  it("tells secret references from literals", () => {
    expect(isSecretReference("/run/secrets/db")).toBe(true);
    expect(isSecretReference("{{HOMEPAGE_VAR_KEY}}")).toBe(true);
    expect(isSecretReference("${DB_PASSWORD}")).toBe(true);
    expect(isSecretReference("hunter2")).toBe(false);
  });

  it("finds image tags", () => {
    expect(imageTag("postgres:16.4-alpine")).toBe("16.4-alpine");
    expect(imageTag("registry.local:5000/postgres")).toBeUndefined();
    expect(imageTag("ghcr.io/a/b@sha256:abc")).toBe("@digest");
  });
});

describe("policy labels", () => {
  it("match plan/labels.ts wherever both name a label", () => {
    const plan: Readonly<Record<string, string>> = LABELS;
    for (const [key, value] of Object.entries(POLICY_LABELS)) {
      if (key in plan) expect([key, plan[key]]).toEqual([key, value]);
    }
    // Label values the policy reads must not be claimed by plan/labels.ts for another meaning.
    for (const [key, value] of Object.entries(plan)) {
      const policyKey = Object.entries(POLICY_LABELS).find(([, v]) => v === value)?.[0];
      if (policyKey !== undefined) expect(policyKey).toBe(key);
    }
  });
});
