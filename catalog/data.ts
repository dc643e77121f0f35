import {
  REDIS_COMMAND,
  REDIS_HEALTH,
  REDIS_IMAGE,
  REDIS_PASSWORD_ENV,
  curlHealth,
  secret,
} from "./shared";
import type { AppDefinition, DbEngine } from "./types";

/**
 * Shared data services: PostgreSQL and MariaDB run once per host (`perHost`) so that every
 * consumer reaches its database on its own host's `internal` network, and only on hosts that
 * run a consumer (plan/dataServices.ts withoutIdleDatabases); Redis, InfluxDB and
 * Meilisearch are single general-purpose instances. All are `internalOnly` (internal network,
 * database tier, never routed).
 */

export const POSTGRES_IMAGE = { repository: "postgres", tag: "17.11" } as const;
export const MARIADB_IMAGE = { repository: "mariadb", tag: "11.4.12" } as const;

export const DB_PORTS: Readonly<Record<DbEngine, number>> = { postgres: 5432, mariadb: 3306 };

/** Database and role name of a consumer: identifiers without quoting trouble. */
export function databaseName(app: string): string {
  return app.replace(/-/g, "_");
}

/** Running as the owner needs a writable /tmp for the entrypoint's nss_wrapper passwd file. */
const POSTGRES_TMPFS = { "/var/run/postgresql": 8, "/tmp": 16 } as const;

export const dataApps: readonly AppDefinition[] = [
  {
    name: "postgres",
    profile: "data",
    description: "PostgreSQL shared by the apps of its host: one database and one role per app",
    image: POSTGRES_IMAGE,
    contract: {
      user: "0:0",
      dropsTo: "999:999",
      source: [
        "docker-library/postgres 17/trixie/Dockerfile and docker-entrypoint.sh@6edb0a8c (17.9; 17.11 is library/postgres@37079fb3 from 2603e26e)",
      ],
    },
    perHost: true,
    internalOnly: true,
    // The image supports an arbitrary uid when it owns the data directory, which the host
    // preparation guarantees: no root entrypoint, no capabilities.
    user: "owner",
    health: {
      test: ["CMD-SHELL", "pg_isready -U postgres -h 127.0.0.1 -q"],
      startPeriodSeconds: 60,
    },
    volumes: [{ class: "database", target: "/var/lib/postgresql/data" }],
    tmpfs: POSTGRES_TMPFS,
    secrets: [secret("password", "POSTGRES_PASSWORD", 32, true)],
    dump: { kind: "postgres", user: "postgres", passwordSecret: "password" },
    memoryMb: 512,
  },
  {
    name: "mariadb",
    profile: "data",
    description: "MariaDB shared by the apps of its host that need MySQL (BookStack, WordPress)",
    image: MARIADB_IMAGE,
    contract: {
      user: "0:0",
      dropsTo: "999:999",
      source: [
        "MariaDB/mariadb-docker 11.4/Dockerfile and docker-entrypoint.sh@1b6429b (library/mariadb 11.4.12)",
      ],
    },
    perHost: true,
    internalOnly: true,
    user: "owner",
    env: { MARIADB_AUTO_UPGRADE: "1" },
    health: {
      test: ["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"],
      startPeriodSeconds: 60,
    },
    volumes: [{ class: "database", target: "/var/lib/mysql" }],
    tmpfs: { "/run/mysqld": 8, "/tmp": 64 },
    secrets: [secret("password", "MARIADB_ROOT_PASSWORD", 32, true)],
    dump: { kind: "mariadb", user: "root", passwordSecret: "password" },
    memoryMb: 512,
  },
  {
    name: "redis",
    profile: "data",
    description: "General-purpose Redis for the owner's own tools (apps get their own cache)",
    image: REDIS_IMAGE,
    contract: {
      user: "0:0",
      dropsTo: "999:1000",
      source: [
        "docker-library/redis 7.4/alpine/Dockerfile and docker-entrypoint.sh (library/redis@5a530d6105, 7.4.5)",
        "docker-library/official-images library/redis@37079fb336 (7.4.11-alpine from redis/docker-library-redis@74654c61)",
      ],
    },
    internalOnly: true,
    user: "owner",
    command: REDIS_COMMAND,
    health: REDIS_HEALTH,
    volumes: [{ class: "database", target: "/data" }],
    secrets: [secret("password", REDIS_PASSWORD_ENV, 32, true)],
    dump: { kind: "redis", passwordSecret: "password" },
    memoryMb: 256,
  },
  {
    name: "influxdb",
    profile: "data",
    description: "InfluxDB 2 time-series store (Home Assistant history, sensors)",
    image: { repository: "influxdb", tag: "2.7.12" },
    contract: {
      user: "0:0",
      dropsTo: "1000:1000",
      source: [
        "influxdata/influxdata-docker influxdb/2.7/Dockerfile and entrypoint.sh@d457cb9 (library/influxdb 2.7.12)",
      ],
    },
    internalOnly: true,
    user: "owner",
    // First start only: creates the admin, the org and a bucket with these credentials.
    env: {
      DOCKER_INFLUXDB_INIT_MODE: "setup",
      DOCKER_INFLUXDB_INIT_USERNAME: "admin",
      DOCKER_INFLUXDB_INIT_ORG: "homelab",
      DOCKER_INFLUXDB_INIT_BUCKET: "homelab",
    },
    secrets: [
      secret("password", "DOCKER_INFLUXDB_INIT_PASSWORD", 32, true),
      secret("adminToken", "DOCKER_INFLUXDB_INIT_ADMIN_TOKEN", 48, true),
    ],
    health: { test: ["CMD", "influx", "ping"], startPeriodSeconds: 60 },
    volumes: [
      { class: "database", target: "/var/lib/influxdb2" },
      { class: "config", target: "/etc/influxdb2" },
    ],
    metrics: { port: 8086, path: "/metrics" },
    exceptions: {
      writableRoot: "the entrypoint writes its first-start setup marker and CLI config below $HOME",
    },
    memoryMb: 768,
  },
  {
    name: "meilisearch",
    profile: "data",
    description: "Meilisearch full-text search (KaraKeep's search index)",
    image: { repository: "getmeili/meilisearch", tag: "v1.14.0" },
    contract: { user: "0:0", source: ["meilisearch/meilisearch Dockerfile@v1.14.0"] },
    internalOnly: true,
    user: "owner",
    env: {
      MEILI_ENV: "production",
      MEILI_NO_ANALYTICS: "true",
      MEILI_DB_PATH: "/meili_data/data.ms",
    },
    secrets: [secret("masterKey", "MEILI_MASTER_KEY", 32, true)],
    health: curlHealth("http://127.0.0.1:7700/health"),
    volumes: [{ class: "database", target: "/meili_data" }],
    tmpfs: { "/tmp": 64 },
    memoryMb: 512,
  },
];
