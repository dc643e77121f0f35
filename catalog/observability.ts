/**
 * The observability profile (DESIGN §7): Prometheus, Alertmanager, Loki and Grafana on the
 * observability host (the edge by default; pin `prometheus` to move them all), node-exporter,
 * cAdvisor and Alloy on every host, Uptime Kuma with AutoKuma for a check of every routed URL
 * (catalog/uptime.ts). Generated configuration is uploaded by components/observabilityStack.ts;
 * nothing here depends on the other apps.
 */
import type { AppDefinition } from "./types";
import { autokuma, uptimeKuma } from "./uptime";

/** Prometheus' HTTP port; published on its host's LAN address for the other hosts' Alloy. */
export const PROMETHEUS_PORT = 9090;
export const PROMETHEUS_DATA_DIR = "/prometheus";
/** node-exporter's port, published on the LAN address of every host but Prometheus'. */
export const NODE_EXPORTER_PORT = 9100;
/** cAdvisor's port, published on the LAN address of every host but Prometheus'. */
export const CADVISOR_PORT = 8081;
export const ALERTMANAGER_CONFIG_PATH = "/etc/alertmanager/alertmanager.yml";
export const ALLOY_CONFIG_PATH = "/etc/alloy/config.alloy";
export const LOKI_PORT = 3100;
export const LOKI_CONFIG_PATH = "/etc/loki/config.yml";
/** Mount point of Loki's data directory in the container. */
export const LOKI_DATA_DIR = "/loki";

/** Where node-exporter reads `*.prom` files inside its container. */
export const TEXTFILE_TARGET = "/textfile";
export const ALLOY_HTTP_PORT = 12345;
const ALLOY_DATA_DIR = "/var/lib/alloy/data";

/** `wget --spider` against a local URL (busybox and Alpine images). */
function wget(url: string): { test: string[] } {
  return { test: ["CMD", "wget", "-q", "--spider", url] };
}

export const nodeExporter: AppDefinition = {
  name: "node-exporter",
  profile: "observability",
  description: "Host metrics: CPU, memory, filesystems of every tier, textfile metrics of jobs",
  image: { repository: "prom/node-exporter", tag: "v1.12.1" },
  contract: { user: "65534:65534", source: ["prometheus/node_exporter Dockerfile@v1.12.1"] },
  perHost: true,
  user: "owner",
  command: [
    "--path.rootfs=/host",
    `--collector.textfile.directory=${TEXTFILE_TARGET}`,
    `--web.listen-address=:${NODE_EXPORTER_PORT}`,
  ],
  health: wget(`http://127.0.0.1:${NODE_EXPORTER_PORT}/metrics`),
  // Jobs on the host (backups) write `*.prom` files here; node-exporter only reads them.
  volumes: [{ class: "metrics", target: TEXTFILE_TARGET, sub: "textfile", readOnly: true }],
  networks: ["proxy"],
  lanPorts: [
    {
      port: NODE_EXPORTER_PORT,
      reason: "Prometheus on another host scrapes this host's exporter over the LAN",
      remoteOnly: true,
    },
  ],
  exceptions: {
    hostAccess: [
      {
        hostPath: "/",
        target: "/host",
        readOnly: true,
        reason: "filesystem usage of every storage tier is read from the host's mount table",
      },
    ],
  },
  memoryMb: 64,
};

/** The host's read-only Docker API (the socket proxy on the `socket` network). */
const SOCKET_PROXY_ENDPOINT = "tcp://socket-proxy:2375";
/** containerd's socket as Docker's packages run it (dockerd --containerd=...). */
export const CONTAINERD_SOCKET = "/run/containerd/containerd.sock";

/**
 * cAdvisor on a host whose Docker keeps images in containerd's store: from v0.54.0 it loads
 * each container from containerd (namespace moby) and sees none without its socket
 * (google/cadvisor lib/container/containerd/factory.go@v0.60.5). That socket controls
 * containerd as fully as Docker's controls Docker, read-only or not, so only the owner's
 * `homelab:hosts.<name>.containerdImageStore: true` adds it.
 */
export function withContainerdSocket(def: AppDefinition): AppDefinition {
  const ex = def.exceptions ?? {};
  return {
    ...def,
    command: [...(def.command ?? []), `--containerd=${CONTAINERD_SOCKET}`],
    exceptions: {
      ...ex,
      hostAccess: [
        ...(ex.hostAccess ?? []),
        {
          hostPath: CONTAINERD_SOCKET,
          target: CONTAINERD_SOCKET,
          readOnly: true,
          reason:
            "the host's Docker uses the containerd image store (homelab:hosts.<name>.containerdImageStore), where cAdvisor sees no container without containerd's socket; the socket controls containerd as fully as Docker's socket controls Docker",
        },
      ],
    },
  };
}

const cadvisor: AppDefinition = {
  name: "cadvisor",
  managedEnv: { prefixes: [""], reason: "runs with host access; nothing to configure" },
  profile: "observability",
  description: "Per-container CPU, memory, restarts and OOM kills",
  // From v0.54.0 cAdvisor finds containers under Docker's containerd image store (Docker 29's
  // default; before, it saw none there). Releases since v0.53.0 are published on ghcr.io only.
  image: { repository: "ghcr.io/google/cadvisor", tag: "v0.60.5" },
  contract: {
    user: "0:0",
    source: [
      "google/cadvisor deploy/Dockerfile, deploy/entrypoint.sh and deploy/healthcheck.sh@v0.60.5",
      "google/cadvisor .github/workflows/publish-container.yml and README.md@v0.60.5",
      "google/cadvisor container/docker/factory.go and handler.go@v0.60.5",
      "google/cadvisor lib/container/containerd/factory.go@v0.60.5 (--containerd)",
    ],
  },
  perHost: true,
  // The image's entrypoint runs `cadvisor -logtostderr "$@"` with these.
  command: [
    `--port=${CADVISOR_PORT}`,
    "--docker_only=true",
    "--housekeeping_interval=30s",
    "--store_container_labels=false",
    // Container names and images through the read-only socket proxy: the engine's socket
    // is never reachable from this container.
    `--docker=${SOCKET_PROXY_ENDPOINT}`,
  ],
  health: wget(`http://127.0.0.1:${CADVISOR_PORT}/healthz`),
  // proxy: its LAN port is published; socket: the read-only Docker API.
  networks: ["proxy", "socket"],
  lanPorts: [
    {
      port: CADVISOR_PORT,
      reason: "Prometheus on another host scrapes this host's cAdvisor over the LAN",
      remoteOnly: true,
    },
  ],
  exceptions: {
    hostAccess: [
      {
        hostPath: "/sys",
        target: "/sys",
        readOnly: true,
        reason: "cgroup statistics of every container",
      },
      {
        hostPath: "/var/lib/docker",
        target: "/var/lib/docker",
        readOnly: true,
        reason:
          "layer and log sizes of each container (read-only; no socket lives there). Why root: this directory is 0710 root and /dev/kmsg needs CAP_SYSLOG, which Docker grants to root processes only",
      },
    ],
    devices: [
      { hostPath: "/dev/kmsg", reason: "kernel log: OOM kills for the ContainerOomKilled alert" },
    ],
    capAdd: {
      caps: ["SYSLOG"],
      reason: "reading /dev/kmsg on hosts with kernel.dmesg_restrict=1",
    },
  },
  tmpfs: { "/tmp": 16 },
  memoryMb: 256,
};

const alloy: AppDefinition = {
  name: "alloy",
  profile: "observability",
  description:
    "Ships every container's logs to Loki; away from Prometheus, scrapes app metrics and remote-writes them",
  image: { repository: "grafana/alloy", tag: "v1.18.1" },
  contract: { user: "0:0", source: ["grafana/alloy Dockerfile@v1.18.1"] },
  perHost: true,
  user: "owner",
  command: [
    "run",
    `--server.http.listen-addr=0.0.0.0:${ALLOY_HTTP_PORT}`,
    `--storage.path=${ALLOY_DATA_DIR}`,
    ALLOY_CONFIG_PATH,
  ],
  // Ubuntu image without wget or curl: bash's /dev/tcp asks the readiness endpoint.
  health: {
    test: [
      "CMD",
      "bash",
      "-c",
      `exec 3<>/dev/tcp/127.0.0.1/${ALLOY_HTTP_PORT} && printf 'GET /-/ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '`,
    ],
  },
  // Read positions survive restarts, so logs are neither lost nor shipped twice.
  volumes: [{ class: "logs", target: ALLOY_DATA_DIR }],
  metrics: { port: ALLOY_HTTP_PORT, path: "/metrics" },
  // `socket`: containers are discovered and tailed through the host's socket proxy. On hosts
  // other than Prometheus' it scrapes the labelled apps by name, so it joins both app
  // networks like Prometheus does; no socket proxy or metrics port is published on the LAN.
  networks: ["internal", "proxy", "socket"],
  tmpfs: { "/tmp": 16 },
  memoryMb: 256,
};

/** Apps of the observability profile. */
export const observabilityApps: readonly AppDefinition[] = [
  {
    name: "prometheus",
    profile: "observability",
    description: "Metrics and alert rules; discovers scrape targets by container labels",
    image: { repository: "prom/prometheus", tag: "v3.14.0" },
    contract: { user: "65534:65534", source: ["prometheus/prometheus Dockerfile@v3.14.0"] },
    placement: "edge",
    user: "owner",
    // The flags depend on the stack (retention): the ObservabilityStack passes prometheusArgs.
    health: wget(`http://127.0.0.1:${PROMETHEUS_PORT}/-/healthy`),
    volumes: [{ class: "metrics", target: PROMETHEUS_DATA_DIR }],
    metrics: { port: PROMETHEUS_PORT, path: "/metrics" },
    // Scrapes apps on both app networks by name; docker_sd through the local socket proxy.
    networks: ["internal", "proxy", "socket"],
    // Not published on a single host: its own Alloy reaches it by name.
    lanPorts: [
      {
        port: PROMETHEUS_PORT,
        reason: "Alloy on the other hosts remote-writes their apps' metrics over the LAN",
        forOtherHosts: true,
      },
    ],
    memoryMb: 1024,
  },
  {
    name: "alertmanager",
    profile: "observability",
    description: "Routes alerts to the configured receiver (email, ntfy, Discord, webhook)",
    image: { repository: "prom/alertmanager", tag: "v0.34.0" },
    contract: { user: "65534:65534", source: ["prometheus/alertmanager Dockerfile@v0.34.0"] },
    placement: "edge",
    colocateWith: "prometheus",
    user: "owner",
    egress: true,
    command: [`--config.file=${ALERTMANAGER_CONFIG_PATH}`, "--storage.path=/alertmanager"],
    health: wget("http://127.0.0.1:9093/-/healthy"),
    volumes: [{ class: "metrics", target: "/alertmanager" }],
    metrics: { port: 9093, path: "/metrics" },
    memoryMb: 128,
  },
  {
    name: "loki",
    profile: "observability",
    description: "Log store with retention, fed by Alloy on every host",
    image: { repository: "grafana/loki", tag: "3.5.12" },
    contract: { user: "10001:10001", source: ["grafana/loki cmd/loki/Dockerfile@v3.5.12"] },
    placement: "edge",
    colocateWith: "prometheus",
    user: "owner",
    command: [`-config.file=${LOKI_CONFIG_PATH}`],
    health: wget(`http://127.0.0.1:${LOKI_PORT}/ready`),
    volumes: [{ class: "logs", target: LOKI_DATA_DIR }],
    metrics: { port: LOKI_PORT, path: "/metrics" },
    networks: ["proxy"],
    lanPorts: [
      {
        port: LOKI_PORT,
        reason: "Alloy on the other hosts pushes logs over the LAN",
        forOtherHosts: true,
      },
    ],
    tmpfs: { "/tmp": 64 },
    memoryMb: 512,
  },
  {
    name: "grafana",
    managedEnv: {
      prefixes: ["GF_SERVER_", "GF_SECURITY_", "GF_AUTH_"],
      reason: "the URL, admin account and login are managed (homelab:domain, a generated secret)",
    },
    profile: "observability",
    description: "Dashboards for hosts, containers and the homelab, provisioned from files",
    image: { repository: "grafana/grafana", tag: "12.1.1" },
    contract: {
      user: "472:0",
      source: ["grafana/grafana packaging/docker/run.sh and Dockerfile (ARG GF_UID=472, GF_GID=0)"],
      firstRun: {
        admin: "seeded",
        secret: "admin_password",
        user: "admin",
        how: "GF_SECURITY_ADMIN_PASSWORD__FILE: the admin created on the first start",
        signUps: { env: "GF_USERS_ALLOW_SIGN_UP", closed: "false" },
        remaining: "",
        source: [
          "grafana/grafana packaging/docker/run.sh@v12.1.1 (__FILE env vars)",
          "grafana/grafana conf/defaults.ini@v12.1.1 ([security] admin_user/admin_password, [users] allow_sign_up)",
        ],
      },
    },
    placement: "edge",
    colocateWith: "prometheus",
    user: "owner",
    route: {
      ownLogin: true,
      port: 3000,
      auth: "two_factor",
      dashboard: { group: "Infrastructure", icon: "grafana.png", description: "Dashboards" },
    },
    health: wget("http://127.0.0.1:3000/api/health"),
    volumes: [{ class: "config", target: "/var/lib/grafana" }],
    metrics: { port: 3000, path: "/metrics" },
    env: {
      // Grafana builds its links and its sign-in callback from this (default http://localhost:3000/).
      GF_SERVER_ROOT_URL: "{{url}}/",
      GF_SECURITY_ADMIN_USER: "admin",
      GF_ANALYTICS_REPORTING_ENABLED: "false",
      GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
      GF_USERS_ALLOW_SIGN_UP: "false",
    },
    secrets: [
      {
        name: "admin_password",
        length: 32,
        alphanumeric: true,
        fileEnv: "GF_SECURITY_ADMIN_PASSWORD__FILE",
        exported: true,
      },
    ],
    tmpfs: { "/tmp": 64 },
    memoryMb: 512,
  },
  uptimeKuma,
  autokuma,
  nodeExporter,
  cadvisor,
  alloy,
];
