import { pythonHealth, secret } from "./shared";
import type { AppDefinition } from "./types";

/** Development and machine learning: notebooks on the GPU host and experiment tracking. */

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
];
