import { pythonHealth, secret } from "./shared";
import type { AppDefinition } from "./types";

/**
 * Development and machine learning: notebooks on the GPU host, experiment tracking, and a
 * ROS 2 bridge for robotics code.
 */

/** rosbridge's WebSocket port (the `port` default of its rosbridge_websocket_launch.xml). */
export const ROSBRIDGE_PORT = 9090;

export const devApps: readonly AppDefinition[] = [
  {
    name: "jupyter",
    profile: "dev",
    description: "JupyterLab with PyTorch; the host's GPU when it has one",
    image: { repository: "quay.io/jupyter/pytorch-notebook", tag: "cuda12-2026-08-03" },
    contract: {
      user: "1000:100",
      source: ["jupyter/docker-stacks images/docker-stacks-foundation/Dockerfile@45abbce0"],
      // No accounts: the server's token is the login.
      firstRun: {
        admin: "seeded",
        secret: "token",
        how: "JUPYTER_TOKEN",
        remaining: "",
        source: [
          "jupyter/docker-stacks docs/using/common.md@45abbce0 (token authentication by default)",
        ],
      },
    },
    placement: "gpu",
    gpu: "compute",
    // The image's user is uid 1000 (jovyan); the owner's uid owns the work directory.
    user: "owner",
    // Notebooks run arbitrary code: SSO with a second factor, then Jupyter's own token.
    route: {
      port: 8888,
      auth: "two_factor",
      dashboard: { group: "Development", icon: "jupyter.png", description: "Notebooks" },
    },
    health: { test: ["CMD", "/etc/jupyter/docker_healthcheck.py"], startPeriodSeconds: 60 },
    volumes: [{ class: "config", target: "/home/jovyan/work" }],
    secrets: [secret("token", "JUPYTER_TOKEN", 48, true)],
    exceptions: {
      writableRoot: "pip/conda installs and kernel state live below $HOME and /opt/conda",
    },
    memoryMb: 8192,
    sleepsWhenIdle: true,
  },
  {
    name: "mlflow",
    displayName: "MLflow",
    profile: "dev",
    description: "MLflow experiment tracking and model registry",
    image: { repository: "ghcr.io/mlflow/mlflow", tag: "v2.22.0" },
    contract: {
      user: "0:0",
      source: ["mlflow/mlflow docker/Dockerfile@e52d70d6"],
      firstRun: {
        admin: "none",
        remaining: "",
        source: [
          "mlflow/mlflow docker/Dockerfile@e52d70d6 (plain `mlflow server`: a login only with --app-name basic-auth)",
        ],
      },
    },
    user: "owner",
    // The image has no PostgreSQL driver: runs and the registry live in SQLite on the
    // config tier, artifacts next to it, both served by the tracking server.
    command: [
      "mlflow",
      "server",
      "--host",
      "0.0.0.0",
      "--port",
      "5000",
      "--backend-store-uri",
      "sqlite:////mlflow/mlflow.db",
      "--artifacts-destination",
      "/mlflow/artifacts",
      "--serve-artifacts",
    ],
    // No login of its own.
    route: {
      port: 5000,
      auth: "two_factor",
      dashboard: {
        group: "Development",
        icon: "mlflow.png",
        description: "Experiments and models",
      },
    },
    health: pythonHealth("http://127.0.0.1:5000/health"),
    volumes: [{ class: "config", target: "/mlflow" }],
    dump: { kind: "sqlite", database: "/mlflow/mlflow.db" },
    tmpfs: { "/tmp": 256 },
    memoryMb: 1024,
    sleepsWhenIdle: true,
  },
  {
    name: "ros",
    displayName: "ROS 2 rosbridge",
    profile: "dev",
    description:
      "ROS 2 Jazzy rosbridge: a WebSocket (ros:9090 on the internal network) to ROS topics and services",
    // No registry publishes rosbridge at a pinned version: the image is built on the host from
    // images/ros-rosbridge (a digest-pinned Ubuntu base, dated Ubuntu and ROS snapshots, exact
    // ROS versions), and tagged with the ROS snapshot it installs.
    image: {
      repository: "homelab/ros-rosbridge",
      tag: "jazzy-2026-06-18",
      build: { context: "images/ros-rosbridge" },
    },
    contract: {
      user: "10001:10001",
      writes: ["/tmp"],
      source: [
        "ros2-gbp/rosbridge_suite-release launch/rosbridge_websocket_launch.xml@release/jazzy/rosbridge_server/2.7.0-1 (port 9090, all addresses; starts rosbridge_websocket and rosapi_node; no authentication)",
        "ros2-gbp/rosbridge_suite-release scripts/rosbridge_websocket.py@release/jazzy/rosbridge_server/2.7.0-1 (tornado WebSocketHandler on /)",
        "ros2-gbp/rosbridge_suite-release package.xml@release/jazzy/rosbridge_server/2.7.0-1 (python3, rclpy, rosapi; no launch frontend)",
        "ros2-gbp/launch_ros-release package.xml@release/jazzy/ros2launch/0.26.12-1 (ros2 launch, launch_xml)",
        "ros/rosdistro jazzy/distribution.yaml@jazzy/2026-06-18 (rosbridge_suite 2.7.0-1, launch_ros 0.26.12-1)",
        "ros2/ros2_documentation source/Installation/Snapshot-Repository.rst@fccc610d (snapshot key 4B63 CF8F ... 25EA, sources)",
        "docker-library/repo-info repos/ubuntu/remote/noble-20260730.1.md@01470af9 (index digest)",
      ],
    },
    // No authentication at all: any client that reaches the port can publish to every topic
    // and call every service. Never routed, never published; only apps on the internal
    // network reach it.
    networks: ["internal"],
    // python3 is in the image (rclpy and rosbridge are Python); the WebSocket answers only an
    // upgrade, so the check opens the port instead of asking for a page.
    health: {
      test: [
        "CMD",
        "python3",
        "-c",
        `import socket; socket.create_connection(('127.0.0.1', ${ROSBRIDGE_PORT}), 4).close()`,
      ],
      startPeriodSeconds: 60,
    },
    // HOME, ROS_HOME and ROS_LOG_DIR are below /tmp (images/ros-rosbridge/Dockerfile).
    tmpfs: { "/tmp": 64 },
    memoryMb: 512,
    defaultEnabled: false,
  },
];
