/**
 * The shell functions every wiring step's script may use. POSIX sh with curl, and jq for
 * `same` (dash, busybox ash and bash all run it; each step says which tools it needs). Secrets never reach a command line: request bodies go to
 * curl on stdin, headers through a curl config file in a private temporary directory, and
 * scripts read secret values in jq with `env.NAME`, never `--arg`.
 *
 * - `fail MESSAGE`: stops the step with `homelab wiring: <app>: <step>: MESSAGE` on stderr.
 * - `ready URL [SECONDS]`: waits until URL answers 2xx (default 300 s), else fails.
 * - `header NAME VALUE`: sends the header with every following request.
 * - `clear_headers`: stops sending the headers set so far (a step that calls two apps, or
 *   replaces a login header with the token the login returned).
 * - `api METHOD URL`: the response body on stdout; POST/PUT/PATCH read the body from stdin.
 *   Any answer but 2xx fails with the status and the start of the body. Capture the output
 *   in a variable (`x=$(api GET ...)`) so a failure stops the script under `set -e`.
 *   `CONTENT_TYPE` (default application/json) sets the body's type. Cookies persist between
 *   calls (session logins).
 * - `same A B`: true when two JSON documents are equal, keys in any order.
 */
export const WIRING_LIBRARY = String.raw`umask 077
HOMELAB_TMP=$(mktemp -d)
trap 'rm -rf "$HOMELAB_TMP"' EXIT
: > "$HOMELAB_TMP/curl"
fail() {
  printf 'homelab wiring: %s: %s: %s\n' "$HOMELAB_APP" "$HOMELAB_STEP" "$*" >&2
  exit 1
}
header() {
  _hv=$(printf '%s: %s' "$1" "$2" | sed 's/[\\"]/\\&/g')
  printf 'header = "%s"\n' "$_hv" >> "$HOMELAB_TMP/curl"
}
clear_headers() {
  : > "$HOMELAB_TMP/curl"
}
ready() {
  _waited=0
  until curl -fsS -o /dev/null -K "$HOMELAB_TMP/curl" "$1" 2>/dev/null; do
    [ "$_waited" -lt "${"$"}{2:-300}" ] || fail "$1 did not answer within ${"$"}{2:-300} s"
    sleep 2
    _waited=$((_waited + 2))
  done
}
api() {
  case $1 in
    POST | PUT | PATCH) cat > "$HOMELAB_TMP/body" ;;
    *) : > "$HOMELAB_TMP/body" ;;
  esac
  _code=$(curl -sS -K "$HOMELAB_TMP/curl" -b "$HOMELAB_TMP/cookies" -c "$HOMELAB_TMP/cookies" \
    -X "$1" -H "Content-Type: ${"$"}{CONTENT_TYPE:-application/json}" \
    --data-binary "@$HOMELAB_TMP/body" -o "$HOMELAB_TMP/out" -w '%{http_code}' "$2") ||
    fail "$1 $2: no answer"
  case $_code in
    2??) cat "$HOMELAB_TMP/out" ;;
    *) fail "$1 $2: HTTP $_code: $(head -c 300 "$HOMELAB_TMP/out" | tr '\n' ' ')" ;;
  esac
}
same() {
  [ "$(printf '%s' "$1" | jq -S -c .)" = "$(printf '%s' "$2" | jq -S -c .)" ]
}`;
