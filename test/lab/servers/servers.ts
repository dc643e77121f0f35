/**
 * Real database servers from Debian's packages, started as local processes on loopback ports
 * for the database lab; and "name resolution" for the generated scripts, which call servers by
 * their container names: client wrappers that turn `-h <container>` into loopback and the port.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const PG_BIN = "/usr/lib/postgresql/15/bin";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, probe: () => boolean, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${seconds}s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

export interface Server {
  kind: "postgres" | "mariadb" | "redis";
  port: number;
  dir: string;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
}

/** PostgreSQL with the superuser `postgres` and a password (scram on TCP), as the image sets it up. */
export async function startPostgres(dir: string, password: string): Promise<Server> {
  mkdirSync(dir, { recursive: true });
  chownSync(dir, 101, 104);
  const pw = join(dir, "superuser.pw");
  writeFileSync(pw, `${password}\n`);
  chownSync(pw, 101, 104);
  const data = join(dir, "data");
  execFileSync(
    "runuser",
    [
      "-u",
      "postgres",
      "--",
      `${PG_BIN}/initdb`,
      "-D",
      data,
      "-U",
      "postgres",
      "--pwfile",
      pw,
      "-A",
      "scram-sha-256",
    ],
    { stdio: "pipe" },
  );
  const port = await freePort();
  const child = spawn(
    "runuser",
    [
      "-u",
      "postgres",
      "--",
      `${PG_BIN}/postgres`,
      "-D",
      data,
      "-p",
      String(port),
      "-k",
      dir,
      "-c",
      "listen_addresses=127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  await waitFor(
    "postgres",
    () =>
      spawnSync(`${PG_BIN}/pg_isready`, ["-q", "-h", "127.0.0.1", "-p", String(port)]).status === 0,
  );
  return { kind: "postgres", port, dir, stop: stopper(child) };
}

/** MariaDB whose root accepts the password from anywhere, as the image's entrypoint creates it. */
export async function startMariadb(dir: string, rootPassword: string): Promise<Server> {
  mkdirSync(dir, { recursive: true });
  const data = join(dir, "data");
  const socket = join(dir, "mysqld.sock");
  execFileSync(
    "mariadb-install-db",
    [
      "--no-defaults",
      `--datadir=${data}`,
      "--user=root",
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
    ],
    { stdio: "pipe" },
  );
  const port = await freePort();
  const child = spawn(
    "mariadbd",
    [
      "--no-defaults",
      `--datadir=${data}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      `--socket=${socket}`,
      "--user=root",
      `--pid-file=${join(dir, "pid")}`,
    ],
    { stdio: "ignore" },
  );
  await waitFor(
    "mariadb",
    () =>
      spawnSync("mariadb-admin", ["--no-defaults", `--socket=${socket}`, "-u", "root", "ping"])
        .status === 0,
  );
  const sql = `CREATE USER 'root'@'%' IDENTIFIED BY '${rootPassword}'; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION; ALTER USER 'root'@'localhost' IDENTIFIED BY '${rootPassword}'; FLUSH PRIVILEGES;`;
  execFileSync("mariadb", ["--no-defaults", `--socket=${socket}`, "-u", "root", "-e", sql], {
    stdio: "pipe",
  });
  return { kind: "mariadb", port, dir, stop: stopper(child) };
}

/** Redis as the catalog runs it: password, append-only file, data in its directory. */
export async function startRedis(
  dir: string,
  password: string | undefined,
  extra: string[] = [],
): Promise<Server> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    ...extra,
  ];
  if (password) args.push("--requirepass", password);
  const child = spawn("redis-server", args, { stdio: "ignore" });
  await waitFor("redis", () => {
    const r = spawnSync(
      "redis-cli",
      ["-p", String(port), "--no-auth-warning", ...(password ? ["-a", password] : []), "ping"],
      { encoding: "utf8" },
    );
    return r.stdout.trim() === "PONG";
  });
  return { kind: "redis", port, dir, stop: stopper(child) };
}

const CLIENTS: Record<
  string,
  { real: string; kind: Server["kind"]; portFlag: string; extra: string[] }
> = {
  psql: { real: `${PG_BIN}/psql`, kind: "postgres", portFlag: "-p", extra: [] },
  pg_isready: { real: `${PG_BIN}/pg_isready`, kind: "postgres", portFlag: "-p", extra: [] },
  pg_dumpall: { real: `${PG_BIN}/pg_dumpall`, kind: "postgres", portFlag: "-p", extra: [] },
  mariadb: { real: "/usr/bin/mariadb", kind: "mariadb", portFlag: "-P", extra: ["--protocol=tcp"] },
  "mariadb-admin": {
    real: "/usr/bin/mariadb-admin",
    kind: "mariadb",
    portFlag: "-P",
    extra: ["--protocol=tcp"],
  },
  "mariadb-dump": {
    real: "/usr/bin/mariadb-dump",
    kind: "mariadb",
    portFlag: "-P",
    extra: ["--protocol=tcp"],
  },
  "redis-cli": { real: "/usr/bin/redis-cli", kind: "redis", portFlag: "-p", extra: [] },
};

/**
 * A directory of client wrappers: `-h <name>` of a known server becomes `-h 127.0.0.1` plus
 * its port (the last -h/-p wins in each client); every other argument passes unchanged.
 */
export function resolverBin(dir: string, hosts: Record<string, Server>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, c] of Object.entries(CLIENTS)) {
    const cases = Object.entries(hosts)
      .filter(([, s]) => s.kind === c.kind)
      .map(
        ([h, s]) =>
          `      ${h}) port=${s.port}; set -- "$@" -h 127.0.0.1 ${c.extra.join(" ")}; [ "$has_port" = 1 ] || set -- "$@" ${c.portFlag} ${s.port} ;;`,
      )
      .join("\n");
    const script = [
      "#!/bin/sh",
      "has_port=0",
      `for a in "$@"; do [ "$a" != ${c.portFlag} ] || has_port=1; done`,
      "port=''",
      "n=$#",
      'while [ "$n" -gt 0 ]; do',
      "  a=$1; shift; n=$((n - 1))",
      '  if [ "$a" = -h ] && [ "$n" -gt 0 ]; then',
      "    h=$1; shift; n=$((n - 1))",
      '    case "$h" in',
      cases,
      '      *) set -- "$@" -h "$h" ;;',
      "    esac",
      `  elif [ "$a" = ${c.portFlag} ] && [ "$n" -gt 0 ]; then`,
      "    v=$1; shift; n=$((n - 1))",
      `    set -- "$@" ${c.portFlag} "\${port:-$v}"`,
      "  else",
      '    set -- "$@" "$a"',
      "  fi",
      "done",
      `exec ${c.real} "$@"`,
      "",
    ].join("\n");
    writeFileSync(join(dir, name), script);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}
