import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { MARIADB_IMAGE, POSTGRES_IMAGE } from "../catalog/data";
import type { AppDefinition } from "../catalog/types";
import type { AppSpec, HomelabSpec } from "../config/spec";
import type { Host } from "../hosts/host";
import {
  APP_PASSWORD_ENV,
  READY_FILE,
  connectionFor,
  databaseEnv,
  databaseSecretKeys,
  mariadbInitScript,
  postgresInitScript,
  type DbConnection,
} from "../plan/dataServices";
import { withAlias } from "../hosts/renamed";
import { App } from "./app";
import {
  ProfileStack,
  type DatabaseHandle,
  type ProfileArgs,
  type SharedDatabases,
} from "./profileStack";

/** The init container of one consumer: the server's image and client, nothing else. */
export function dbInitDefinition(consumer: string, conn: DbConnection): AppDefinition {
  const postgres = conn.engine === "postgres";
  return {
    name: `${consumer}-db-init`,
    profile: "data",
    description: `Creates ${consumer}'s database and role in the shared ${conn.engine} (idempotent)`,
    image: postgres ? POSTGRES_IMAGE : MARIADB_IMAGE,
    user: "owner",
    command: ["sh", "-c", postgres ? postgresInitScript(conn) : mariadbInitScript(conn)],
    env: postgres ? { PGHOST: conn.host, PGPORT: String(conn.port), PGUSER: "postgres" } : {},
    health: {
      test: ["CMD", "test", "-f", READY_FILE],
      intervalSeconds: 30,
      startPeriodSeconds: 60,
    },
    networks: ["internal"],
    tmpfs: { "/tmp": 1 },
    memoryMb: 64,
  };
}

/** Env var of the init container that holds the server's admin password. */
const ADMIN_PASSWORD_ENV = { postgres: "PGPASSWORD", mariadb: "MYSQL_PWD" } as const;

/**
 * The `data` profile: shared PostgreSQL and MariaDB per host, Redis, InfluxDB, Meilisearch,
 * and for every app of the stack that keeps its data in a shared database, its own role,
 * database and password (see plan/dataServices for why an init container per consumer).
 * The Homelab creates it before the other profiles, which reach it as `SharedDatabases`.
 */
export class DataStack extends ProfileStack implements SharedDatabases {
  private readonly databases: ReadonlyMap<string, DatabaseHandle>;

  constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    // Renamed from `homelab:data:DataServices` (one name per profile); the alias keeps its resources.
    super(
      "homelab:data:DataStack",
      name,
      args,
      { apps: {} },
      withAlias(opts, "homelab:data:DataServices"),
    );
    const { spec, hosts } = args;
    const databases = new Map<string, DatabaseHandle>();
    for (const app of spec.apps) {
      const conn = connectionFor(app.name);
      if (!conn) continue;
      const server = this.apps[`${conn.engine}-${app.host}`];
      // The resolve stage (plan/dataServices dataServiceIssues) reports this as config first.
      if (!server)
        throw new Error(`${app.name} needs the shared ${conn.engine} on host ${app.host}`);
      databases.set(app.name, this.consumer(spec, hosts, app, conn, server));
    }
    this.databases = databases;
    this.registerOutputs({});
  }

  /** The role's password and the init container that applies it. */
  private consumer(
    spec: HomelabSpec,
    hosts: Readonly<Record<string, Host>>,
    app: AppSpec,
    conn: DbConnection,
    server: App,
  ): DatabaseHandle {
    // Protected like every generated secret: a new one would lock the app out of its data
    // until the init re-applies it.
    const password = new random.RandomPassword(
      `${app.name}-db-password`,
      { length: 32, special: false },
      { parent: this, protect: true },
    ).result;
    const def = dbInitDefinition(app.name, conn);
    const initSpec: AppSpec = {
      name: def.name,
      host: app.host,
      subdomain: def.name,
      memoryMb: def.memoryMb,
      env: {},
      auth: "two_factor",
    };
    const adminPassword = server.secrets.password;
    const init = new App(
      def.name,
      {
        spec,
        app: initSpec,
        definition: def,
        host: hosts[app.host],
        env: [
          pulumi.secret(pulumi.interpolate`${ADMIN_PASSWORD_ENV[conn.engine]}=${adminPassword}`),
          pulumi.secret(pulumi.interpolate`${APP_PASSWORD_ENV}=${password}`),
        ],
        secretEnvKeys: [ADMIN_PASSWORD_ENV[conn.engine], APP_PASSWORD_ENV],
        dependsOn: [server.container],
        // Created only once healthy (database and role exist), so the app starts after it.
        waitHealthy: true,
      },
      { parent: this },
    );
    return {
      env: pulumi.secret(password.apply((p) => databaseEnv(app.name, p))),
      secretEnvKeys: databaseSecretKeys(app.name),
      dependsOn: [init.container],
    };
  }

  /** Connection env and init of a consumer app; undefined for apps without a shared database. */
  database(app: string): DatabaseHandle | undefined {
    return this.databases.get(app);
  }

  /** A single-instance data service (`meilisearch`, `redis`, `influxdb`) when it runs on `host`. */
  service(name: string, host: string): App | undefined {
    const app = this.apps[name];
    return app && app.plan.labels["homelab.host"] === host ? app : undefined;
  }
}
