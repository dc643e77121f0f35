/**
 * Stand-in images: no registry is reachable here, so every image reference a stack uses is
 * built locally (`docker import`) from Debian's busybox-static. A stand-in keeps what matters
 * to the engine and to the checks — the image's user, a shell, the paths our entrypoints and
 * commands name — and runs as a long-lived process:
 * - as the container's main process with a command whose first word is a program of the image
 *   (`sh -c ...`, `redis-server ...`), it runs it, as the images' entrypoints pass such commands
 *   through; as the main process otherwise (flags for the image's own binary), it sleeps;
 * - as any other process (a client called by a script, a health check), it drains its input
 *   and succeeds, so scripts run to their end.
 * The backup image is the exception: it is built from Debian's real restic, busybox, sqlite3
 * and database clients, because the lab runs its job for real.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { tar, type TarEntry } from "./tar";

const BUSYBOX = "/bin/busybox";
export const STANDIN = "/lab-standin";

/** What one image reference must provide, collected from every container that uses it. */
export interface StandinSpec {
  reference: string;
  /** The image's default user (Dockerfile USER), numeric `uid[:gid]`; root when absent. */
  user?: string;
  /** Absolute paths our containers execute (entrypoints, health checks). */
  paths: Set<string>;
  /** Bare program names our commands and scripts call. */
  programs: Set<string>;
}

let appletCache: string[] | undefined;
export function busyboxApplets(): string[] {
  appletCache ??= execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" })
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => /^[a-z0-9_.[-]+$/.test(s) && s !== "busybox");
  return appletCache;
}

const SHELL_WORDS = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "while",
  "until",
  "for",
  "in",
  "case",
  "esac",
  "exec",
  "set",
  "trap",
  "export",
  "umask",
  "wait",
  "exit",
  "return",
  "shift",
  "read",
  "local",
  "unset",
  "eval",
  "cd",
]);

/** Program names a command line or `sh -c` script may call: first words of its commands. */
export function programsOf(words: readonly string[]): string[] {
  const found = new Set<string>();
  for (const w of words) {
    const commandStart =
      /(?:^|[\n;&|(`]|\$\()\s*(?:(?:until|while|if|then|do|else|exec|!)\s+)*([a-z][a-z0-9_.-]*)/g;
    for (const m of w.matchAll(commandStart)) {
      if (!SHELL_WORDS.has(m[1])) found.add(m[1]);
    }
  }
  return [...found];
}

/**
 * The first stand-in process of a container is its main process (PID 1, or any PID under
 * `pid: host`): it records its PID in /dev/shm, which every container has writable.
 */
function standinScript(reference: string): string {
  return [
    "#!/bin/sh",
    `# stand-in for ${reference}`,
    "m=/dev/shm/.lab-standin-main",
    'p=$(cat "$m" 2>/dev/null || true)',
    // Main: the first stand-in, one exec'd by it (same PID), or the first after a restart.
    'if [ -z "$p" ] || [ "$p" = "$$" ] || [ ! -d "/proc/$p" ]; then',
    '  echo "$$" > "$m"',
    `  if [ "\${0##*/}" = "${STANDIN.slice(1)}" ] && [ $# -gt 0 ] && command -v "$1" >/dev/null 2>&1; then exec "$@"; fi`,
    `  echo "stand-in \${0##*/} of ${reference} running as $(id -u):$(id -g)"`,
    "  exec sleep 2147483647",
    "fi",
    "cat >/dev/null 2>&1 || true",
    // Authelia 4.39's `crypto hash generate` prints the hash after "Digest: ".
    'case "${0##*/} $*" in "authelia crypto hash generate"*) echo "Digest: \\$argon2id\\$v=19\\$stand-in" ;; esac',
    "exit 0",
    "",
  ].join("\n");
}

function dirsOf(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join("/")}`);
}

function baseEntries(): TarEntry[] {
  const dirs: TarEntry[] = [
    "/bin",
    "/etc",
    "/root",
    "/run",
    "/var",
    "/usr",
    "/usr/local",
    "/usr/local/bin",
    "/usr/bin",
    "/sbin",
    "/usr/sbin",
  ].map((name) => ({ name, mode: 0o755, kind: "dir" }));
  return [
    ...dirs,
    { name: "/tmp", mode: 0o1777, kind: "dir" },
    { name: "/var/tmp", mode: 0o1777, kind: "dir" },
    {
      name: "/etc/passwd",
      mode: 0o644,
      content:
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    },
    { name: "/etc/group", mode: 0o644, content: "root:x:0:\nnogroup:x:65534:\n" },
    { name: BUSYBOX, mode: 0o755, content: readFileSync(BUSYBOX) },
    ...busyboxApplets().map((a): TarEntry => ({
      name: `/bin/${a}`,
      mode: 0o777,
      kind: "symlink",
      linkTarget: "busybox",
    })),
  ];
}

/** busybox's base entries, and `add`, which adds an entry once with its parent directories. */
function rootfsBuilder(): { entries: TarEntry[]; add: (e: TarEntry) => void } {
  const entries = baseEntries();
  const have = new Set(entries.map((e) => e.name));
  const add = (e: TarEntry): void => {
    if (have.has(e.name)) return;
    for (const d of dirsOf(e.name)) if (!have.has(d)) add({ name: d, mode: 0o755, kind: "dir" });
    have.add(e.name);
    entries.push(e);
  };
  return { entries, add };
}

/** The root filesystem of a stand-in image. */
export function standinRootfs(spec: StandinSpec): Buffer {
  const applets = new Set(busyboxApplets());
  const { entries, add } = rootfsBuilder();
  add({ name: STANDIN, mode: 0o755, content: standinScript(spec.reference) });
  for (const p of spec.paths) add({ name: p, mode: 0o777, kind: "symlink", linkTarget: STANDIN });
  for (const p of spec.programs)
    if (!applets.has(p))
      add({ name: `/usr/local/bin/${p}`, mode: 0o777, kind: "symlink", linkTarget: STANDIN });
  return tar(entries);
}

/** `ldd`: the shared libraries a Debian binary loads, with the loader. */
function libraries(binary: string): string[] {
  const out = execFileSync("ldd", [binary], { encoding: "utf8" });
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]);
}

/** A real program and its libraries, copied from this machine into the image. */
function hostBinary(path: string, as = path): TarEntry[] {
  const real = realpathSync(path);
  return [
    { name: as, mode: 0o755, content: readFileSync(real) },
    ...libraries(real).map((lib) => ({
      name: lib,
      mode: 0o755,
      content: readFileSync(realpathSync(lib)),
    })),
  ];
}

/**
 * The backup image: Debian's restic, busybox (crond, ash, flock is util-linux's and pgrep
 * procps' because Debian's busybox-static has neither applet while Alpine's does), sqlite3
 * and the database clients the dump hooks call, so `serve` finds every client and never
 * needs Alpine's package index.
 */
export function backupRootfs(pgBin: string): Buffer {
  const { entries, add } = rootfsBuilder();
  const programs: [string, string][] = [
    ["/usr/bin/restic", "/usr/bin/restic"],
    ["/usr/bin/sqlite3", "/usr/bin/sqlite3"],
    ["/usr/bin/flock", "/usr/bin/flock"],
    ["/usr/bin/pgrep", "/usr/bin/pgrep"],
    [`${pgBin}/pg_dumpall`, "/usr/bin/pg_dumpall"],
    [`${pgBin}/pg_isready`, "/usr/bin/pg_isready"],
    [`${pgBin}/psql`, "/usr/bin/psql"],
    ["/usr/bin/mariadb-dump", "/usr/bin/mariadb-dump"],
    ["/usr/bin/mariadb", "/usr/bin/mariadb"],
    ["/usr/bin/mariadb-admin", "/usr/bin/mariadb-admin"],
    ["/usr/bin/redis-cli", "/usr/bin/redis-cli"],
  ];
  for (const [from, to] of programs) for (const e of hostBinary(from, to)) add(e);
  add({ name: "/etc/crontabs", mode: 0o755, kind: "dir" });
  return tar(entries);
}
