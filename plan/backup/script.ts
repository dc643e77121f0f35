/**
 * The BackupJob's shell script: one POSIX `sh` file per host, generated from the plan and
 * uploaded into the `restic/restic` container (busybox ash), where busybox `crond` runs it.
 *
 * Every path comes from the plan, so tests run the very same script against temp dirs.
 * The script is plain data: no clock, no randomness, sorted inputs, so an unchanged config
 * yields a byte-identical upload and `pulumi up` has nothing to do (DESIGN §1).
 */
import type { RetentionSpec } from "../../config/spec";
import {
  hookClients,
  hookExcludes,
  hookOutput,
  renderHook,
  shellQuote,
  validateHook,
  type DumpHook,
} from "./hooks";

/** busybox crond reads `<dir>/root`; `serve` starts crond on this directory. */
export const CRONTABS_DIR = "/etc/crontabs";
/** Host directories are mounted below this prefix, so `/source/<host path>` restores 1:1. */
export const SOURCE_ROOT = "/source";
/** File name in the node-exporter textfile collector directory. */
export const METRICS_FILE = "homelab_backup.prom";
/** How long a run waits for another run (backup or check) of the same host to finish. */
export const LOCK_TIMEOUT_SECONDS = 6 * 3600;

export interface BackupRepositoryPlan {
  /** Metric label and `BACKUP_REPOSITORY` value: `local`, `offsite`, ... */
  name: string;
  /** restic repository: a directory (`/repo`) or `s3:...`, `b2:...`. */
  url: string;
  retention: RetentionSpec;
}

export interface BackupJobPlan {
  /** Docker host name: the restic snapshot host and the metrics `host` label. */
  host: string;
  /** Container paths to back up (`/source/<host path>`); staging is added by the script. */
  paths: string[];
  /** restic exclude patterns (container paths). */
  excludes: string[];
  hooks: DumpHook[];
  repositories: BackupRepositoryPlan[];
  /** Dumps land here; it is part of every snapshot. */
  stagingDir: string;
  /** node-exporter textfile collector directory. */
  textfileDir: string;
  /** `restic check --read-data-subset` value: `5%`, `1/7`, `500M`. */
  checkReadData: string;
  tags: string[];
}

/** The container path a host path is mounted at. */
export function sourcePath(hostPath: string): string {
  return `${SOURCE_ROOT}${hostPath}`;
}

const LABEL_VALUE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._:=-]*$/;
const READ_DATA = /^(\d+(\.\d+)?%|\d+\/\d+|\d+[kKmMgGtT]?)$/;

function absolute(what: string, path: string): void {
  if (!path.startsWith("/") || path === "/" || path.endsWith("/") || /[\n\r\0]/.test(path)) {
    throw new Error(
      `backup plan: ${what} must be an absolute path other than /, got ${JSON.stringify(path)}`,
    );
  }
}

/** Throws on a plan the script could not run safely; called by `backupScript`. */
export function validateBackupJob(job: BackupJobPlan): void {
  if (!LABEL_VALUE.test(job.host)) throw new Error(`backup plan: host must match ${LABEL_VALUE}`);
  if (job.paths.length === 0) throw new Error(`backup plan for ${job.host}: no paths to back up`);
  job.paths.forEach((p) => absolute("path", p));
  absolute("stagingDir", job.stagingDir);
  absolute("textfileDir", job.textfileDir);
  for (const e of job.excludes) {
    if (e === "" || /[\n\r\0]/.test(e))
      throw new Error(`backup plan: bad exclude ${JSON.stringify(e)}`);
  }
  if (!READ_DATA.test(job.checkReadData)) {
    throw new Error(
      `backup plan: checkReadData must be n%, n/t or a size, got ${job.checkReadData}`,
    );
  }
  for (const t of job.tags) if (!TAG.test(t)) throw new Error(`backup plan: bad tag ${t}`);
  if (job.repositories.length === 0)
    throw new Error(`backup plan for ${job.host}: no repositories`);
  const names = new Set<string>();
  for (const r of job.repositories) {
    if (!LABEL_VALUE.test(r.name))
      throw new Error(`backup plan: repository name must match ${LABEL_VALUE}`);
    if (names.has(r.name)) throw new Error(`backup plan: repository ${r.name} appears twice`);
    names.add(r.name);
    if (r.url === "" || /[\n\r\0]/.test(r.url))
      throw new Error(`backup plan: repository ${r.name} has no url`);
    const { daily, weekly, monthly } = r.retention;
    for (const n of [daily, weekly, monthly]) {
      if (!Number.isInteger(n) || n < 0)
        throw new Error(`backup plan: retention of ${r.name} must be whole numbers`);
    }
    // restic would keep everything, or worse in some versions: refuse instead of guessing.
    if (daily + weekly + monthly === 0)
      throw new Error(`backup plan: retention of ${r.name} keeps nothing`);
  }
  const outputs = new Set<string>();
  for (const h of job.hooks) {
    validateHook(h);
    const out = hookOutput(h, job.stagingDir);
    if (outputs.has(out)) throw new Error(`backup plan: two hooks write ${out}`);
    outputs.add(out);
  }
}

function retentionArgs(r: RetentionSpec): string {
  const args: string[] = [];
  if (r.daily > 0) args.push(`--keep-daily ${r.daily}`);
  if (r.weekly > 0) args.push(`--keep-weekly ${r.weekly}`);
  if (r.monthly > 0) args.push(`--keep-monthly ${r.monthly}`);
  return args.join(" ");
}

function indent(lines: string[], by = "  "): string {
  return lines.map((l) => (l === "" ? l : by + l)).join("\n");
}

/** The whole script for one host. */
export function backupScript(job: BackupJobPlan): string {
  validateBackupJob(job);
  const q = shellQuote;
  const repos = job.repositories;
  const hookApps = [...new Set(job.hooks.map((h) => h.app))].sort();
  const excludes = [
    ...job.excludes,
    ...job.hooks.flatMap(hookExcludes),
    // The run lock and half-written dumps of an interrupted run are not data.
    `${job.stagingDir}/.lock`,
    `${job.stagingDir}/*/*.tmp`,
  ];
  const backupArgs = [
    `--host "$HOST"`,
    ...job.tags.map((t) => `--tag ${q(t)}`),
    ...excludes.map((e) => `--exclude ${q(e)}`),
  ];
  const clients = hookClients(job.hooks);
  const hookLines = job.hooks.flatMap((h) => renderHook(h, job.stagingDir));

  return `#!/bin/sh
# Generated by homelab (plan/backup/script.ts) for host ${job.host}. Do not edit: change the
# stack config and run \`pulumi up\`.
#
# Usage: backup.sh backup | check | init | install | serve | snapshots
#        backup.sh restore <snapshot|latest> <target dir> [path...]
#
# Environment:
#   RESTIC_PASSWORD_FILE    repository password (the homelab:backupPassword secret)
#   RESTIC_REMOTE_ENV_FILE  optional KEY=value file (docker env-file format) with the
#                           AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or B2_ACCOUNT_ID/B2_ACCOUNT_KEY
#                           of the remote repositories
#   BACKUP_REPOSITORY       repository used by restore/snapshots (default: the first one)
#   BACKUP_TIME             drills and tests only: snapshot time passed to \`restic backup --time\`
set -eu
# busybox ash has pipefail, dash has not. The script avoids pipelines whose status matters;
# this is a second guard where the shell offers it.
# shellcheck disable=SC3040
if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi

HOST=${q(job.host)}
STAGING=${q(job.stagingDir)}
METRICS_DIR=${q(job.textfileDir)}
METRICS="$METRICS_DIR/${METRICS_FILE}"
CHECK_READ_DATA=${q(job.checkReadData)}
REPOSITORIES=${q(repos.map((r) => r.name).join(" "))}
LOCK_TIMEOUT=${LOCK_TIMEOUT_SECONDS}
MODE=''
RUN_DIR=''

log() { printf '%s backup[%s] %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$HOST" "$*" >&2; }
fail() { log "ERROR: $*"; exit 1; }

repo_url() {
  case "$1" in
${repos.map((r) => `    ${q(r.name)}) printf '%s\\n' ${q(r.url)} ;;`).join("\n")}
    *) return 1 ;;
  esac
}

repo_forget_args() {
  case "$1" in
${repos.map((r) => `    ${q(r.name)}) printf '%s\\n' ${q(retentionArgs(r.retention))} ;;`).join("\n")}
    *) return 1 ;;
  esac
}

# restic against one named repository: rrestic <name> <restic args...>
rrestic() {
  _url=$(repo_url "$1") || fail "unknown repository $1"
  shift
  RESTIC_REPOSITORY="$_url" restic "$@"
}

load_remote_env() {
  [ -n "\${RESTIC_REMOTE_ENV_FILE:-}" ] || return 0
  [ -r "$RESTIC_REMOTE_ENV_FILE" ] || fail "RESTIC_REMOTE_ENV_FILE ($RESTIC_REMOTE_ENV_FILE) is not readable"
  # Read line by line instead of sourcing: secret values stay literal, never shell code.
  _lineno=0
  while IFS= read -r _line || [ -n "$_line" ]; do
    _lineno=$((_lineno + 1))
    case "$_line" in '' | '#'*) continue ;; esac
    # shellcheck disable=SC2163 # exports the KEY=value held in $_line
    case "$_line" in
      [A-Za-z_]*=*) export "$_line" 2>/dev/null || fail "RESTIC_REMOTE_ENV_FILE line $_lineno: bad variable name" ;;
      *) fail "RESTIC_REMOTE_ENV_FILE line $_lineno: not KEY=value" ;;
    esac
  done < "$RESTIC_REMOTE_ENV_FILE"
}

require_password() {
  [ -n "\${RESTIC_PASSWORD_FILE:-}\${RESTIC_PASSWORD:-}\${RESTIC_PASSWORD_COMMAND:-}" ] ||
    fail "RESTIC_PASSWORD_FILE is not set"
}

# One backup or check at a time per host: they share staging and the metrics file, and restic's
# exclusive locks (prune, check) would fail the other run. busybox flock has no -w, hence the loop.
acquire_lock() {
  mkdir -p "$STAGING" || fail "cannot create $STAGING"
  exec 9>>"$STAGING/.lock" || fail "cannot open $STAGING/.lock"
  _waited=0
  until flock -n 9; do
    [ "$_waited" -lt "$LOCK_TIMEOUT" ] || fail "another backup run still holds $STAGING/.lock after \${LOCK_TIMEOUT}s"
    [ "$_waited" -gt 0 ] || log "waiting for another backup run to finish"
    sleep 10
    _waited=$((_waited + 10))
  done
}

# Database clients are not in the restic image: install the missing ones from the Alpine
# repository of the image itself. Rejected: \`docker exec\` into the databases (needs the Docker
# socket, DESIGN §5), a custom image (a build and registry for every host), one sidecar per
# database (more containers than dumps). Alpine's clients are recent; a pg_dumpall older than
# the server refuses to run, which fails the backup loudly. \`serve\` runs this at container start; \`backup\` runs it again so a start
# without network heals itself, and a client that cannot be installed fails the backup visibly.
ensure_clients() {
  _missing=''
${clients.map((c) => `  command -v ${c.command} >/dev/null 2>&1 || _missing="$_missing ${c.apkPackage}"`).join("\n")}
  [ -n "$_missing" ] || return 0
  command -v apk >/dev/null 2>&1 || fail "database clients missing:$_missing (and no apk to install them)"
  log "installing database clients:$_missing"
  # shellcheck disable=SC2086 # one word per package
  apk add --no-cache $_missing >&2 || fail "apk add$_missing failed"
}

# Remove dumps of apps that no longer have a hook, so a removed app's old dump is not carried on.
prepare_staging() {
  for _entry in "$STAGING"/*; do
    [ -e "$_entry" ] || continue
    case "\${_entry##*/}" in
${hookApps.length > 0 ? `      ${hookApps.map(q).join(" | ")}) ;;\n` : ""}      *) rm -rf "$_entry" || fail "cannot remove stale $_entry" ;;
    esac
  done
}

run_hooks() {
${hookLines.length > 0 ? indent(hookLines) : "  :"}
}

check_paths() {
${job.paths.map((p) => `  [ -e ${q(p)} ] || fail ${q(`${p} does not exist (is it mounted?)`)}`).join("\n")}
}

# set -e is suspended inside functions called from \`if\`, hence the explicit returns.
backup_repo() {
  _repo=$1
  _keep=$(repo_forget_args "$_repo") || return 1
  set -- backup ${backupArgs.join(" ")}
  if [ -n "\${BACKUP_TIME:-}" ]; then set -- "$@" --time "$BACKUP_TIME"; fi
  set -- "$@" ${job.paths.map(q).join(" ")} "$STAGING"
  log "repository $_repo: backup"
  rrestic "$_repo" unlock || return 1
  rrestic "$_repo" "$@" || return 1
  log "repository $_repo: forget $_keep --prune"
  # Grouped by host only: adding an app changes the path set, and per-path groups would then
  # keep the old snapshots forever.
  # shellcheck disable=SC2086 # $_keep is a list of flags and numbers
  rrestic "$_repo" forget --host "$HOST" --group-by host $_keep --prune || return 1
}

check_repo() {
  log "repository $1: check --read-data-subset=$CHECK_READ_DATA"
  rrestic "$1" unlock || return 1
  rrestic "$1" check --read-data-subset="$CHECK_READ_DATA" || return 1
}

# Value of one sample in the previous metrics file, empty when absent.
previous() {
  [ -f "$METRICS" ] || return 0
  sed -n "s/^$1{$2} //p" "$METRICS" | tail -n 1
}

repo_ok() {
  if [ -f "$RUN_DIR/ok.$1" ]; then echo 1; else echo 0; fi
}

# Samples of one family, one per repository: this run's value in its own mode, otherwise the
# previous file's (a check run must not erase the backup metrics, and the other way round).
samples() {
  _name=$1
  _mine=$2
  for _r in $REPOSITORIES; do
    _l="host=\\"$HOST\\",repository=\\"$_r\\""
    _v=$(previous "$_name" "$_l")
    if [ "$MODE" = "$_mine" ]; then
      case "$_name" in
        *_last_run_timestamp_seconds) _v=$_now ;;
        *_success) _v=$(repo_ok "$_r") ;;
        # A failed run keeps the last success it can find, 0 when it never succeeded.
        *_last_success_timestamp_seconds) if [ -f "$RUN_DIR/ok.$_r" ]; then _v=$_now; else _v=\${_v:-0}; fi ;;
      esac
    fi
    # From the job's start on, a repository that never had a successful backup reads 0.
    case "$_name" in *_last_success_timestamp_seconds) _v=\${_v:-0} ;; esac
    [ -z "$_v" ] || printf '%s{%s} %s\\n' "$_name" "$_l" "$_v"
  done
}

# HELP and TYPE only for families with samples, as the text format expects.
family() {
  [ -n "$3" ] || return 0
  printf '# HELP %s %s\\n# TYPE %s gauge\\n%s\\n' "$1" "$2" "$1" "$3"
}

render_metrics() {
  _now=$(date +%s)
  family homelab_backup_last_run_timestamp_seconds 'Unix time the last backup run ended.' \\
    "$(samples homelab_backup_last_run_timestamp_seconds backup)"
  family homelab_backup_last_success_timestamp_seconds 'Unix time of the last successful backup (0: never).' \\
    "$(samples homelab_backup_last_success_timestamp_seconds backup)"
  family homelab_backup_last_run_success 'Whether the last backup run succeeded (1) or failed (0).' \\
    "$(samples homelab_backup_last_run_success backup)"
  _l="host=\\"$HOST\\""
  if [ "$MODE" = backup ]; then _v=$((_now - START)); else _v=$(previous homelab_backup_duration_seconds "$_l"); fi
  _d=''
  [ -z "$_v" ] || _d="homelab_backup_duration_seconds{$_l} $_v"
  family homelab_backup_duration_seconds 'Duration of the last backup run (hooks and all repositories).' "$_d"
  family homelab_backup_check_success 'Whether the last restic check succeeded (1) or failed (0).' \\
    "$(samples homelab_backup_check_success check)"
  family homelab_backup_check_last_run_timestamp_seconds 'Unix time the last restic check ended.' \\
    "$(samples homelab_backup_check_last_run_timestamp_seconds check)"
  # Kept from the first start on: BackupStale waits one period from here before it fires.
  _v=$(previous homelab_backup_watched_since_timestamp_seconds "$_l")
  family homelab_backup_watched_since_timestamp_seconds 'Unix time the backup job first started on this host.' \\
    "homelab_backup_watched_since_timestamp_seconds{$_l} \${_v:-$_now}"
}

# Written to a temp file and renamed: the collector never reads half a file.
write_metrics() {
  mkdir -p "$METRICS_DIR" || return 1
  _tmp="$METRICS.$$.tmp"
  render_metrics > "$_tmp" || { rm -f "$_tmp"; return 1; }
  mv -f "$_tmp" "$METRICS"
}

# EXIT trap of backup and check: metrics are written whatever happened, the exit code is kept.
finish() {
  _rc=$1
  set +e
  trap - EXIT
  if ! write_metrics; then
    log "ERROR: cannot write $METRICS"
    [ "$_rc" -ne 0 ] || _rc=1
  fi
  [ -z "$RUN_DIR" ] || rm -rf "$RUN_DIR"
  if [ "$_rc" -eq 0 ]; then log "$MODE: ok"; else log "$MODE: FAILED (exit $_rc)"; fi
  exit "$_rc"
}

start_run() {
  MODE=$1
  START=$(date +%s)
  RUN_DIR=$(mktemp -d) || fail "mktemp failed"
  trap 'finish $?' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP
  load_remote_env
  require_password
  acquire_lock
}

cmd_backup() {
  start_run backup
  check_paths
  ensure_clients
  prepare_staging
  run_hooks
  _failed=0
  for _r in $REPOSITORIES; do
    if backup_repo "$_r"; then : > "$RUN_DIR/ok.$_r"; else _failed=1; log "ERROR: repository $_r: backup failed"; fi
  done
  [ "$_failed" -eq 0 ] || exit 1
}

cmd_check() {
  start_run check
  _failed=0
  for _r in $REPOSITORIES; do
    if check_repo "$_r"; then : > "$RUN_DIR/ok.$_r"; else _failed=1; log "ERROR: repository $_r: check failed"; fi
  done
  [ "$_failed" -eq 0 ] || exit 1
}

# Idempotent: \`restic cat config\` succeeds only on an initialised repository, and init on an
# existing one would fail.
cmd_init() {
  load_remote_env
  require_password
  for _r in $REPOSITORIES; do
    if rrestic "$_r" cat config >/dev/null 2>&1; then
      log "repository $_r: already initialised"
    else
      log "repository $_r: init"
      rrestic "$_r" init || fail "repository $_r: init failed"
    fi
  done
}

cmd_restore() {
  [ $# -ge 2 ] || fail "usage: restore <snapshot|latest> <target dir> [path...]"
  _snapshot=$1
  _target=$2
  shift 2
  _repo=\${BACKUP_REPOSITORY:-${q(repos[0].name)}}
  load_remote_env
  require_password
  # Turn the remaining arguments into --include flags, in place.
  _n=$#
  while [ "$_n" -gt 0 ]; do
    set -- "$@" --include "$1"
    shift
    _n=$((_n - 1))
  done
  log "repository $_repo: restore $_snapshot to $_target $*"
  rrestic "$_repo" restore "$_snapshot" --host "$HOST" --target "$_target" "$@"
}

cmd_snapshots() {
  load_remote_env
  require_password
  rrestic "\${BACKUP_REPOSITORY:-${q(repos[0].name)}}" snapshots --host "$HOST"
}

# Container entrypoint: best-effort preparation, then busybox crond in the foreground, logging
# to stderr (docker logs) with -L: Alpine's -d does the same but not every busybox build has it.
cmd_serve() {
  # The metrics exist from the start, so a job that never runs a backup raises BackupStale.
  MODE=serve
  write_metrics || log "ERROR: cannot write $METRICS"
  (ensure_clients) || log "installing database clients failed; the next backup retries"
  (cmd_init) || log "init failed; backups fail (and alert) until it succeeds"
  exec crond -f -l "\${CROND_LOG_LEVEL:-8}" -L /dev/stderr -c ${q(CRONTABS_DIR)}
}

_command=\${1:-}
[ $# -eq 0 ] || shift
case "$_command" in
  backup) cmd_backup ;;
  check) cmd_check ;;
  init) cmd_init ;;
  install) ensure_clients ;;
  restore) cmd_restore "$@" ;;
  snapshots) cmd_snapshots ;;
  serve) cmd_serve ;;
  *) fail "usage: $0 backup|check|init|install|serve|snapshots|restore <snapshot> <target> [path...]" ;;
esac
`;
}
