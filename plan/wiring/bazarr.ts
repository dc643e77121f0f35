import type { WiringStep } from "./step";

/**
 * Bazarr connected to Sonarr and Radarr through its settings API, the one its own settings
 * page posts to. Read at morpheus65535/bazarr@v1.5.3-beta.2 (the nearest stored tag to the
 * pinned v1.6.0):
 * - bazarr/api/system/settings.py: GET /api/system/settings answers the settings document
 *   (`general.use_sonarr`, `sonarr.ip`, `sonarr.port`, `sonarr.apikey`, ...); POST takes a
 *   form of `settings-<section>-<key>` fields and saves only the fields it is sent
 *   (app/config.py save_settings), answering 204;
 * - bazarr/api/utils.py authenticate: the key in the `X-API-KEY` header;
 * - bazarr/app/config.py: the key is `auth.apikey`, generated at the first start into
 *   <config>/config/config.yaml (no env sets it), so the step runs in Bazarr's own container
 *   (linuxserver's Alpine base installs curl and jq) and reads it there.
 */

const BAZARR = "http://127.0.0.1:6767";
/** Where linuxserver's image keeps Bazarr's configuration (`--config /config`). */
export const BAZARR_CONFIG_FILE = "/config/config/config.yaml";

/** Sonarr or Radarr as Bazarr reaches it. */
export interface BazarrServarr {
  kind: "sonarr" | "radarr";
  host: string;
  port: number;
  /** The env with its generated API key. */
  keyEnv: string;
}

/**
 * Reads Bazarr's key from `auth.apikey` of its config.yaml (the file's path in
 * `BAZARR_CONFIG`, defaulting to the image's), waiting for Bazarr to have written it.
 */
function bazarrKey(): string {
  return [
    `cfg=\${BAZARR_CONFIG:-${BAZARR_CONFIG_FILE}}`,
    `ready "${BAZARR}/"`,
    "key=",
    "_waited=0",
    'while [ -z "$key" ]; do',
    `  [ -r "$cfg" ] && key=$(awk '/^auth:/ { a = 1; next } /^[^ ]/ { a = 0 } a && $1 == "apikey:" { gsub(/["\\047]/, "", $2); print $2; exit }' "$cfg")`,
    '  [ -n "$key" ] && break',
    '  [ "$_waited" -lt 120 ] || fail "no auth.apikey in $cfg after 120 s"',
    "  sleep 2",
    "  _waited=$((_waited + 2))",
    "done",
    'header X-API-KEY "$key"',
  ].join("\n");
}

/**
 * Sonarr or Radarr switched on in Bazarr, at its container name and port with its generated
 * key. Only these four fields are compared and sent: base URL, SSL, sync schedules and
 * everything else the owner sets stay.
 */
export function bazarrServarrStep(s: BazarrServarr): WiringStep {
  const want = `{use: true, ip: "${s.host}", port: ${s.port}, apikey: env.${s.keyEnv}}`;
  const have = `{use: .general.use_${s.kind}, ip: .${s.kind}.ip, port: .${s.kind}.port, apikey: .${s.kind}.apikey}`;
  const form = [
    `settings-general-use_${s.kind}=true`,
    `settings-${s.kind}-ip=${s.host}`,
    `settings-${s.kind}-port=${s.port}`,
    `settings-${s.kind}-apikey=\\(env.${s.keyEnv} | @uri)`,
  ].join("&");
  const lines = [
    bazarrKey(),
    `settings=$(api GET "${BAZARR}/api/system/settings")`,
    `have=$(printf '%s' "$settings" | jq -c '${have}')`,
    `want=$(jq -n -c '${want}')`,
    'if same "$have" "$want"; then',
    `  echo "${s.kind}: kept"`,
    "else",
    `  _=$(jq -n -j '"${form}"' | CONTENT_TYPE=application/x-www-form-urlencoded api POST "${BAZARR}/api/system/settings")`,
    `  echo "${s.kind}: ${s.host}:${s.port}"`,
    "fi",
  ];
  return {
    app: "bazarr",
    step: s.kind,
    runsIn: "bazarr",
    script: lines.join("\n"),
    secrets: [s.keyEnv],
    calls: [s.kind],
  };
}
