#!/usr/bin/env bash
# The lab (`npm run test:lab`): the suites that need real tools and a real Docker engine.
# Installs the Debian packages it needs when run as root, starts its own dockerd on a private
# socket and data root, runs jest with jest.lab.config.js, and stops the engine again.
# It fails loudly when a tool or the engine is missing; it never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(docker.io iptables prometheus prometheus-alertmanager restic sqlite3 busybox-static
  util-linux procps shellcheck postgresql mariadb-server mariadb-client redis-server redis-tools caddy)
TOOLS=(dockerd promtool amtool restic sqlite3 busybox flock pgrep shellcheck
  /usr/lib/postgresql/15/bin/initdb mariadbd mariadb-install-db redis-server redis-cli caddy
  crowdsec cscli)

missing() {
  local t
  for t in "${TOOLS[@]}"; do
    command -v "$t" >/dev/null 2>&1 || [ -x "$t" ] || echo "$t"
  done
}

if [ -n "$(missing)" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
    # Last, and allowed to fail: crowdsec's post-install step registers with CrowdSec's online
    # API, unreachable offline; its binaries are installed either way, which `missing` checks.
    command -v cscli >/dev/null 2>&1 ||
      apt-get install -y -qq --no-install-recommends crowdsec >/dev/null 2>&1 || true
  fi
fi
if [ -n "$(missing)" ]; then
  echo "lab: missing tools: $(missing | tr '\n' ' ')" >&2
  echo "lab: install them with: apt-get install -y ${PACKAGES[*]} crowdsec" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "lab: the engine lab starts dockerd and prepares host directories with owners: run it as root" >&2
  exit 1
fi

LAB_DIR=$(mktemp -d /tmp/homelab-lab-engine.XXXXXX)
SOCKET="$LAB_DIR/docker.sock"
# Its own socket and data root, so that it never touches the machine's own engine's state.
dockerd --data-root "$LAB_DIR/data" --exec-root "$LAB_DIR/exec" --pidfile "$LAB_DIR/docker.pid" \
  -H "unix://$SOCKET" \
  >"$LAB_DIR/dockerd.log" 2>&1 &
DOCKERD=$!
stop_engine() {
  local ids
  ids=$(docker -H "unix://$SOCKET" ps -aq 2>/dev/null || true)
  # shellcheck disable=SC2086 # one word per container id
  [ -z "$ids" ] || docker -H "unix://$SOCKET" rm -f $ids >/dev/null 2>&1 || true
  kill "$DOCKERD" 2>/dev/null || true
  wait "$DOCKERD" 2>/dev/null || true
  grep -F "$LAB_DIR" /proc/mounts | awk '{print $2}' | sort -r | xargs -r umount -l 2>/dev/null || true
  rm -rf "$LAB_DIR" 2>/dev/null || true
}
trap stop_engine EXIT

for _ in $(seq 1 60); do
  [ -S "$SOCKET" ] && docker -H "unix://$SOCKET" version >/dev/null 2>&1 && break
  if ! kill -0 "$DOCKERD" 2>/dev/null; then
    echo "lab: dockerd exited:" >&2
    tail -20 "$LAB_DIR/dockerd.log" >&2
    exit 1
  fi
  sleep 1
done
docker -H "unix://$SOCKET" version >/dev/null || { tail -20 "$LAB_DIR/dockerd.log" >&2; exit 1; }

export HOMELAB_LAB_DOCKER_SOCKET="$SOCKET"
if [ "$#" -gt 0 ]; then
  npx jest -c jest.lab.config.js --runInBand "$@"
  exit
fi
# The suites that drive the engine share its networks and the lab's host directories, so they
# run one after another; every other suite runs beside them, one at a time as well.
ENGINE_SUITES='test/lab/(engine|backup)\.lab\.test\.ts$'
npx jest -c jest.lab.config.js --runInBand --testPathPattern "$ENGINE_SUITES" \
  >"$LAB_DIR/engine-suites.log" 2>&1 &
ENGINE_JEST=$!
tools=0
npx jest -c jest.lab.config.js --runInBand --testPathIgnorePatterns "$ENGINE_SUITES" || tools=$?
engine=0
wait "$ENGINE_JEST" || engine=$?
cat "$LAB_DIR/engine-suites.log"
echo "lab: engine suites exit $engine, tool suites exit $tools"
[ "$engine" -eq 0 ] && [ "$tools" -eq 0 ]
