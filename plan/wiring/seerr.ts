import { ADMIN_USER } from "../../catalog/firstRun";
import { JELLYFIN_LOCAL, JELLYFIN_PASSWORD_ENV, jellyfinWizardDone } from "./jellyfin";
import type { WiringStep } from "./step";

/**
 * Seerr's setup wizard done through its API, with Jellyfin as the media server: the seeded
 * Jellyfin admin becomes Seerr's admin, Seerr's libraries are enabled, Sonarr and Radarr are
 * added with their generated keys. Read at seerr-team/seerr@v3.1.0 (the nearest stored tag to
 * the pinned v3.4.1) in seerr-api.yml and:
 * - server/routes/auth.ts: POST /api/v1/auth/jellyfin `{username, password, hostname, port,
 *   useSsl, urlBase, email, serverType}` (the body src/components/Setup/JellyfinSetup.tsx
 *   sends) creates user 1 as admin while no user exists and the media server is not
 *   configured (`mediaServerType` 4, server/constants/server.ts; Jellyfin is 2), and makes
 *   Seerr create its own Jellyfin API key (createApiToken);
 * - server/middleware/auth.ts: `X-Api-Key` (Seerr's API_KEY env) acts as user 1, so every
 *   later call needs no session;
 * - server/routes/settings/index.ts: GET /settings/jellyfin/library with `sync` re-reads
 *   Jellyfin's libraries, and disables every library not named in `enable` (so the step
 *   reads the list from GET /settings/jellyfin instead); POST /settings/initialize ends the
 *   wizard;
 * - server/routes/settings/sonarr.ts, radarr.ts: POST creates a server (SonarrSettings,
 *   RadarrSettings), PUT /:id replaces one.
 *
 * Seerr's image (node:22-alpine plus tzdata, Dockerfile@v3.1.0) has neither curl nor jq, so
 * the steps run in Jellyfin's container (linuxserver's Ubuntu base installs both), which is
 * on the same `proxy` network as Seerr, Sonarr and Radarr and the first app Seerr needs.
 */

const SEERR = "http://seerr:5055";
/** The env with Seerr's generated API key (its `API_KEY`). */
export const SEERR_KEY_ENV = "SEERR_API_KEY";
/** Jellyfin as Seerr reaches it on the `proxy` network. */
const JELLYFIN_HOST = "jellyfin";
const JELLYFIN_PORT = 8096;
/** MediaServerType (server/constants/server.ts@v3.1.0). */
const NOT_CONFIGURED = 4;
const JELLYFIN = 2;

/**
 * The first run: the admin from Jellyfin's (only while Seerr has no media server), the
 * libraries (all of them, only while none is enabled) and the end of the wizard. A Seerr
 * the owner set up with another media server is left alone.
 */
export function seerrJellyfinStep(runsIn: string): WiringStep {
  const login = JSON.stringify({
    hostname: JELLYFIN_HOST,
    port: JELLYFIN_PORT,
    useSsl: false,
    urlBase: "",
    email: ADMIN_USER,
    serverType: JELLYFIN,
  });
  const lines = [
    // The step runs in Jellyfin's container: Jellyfin's admin exists once its wizard is done.
    jellyfinWizardDone(JELLYFIN_LOCAL),
    `S=${SEERR}`,
    `ready "$S/api/v1/status"`,
    `pub=$(api GET "$S/api/v1/settings/public")`,
    `type=$(printf '%s' "$pub" | jq -r '.mediaServerType')`,
    `if [ "$type" = ${NOT_CONFIGURED} ]; then`,
    `  _=$(jq -n -c '${login} + {username: "${ADMIN_USER}", password: env.${JELLYFIN_PASSWORD_ENV}}' | api POST "$S/api/v1/auth/jellyfin")`,
    '  echo "admin: Jellyfin\'s admin"',
    `elif [ "$type" != ${JELLYFIN} ]; then`,
    `  echo "Seerr uses another media server (type $type): left as it is"`,
    "  exit 0",
    "fi",
    `header X-Api-Key "$${SEERR_KEY_ENV}"`,
    `jf=$(api GET "$S/api/v1/settings/jellyfin")`,
    `if printf '%s' "$jf" | jq -e 'any(.libraries[]?; .enabled)' >/dev/null; then`,
    '  echo "libraries: kept"',
    "else",
    // Jellyfin's own step creates the libraries; Seerr answers 404 until there is one.
    "  _waited=0",
    `  until libs=$(api GET "$S/api/v1/settings/jellyfin/library?sync=true" 2>/dev/null) && [ "$(printf '%s' "$libs" | jq 'length')" -gt 0 ]; do`,
    `    [ "$_waited" -lt 300 ] || fail "Jellyfin has no library for Seerr after 300 s"`,
    "    sleep 5",
    "    _waited=$((_waited + 5))",
    "  done",
    `  ids=$(printf '%s' "$libs" | jq -r '[.[].id] | join(",")')`,
    `  out=$(api GET "$S/api/v1/settings/jellyfin/library?enable=$ids")`,
    '  echo "libraries: $(printf \'%s\' "$out" | jq -r \'[.[] | select(.enabled) | .name] | join(", ")\')"',
    "fi",
    `pub=$(api GET "$S/api/v1/settings/public")`,
    `if ! printf '%s' "$pub" | jq -e '.initialized' >/dev/null; then`,
    `  _=$(api POST "$S/api/v1/settings/initialize" </dev/null)`,
    "fi",
  ];
  return {
    app: "seerr",
    step: "jellyfin",
    runsIn,
    script: lines.join("\n"),
    secrets: [JELLYFIN_PASSWORD_ENV, SEERR_KEY_ENV],
    calls: ["seerr"],
  };
}

/** Sonarr or Radarr as Seerr gets it. */
export interface SeerrServarr {
  kind: "sonarr" | "radarr";
  /** Its container name and port on the `proxy` network. */
  host: string;
  port: number;
  /** The env with its generated API key. */
  keyEnv: string;
  /** The root folder requests land in (`/data/media/tv`). */
  rootFolder: string;
}

/** The quality profile new requests get when the server has one of this name (Servarr's default set). */
export const PREFERRED_PROFILE = "HD-1080p";

/**
 * Sonarr or Radarr in Seerr. A server already listed at the same host and port keeps the
 * owner's profile, folder and flags; only its API key is brought back to the generated one.
 * A new one gets the `HD-1080p` profile (else the one with the lowest id), read from the
 * server (GET /api/v3/qualityprofile; /ping answers without a key), and is the default unless another non-4K
 * server already is.
 */
export function seerrServarrStep(runsIn: string, s: SeerrServarr): WiringStep {
  const key = `env.${s.keyEnv}`;
  const base = {
    name: s.kind === "sonarr" ? "Sonarr" : "Radarr",
    hostname: s.host,
    port: s.port,
    useSsl: false,
    baseUrl: "",
    activeDirectory: s.rootFolder,
    is4k: false,
    syncEnabled: true,
    preventSearch: false,
    ...(s.kind === "sonarr" ? { enableSeasonFolders: true } : { minimumAvailability: "released" }),
  };
  const lines = [
    `S=${SEERR}`,
    `A=http://${s.host}:${s.port}`,
    `header X-Api-Key "$${s.keyEnv}"`,
    `ready "$A/ping"`,
    `profiles=$(api GET "$A/api/v3/qualityprofile")`,
    "clear_headers",
    `header X-Api-Key "$${SEERR_KEY_ENV}"`,
    // Answers 403 until seerr-wire-jellyfin has created Seerr's admin (user 1).
    `ready "$S/api/v1/settings/${s.kind}" 600`,
    `list=$(api GET "$S/api/v1/settings/${s.kind}")`,
    `mine=$(printf '%s' "$list" | jq -c '[.[] | select(.hostname == "${s.host}" and .port == ${s.port})][0] // empty')`,
    'if [ -z "$mine" ]; then',
    `  profile=$(printf '%s' "$profiles" | jq -c '(map(select(.name == "${PREFERRED_PROFILE}"))[0] // (sort_by(.id)[0])) // empty | {id, name}')`,
    `  [ -n "$profile" ] || fail "${s.kind} has no quality profile"`,
    `  taken=$(printf '%s' "$list" | jq 'any(.[]; .isDefault and (.is4k | not))')`,
    `  _=$(jq -n -c --argjson p "$profile" --argjson taken "$taken" '${JSON.stringify(base)} + {apiKey: ${key}, activeProfileId: $p.id, activeProfileName: $p.name, isDefault: ($taken | not)}' | api POST "$S/api/v1/settings/${s.kind}")`,
    `  echo "${s.kind}: added with profile $(printf '%s' "$profile" | jq -r .name)"`,
    `elif printf '%s' "$mine" | jq -e '.apiKey == ${key}' >/dev/null; then`,
    `  echo "${s.kind}: kept"`,
    "else",
    `  id=$(printf '%s' "$mine" | jq -r .id)`,
    `  _=$(printf '%s' "$mine" | jq -c 'del(.id) | .apiKey = ${key}' | api PUT "$S/api/v1/settings/${s.kind}/$id")`,
    `  echo "${s.kind}: API key updated"`,
    "fi",
  ];
  return {
    app: "seerr",
    step: s.kind,
    runsIn,
    script: lines.join("\n"),
    secrets: [SEERR_KEY_ENV, s.keyEnv].sort(),
    calls: ["seerr", s.kind],
  };
}
