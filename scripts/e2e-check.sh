#!/usr/bin/env bash
# Checks of the real-image end-to-end test (.github/workflows/e2e.yml), run against the Docker
# engine a `pulumi up` of the stack has just deployed to. Every wait is bounded; every failure
# says what failed and prints the containers' state and the logs of the ones that are not well.
#
# Usage: scripts/e2e-check.sh <command> [args]
#   wait-healthy [seconds]              every homelab container running, and healthy when it has
#                                       a health check (default bound 300 s)
#   urls [seconds]                      every URL of `pulumi stack output urls` answers through
#                                       Traefik on 127.0.0.1 (default bound 180 s)
#   backup-restore <root> [app]         one backup run, a restore of the latest snapshot, and the
#                                       app's config directory compared with its restored copy
#                                       (default app traefik: its files do not change while running)
#   record-dirs <root> <file>           list the data directories (<root>/<class>/<app>) and
#                                       whether each is empty, before `pulumi destroy`
#   check-dirs <root> <file>            after `pulumi destroy`: every recorded directory still
#                                       exists, and those that held data still do
#   check-gone                          no homelab container is left
#   diagnose                            `docker ps -a`, then state, health log and logs of every
#                                       homelab container that is not running and healthy
#
# Environment: STACK (default dev) for `pulumi stack output`; BACKUP_CONTAINER (default backup).
# Data directories belong to the stack's owner (homelab:owner), not the runner's user: they are
# read through passwordless sudo unless this runs as root.
set -euo pipefail

STACK=${STACK:-dev}
BACKUP_CONTAINER=${BACKUP_CONTAINER:-backup}
BACKUP_SCRIPT=/etc/homelab/backup.sh
LABEL=homelab.app

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo -n); fi

log() { printf 'e2e: %s\n' "$*" >&2; }
fail() {
  printf '::error::e2e: %s\n' "$*" >&2
  exit 1
}

# Container ids of the homelab (every App's container carries the homelab.app label).
homelab_ids() { docker ps -aq --filter "label=$LABEL"; }

# One line per container: name status health restarts (health is `none` without a check).
states() {
  local ids
  mapfile -t ids < <(homelab_ids)
  [ "${#ids[@]}" -gt 0 ] || return 0
  docker inspect -f \
    '{{slice .Name 1}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.RestartCount}}' \
    "${ids[@]}" | sort
}

is_ready() { [ "$2" = running ] && { [ "$3" = healthy ] || [ "$3" = none ]; }; }

cmd_diagnose() {
  local name status health restarts
  echo "::group::docker ps -a"
  docker ps -a --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}' || true
  echo "::endgroup::"
  while read -r name status health restarts; do
    if is_ready "$name" "$status" "$health"; then continue; fi
    echo "::group::$name: $status, health $health, $restarts restarts"
    docker inspect -f '{{json .State}}' "$name" || true
    docker logs --tail 200 "$name" 2>&1 || true
    echo "::endgroup::"
  done < <(states || true)
}

cmd_wait_healthy() {
  local bound=${1:-300} expected deadline pending total line name status health restarts
  local before after
  expected=$(pulumi stack output apps --json --stack "$STACK" | jq 'length')
  [ "$expected" -gt 0 ] || fail "stack output apps lists no app"
  deadline=$((SECONDS + bound))
  log "waiting up to ${bound}s for $expected containers to be running (and healthy where checked)"
  while :; do
    pending=()
    total=0
    while read -r name status health restarts; do
      total=$((total + 1))
      is_ready "$name" "$status" "$health" || pending+=("$name($status/$health)")
    done < <(states)
    if [ "$total" -eq "$expected" ] && [ "${#pending[@]}" -eq 0 ]; then
      # Ready once could be a crash loop caught between two starts: ready again, with no new
      # restart, some seconds later.
      before=$(states)
      sleep 20
      after=$(states)
      if [ "$before" = "$after" ]; then
        log "all $total containers ready:"
        printf '%s\n' "$after" >&2
        return 0
      fi
      log "containers changed while settling; waiting on"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      cmd_diagnose
      [ "$total" -eq "$expected" ] || fail "$total homelab containers, but the stack has $expected apps"
      fail "not ready after ${bound}s: ${pending[*]}"
    fi
    line="$total/$expected containers"
    [ "${#pending[@]}" -eq 0 ] || line="$line; not ready: ${pending[*]}"
    log "$line"
    sleep 10
  done
}

cmd_urls() {
  local bound=${1:-180} deadline entry name url rest hostport host port code body failed=0
  local -a entries
  mapfile -t entries < <(pulumi stack output urls --json --stack "$STACK" | jq -r 'to_entries[] | "\(.key) \(.value)"')
  [ "${#entries[@]}" -gt 0 ] || fail "stack output urls lists no URL"
  body=$(mktemp)
  deadline=$((SECONDS + bound))
  for entry in "${entries[@]}"; do
    name=${entry%% *}
    url=${entry#* }
    rest=${url#*://}
    hostport=${rest%%/*}
    host=${hostport%%:*}
    case "$url" in
      https://*) port=443 ;;
      *) port=80 ;;
    esac
    [ "$hostport" = "$host" ] || port=${hostport#*:}
    # A new route needs Traefik's Docker provider to see the container: retry within the bound.
    # 5xx: Traefik has the route but the app does not answer; 404: Traefik has no route for
    # the host (none of the routed apps answers 404 at /); 000: nothing answered at all.
    while :; do
      code=$(curl -sS -o "$body" -w '%{http_code}' --max-time 10 \
        --resolve "$host:$port:127.0.0.1" "$url" 2>/dev/null) || true
      code=${code:-000}
      case "$code" in
        000 | 404 | 5??) ;;
        *) break ;;
      esac
      [ "$SECONDS" -lt "$deadline" ] || break
      sleep 5
    done
    case "$code" in
      000 | 404 | 5??)
        printf '::error::e2e: %s %s answered %s through Traefik\n' "$name" "$url" "$code" >&2
        head -c 500 "$body" >&2 || true
        echo >&2
        failed=1
        ;;
      *) log "$name $url -> $code" ;;
    esac
  done
  rm -f "$body"
  if [ "$failed" -ne 0 ]; then
    cmd_diagnose
    echo "::group::traefik logs"
    docker logs --tail 200 traefik 2>&1 || true
    echo "::endgroup::"
    fail "some routed URLs do not answer"
  fi
}

# Host directory mounted at a container path of the backup container.
backup_mount() {
  docker inspect -f "{{range .Mounts}}{{if eq .Destination \"$1\"}}{{.Source}}{{end}}{{end}}" \
    "$BACKUP_CONTAINER"
}

# path owner:group mode of every entry below a directory, relative to it.
metadata() { "${SUDO[@]}" find "$1" -printf '%P %U:%G %m %y\n' | sort; }

cmd_backup_restore() {
  local root=${1:?usage: backup-restore <storage root> [app]} app=${2:-traefik}
  local src restore copy files
  src="$root/config/$app"
  restore=$(backup_mount /restore)
  [ -n "$restore" ] || fail "$BACKUP_CONTAINER has no /restore mount"
  copy="$restore/source$src"
  "${SUDO[@]}" test -d "$src" || fail "$src does not exist"
  files=$("${SUDO[@]}" find "$src" -type f | wc -l)
  [ "$files" -gt 0 ] || fail "$src holds no file: nothing to compare after the restore"

  log "backup"
  timeout 600 docker exec "$BACKUP_CONTAINER" /bin/sh "$BACKUP_SCRIPT" backup ||
    fail "the backup run failed"
  timeout 120 docker exec "$BACKUP_CONTAINER" /bin/sh "$BACKUP_SCRIPT" snapshots ||
    fail "cannot list the snapshots"
  log "restore latest /restore"
  timeout 600 docker exec "$BACKUP_CONTAINER" /bin/sh "$BACKUP_SCRIPT" restore latest /restore ||
    fail "the restore failed"

  "${SUDO[@]}" test -d "$copy" || fail "the restore has no $copy"
  log "comparing $src ($files files) with $copy"
  "${SUDO[@]}" diff -r "$src" "$copy" || fail "$src differs from its restored copy"
  diff <(metadata "$src") <(metadata "$copy") ||
    fail "owners or modes of $src differ from its restored copy"
  log "restored copy of $src is identical (content, owners, modes)"
}

cmd_record_dirs() {
  local root=${1:?usage: record-dirs <storage root> <file>} file=${2:?usage: record-dirs <storage root> <file>}
  local dir state
  : >"$file"
  while IFS= read -r dir; do
    if [ -n "$("${SUDO[@]}" find "$dir" -mindepth 1 -print -quit)" ]; then state=data; else state=empty; fi
    printf '%s %s\n' "$state" "$dir" >>"$file"
  done < <("${SUDO[@]}" find "$root" -mindepth 2 -maxdepth 2 -type d | sort)
  grep -q '^data ' "$file" || fail "no data directory below $root holds anything"
  log "$(wc -l <"$file") data directories below $root, $(grep -c '^data ' "$file") non-empty"
}

cmd_check_dirs() {
  local root=${1:?usage: check-dirs <storage root> <file>} file=${2:?usage: check-dirs <storage root> <file>}
  local state dir failed=0
  [ -s "$file" ] || fail "$file lists no directory (run record-dirs before the destroy)"
  while read -r state dir; do
    if ! "${SUDO[@]}" test -d "$dir"; then
      printf '::error::e2e: %s is gone after pulumi destroy\n' "$dir" >&2
      failed=1
    elif [ "$state" = data ] && [ -z "$("${SUDO[@]}" find "$dir" -mindepth 1 -print -quit)" ]; then
      printf '::error::e2e: %s was emptied by pulumi destroy\n' "$dir" >&2
      failed=1
    fi
  done <"$file"
  [ "$failed" -eq 0 ] || fail "pulumi destroy removed data below $root"
  log "every data directory below $root survived pulumi destroy"
}

cmd_check_gone() {
  local left
  left=$(docker ps -a --filter "label=$LABEL" --format '{{.Names}}') || fail "cannot list the containers"
  [ -z "$left" ] || fail "containers left after pulumi destroy: $(echo "$left" | tr '\n' ' ')"
  log "no homelab container left"
}

command=${1:-}
[ $# -eq 0 ] || shift
case "$command" in
  wait-healthy) cmd_wait_healthy "$@" ;;
  urls) cmd_urls "$@" ;;
  backup-restore) cmd_backup_restore "$@" ;;
  record-dirs) cmd_record_dirs "$@" ;;
  check-dirs) cmd_check_dirs "$@" ;;
  check-gone) cmd_check_gone ;;
  diagnose) cmd_diagnose ;;
  *) fail "usage: $0 wait-healthy|urls|backup-restore|record-dirs|check-dirs|check-gone|diagnose" ;;
esac
