import type { Profile } from "../config/spec";
import type { AppDefinition, HealthDefinition, SecretDefinition } from "./types";

/**
 * Small building blocks shared by the families in this directory (cloud, web, home,
 * productivity, data, dev, games, infra, security). Each keeps one decision in one place.
 */

/** linuxserver.io images rewrite /etc/passwd for PUID/PGID at start (s6-overlay). */
export const WRITABLE_S6 =
  "s6-overlay applies PUID/PGID by rewriting /etc/passwd at start (read-only mode would run as uid 911)";

/**
 * Capabilities an image needs when its entrypoint starts as root and drops to a service user;
 * KILL because the root parent (Apache, a supervisor) signals children of that user on stop.
 */
export const ROOT_DROP_CAPS = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "KILL",
  "SETGID",
  "SETUID",
] as const;

/** The Redis image every cache in these families uses (the same pin as Authelia's). */
export const REDIS_IMAGE = { repository: "redis", tag: "7.4.11-alpine" } as const;

export function curlHealth(url: string, startPeriodSeconds = 60): HealthDefinition {
  return { test: ["CMD", "curl", "-fsS", "-o", "/dev/null", url], startPeriodSeconds };
}

/** busybox wget, for Alpine images without curl. */
export function wgetHealth(url: string, startPeriodSeconds = 60): HealthDefinition {
  return { test: ["CMD", "wget", "-q", "-O", "/dev/null", url], startPeriodSeconds };
}

/** Node 18+ has fetch: a check for Node images that ship neither curl nor wget. */
export function nodeHealth(url: string, startPeriodSeconds = 60): HealthDefinition {
  const script = `fetch('${url}').then((r)=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))`;
  return { test: ["CMD", "node", "-e", script], startPeriodSeconds };
}

/** Python images: urllib raises (exit 1) on a connection error or an HTTP error status. */
export function pythonHealth(url: string, startPeriodSeconds = 60): HealthDefinition {
  const script = `import urllib.request; urllib.request.urlopen('${url}', timeout=4)`;
  return { test: ["CMD", "python3", "-c", script], startPeriodSeconds };
}

/** A random value an app reads from an env var; alphanumeric so it survives URLs and shells. */
export function secret(name: string, env: string, length = 32, exported = false): SecretDefinition {
  return { name, length, alphanumeric: true, env, exported: exported || undefined };
}

/**
 * Apache (php:apache based images: Nextcloud, WordPress) on an unprivileged port: apps on a
 * host other than the edge publish their port on the LAN, and 80/443 belong to the proxy.
 * Uploaded over the image's defaults.
 */
export function apacheListenFiles(port: number): { path: string; content: string }[] {
  return [
    { path: "/etc/apache2/ports.conf", content: `Listen ${port}\n` },
    {
      path: "/etc/apache2/sites-available/000-default.conf",
      content: [
        `<VirtualHost *:${port}>`,
        "  DocumentRoot /var/www/html",
        "  ErrorLog ${APACHE_LOG_DIR}/error.log",
        "  CustomLog ${APACHE_LOG_DIR}/access.log combined",
        "</VirtualHost>",
        "",
      ].join("\n"),
    },
  ];
}

/** Redis reads its password from the shell so it never lands in the container's inputs. */
export const REDIS_PASSWORD_ENV = "REDIS_PASSWORD";

/** Redis with a password from its env, append-only persistence in /data. */
export const REDIS_COMMAND: readonly string[] = [
  "sh",
  "-c",
  `exec redis-server --requirepass "$${REDIS_PASSWORD_ENV}" --appendonly yes --dir /data`,
];

export const REDIS_HEALTH: HealthDefinition = {
  test: ["CMD-SHELL", `REDISCLI_AUTH="$${REDIS_PASSWORD_ENV}" redis-cli ping | grep -q PONG`],
};

/**
 * A password-protected Redis dedicated to one app: a cache is not shared state, so one app's
 * FLUSHALL or key layout never touches another's. The password is the companion's own
 * generated secret; the owning stack hands it to the app.
 */
export function redisCompanion(
  owner: string,
  profile: Profile,
  extra: Partial<AppDefinition> = {},
): AppDefinition {
  return {
    name: `${owner}-redis`,
    profile,
    companionOf: owner,
    description: `Cache and job queue for ${owner}`,
    image: REDIS_IMAGE,
    contract: {
      user: "0:0",
      dropsTo: "999:1000",
      source: [
        "docker-library/redis 7.4/alpine/Dockerfile and docker-entrypoint.sh (library/redis@5a530d6105, 7.4.5)",
        "docker-library/official-images library/redis@37079fb336 (7.4.11-alpine from redis/docker-library-redis@74654c61)",
      ],
    },
    user: "owner",
    internalOnly: true,
    command: REDIS_COMMAND,
    health: REDIS_HEALTH,
    volumes: [{ class: "database", target: "/data" }],
    secrets: [secret("password", REDIS_PASSWORD_ENV)],
    dump: { kind: "redis", passwordSecret: "password" },
    memoryMb: 256,
    ...extra,
  };
}
