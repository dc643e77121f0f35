import { ADMIN_USER } from "../../catalog/firstRun";
import type { GpuKind } from "../../config/spec";
import { RENDER_NODE } from "../container";
import type { WiringStep } from "./step";

/**
 * Jellyfin's libraries and hardware transcoding, through the API its dashboard calls, as the
 * admin the health check seeds (catalog/media.ts JELLYFIN_HEALTH). Read at
 * jellyfin/jellyfin@v10.11.11:
 * - Jellyfin.Api/Controllers/UserController.cs: POST /Users/AuthenticateByName
 *   (AuthenticateUserByName `{Username, Pw}`) answers an AuthenticationResult with AccessToken;
 * - Jellyfin.Server.Implementations/Security/AuthorizationContext.cs: the client and the
 *   token come from the `Authorization: MediaBrowser Client=…, Token=…` header (the
 *   X-Emby-* headers only with legacy authorization on);
 * - Jellyfin.Api/Controllers/LibraryStructureController.cs: GET /Library/VirtualFolders
 *   (VirtualFolderInfo: Name, Locations, CollectionType), POST /Library/VirtualFolders with
 *   query `name`, `collectionType` (MediaBrowser.Model/Entities/CollectionTypeOptions.cs:
 *   movies, tvshows, music, ...), `paths`, `refreshLibrary` and an AddVirtualFolderDto body,
 *   POST /Library/VirtualFolders/Paths (MediaPathDto `{Name, PathInfo: {Path}}`);
 * - Jellyfin.Api/Controllers/ConfigurationController.cs: GET and POST
 *   /System/Configuration/encoding, the whole EncodingOptions document
 *   (MediaBrowser.Model/Configuration/EncodingOptions.cs; enums are strings,
 *   src/Jellyfin.Extensions/Json/JsonDefaults.cs JsonStringEnumConverter).
 */

/** Jellyfin as a step running in its own container reaches it. */
export const JELLYFIN_LOCAL = "http://127.0.0.1:8096";
/** The env a step reads the admin's generated password from. */
export const JELLYFIN_PASSWORD_ENV = "JELLYFIN_ADMIN_PASSWORD";

/** A library the wiring creates: its name, Jellyfin's collection type, its folder. */
export interface JellyfinLibrary {
  name: string;
  collectionType: "movies" | "tvshows" | "music";
  /** Below the media mount (`/data/media`). */
  folder: string;
}

/** The TRaSH folders Sonarr, Radarr and Lidarr import into (plan/storage.ts DATA_TREE_DIRS). */
export const JELLYFIN_LIBRARIES: readonly JellyfinLibrary[] = [
  { name: "Movies", collectionType: "movies", folder: "movies" },
  { name: "Shows", collectionType: "tvshows", folder: "tv" },
  { name: "Music", collectionType: "music", folder: "music" },
];

const CLIENT =
  'MediaBrowser Client="homelab", Device="homelab", DeviceId="homelab-wiring", Version="1"';

/**
 * Waits for the completed startup wizard (the health check completes it), signs in as the
 * seeded admin and sends the session's token with every following request. A changed admin
 * password fails the step with Jellyfin's 401.
 */
export function jellyfinLogin(base: string): string {
  return [
    jellyfinWizardDone(base),
    `header Authorization '${CLIENT}'`,
    `auth=$(jq -n -c '{Username: "${ADMIN_USER}", Pw: env.${JELLYFIN_PASSWORD_ENV}}' | api POST "$JF/Users/AuthenticateByName")`,
    `token=$(printf '%s' "$auth" | jq -r '.AccessToken // empty')`,
    `[ -n "$token" ] || fail "signing in as ${ADMIN_USER} returned no token"`,
    "clear_headers",
    `header Authorization "${CLIENT.replace(/"/g, '\\"')}, Token=\\"$token\\""`,
  ].join("\n");
}

/**
 * Waits (as `JF`, the base URL) until Jellyfin answers and its startup wizard is complete,
 * so its admin exists: anonymous calls (/health, /System/Info/Public).
 */
export function jellyfinWizardDone(base: string): string {
  return [
    `JF=${base}`,
    `ready "$JF/health"`,
    "_waited=0",
    `until info=$(api GET "$JF/System/Info/Public" 2>/dev/null) && printf '%s' "$info" | jq -e '.StartupWizardCompleted == true' >/dev/null; do`,
    `  [ "$_waited" -lt 300 ] || fail "the startup wizard was not completed within 300 s (the health check completes it)"`,
    "  sleep 2",
    "  _waited=$((_waited + 2))",
    "done",
  ].join("\n");
}

/**
 * The libraries: one that already lists the folder (under any name) is left as the owner has
 * it; a library of the same name gets the folder added; otherwise it is created and scanned.
 */
export function jellyfinLibrariesStep(runsIn: string, mediaRoot: string): WiringStep {
  const lines = [
    jellyfinLogin(JELLYFIN_LOCAL),
    'folders=$(api GET "$JF/Library/VirtualFolders")',
    "library() {",
    `  if printf '%s' "$folders" | jq -e --arg p "$3" 'any(.[]; (.Locations // []) | index($p) != null)' >/dev/null; then return 0; fi`,
    `  if printf '%s' "$folders" | jq -e --arg n "$1" 'any(.[]; .Name == $n)' >/dev/null; then`,
    `    _=$(jq -n -c --arg n "$1" --arg p "$3" '{Name: $n, PathInfo: {Path: $p}}' | api POST "$JF/Library/VirtualFolders/Paths?refreshLibrary=true")`,
    "  else",
    `    q=$(jq -n -r --arg n "$1" --arg t "$2" --arg p "$3" '"name=\\($n|@uri)&collectionType=\\($t)&paths=\\($p|@uri)&refreshLibrary=true"')`,
    `    _=$(printf '{"LibraryOptions":{"EnableRealtimeMonitor":true}}' | api POST "$JF/Library/VirtualFolders?$q")`,
    "  fi",
    '  echo "library $1: $3"',
    "}",
    ...JELLYFIN_LIBRARIES.map(
      (l) => `library '${l.name}' '${l.collectionType}' '${mediaRoot}/${l.folder}'`,
    ),
  ];
  return {
    app: "jellyfin",
    step: "libraries",
    runsIn,
    script: lines.join("\n"),
    secrets: [JELLYFIN_PASSWORD_ENV],
    calls: [],
  };
}

/**
 * What transcoding uses on a host with this GPU (HardwareAccelerationType, v10.11.11
 * MediaBrowser.Model/Entities/HardwareAccelerationType.cs), and the values already counted
 * as right, so the owner's choice among them stays:
 * - nvidia: NVENC, the device the NVIDIA runtime passes in;
 * - intel: VA-API on the render node. It runs on every Intel generation (jellyfin-ffmpeg,
 *   which the image installs, ships the i965 and iHD drivers), where Quick Sync needs
 *   Broadwell or newer; an owner who picks QSV on a newer chip keeps it;
 * - amd: VA-API on the render node (Mesa's radeonsi, `mesa-va-drivers` in the image's
 *   Dockerfile, linuxserver/docker-jellyfin@10.11.11ubu2604-ls43);
 * - none: software, so a host without a GPU never points Jellyfin at a missing device.
 */
export function hardwareAcceleration(gpu: GpuKind): {
  set: Readonly<Record<string, string>>;
  accepted: readonly string[];
} {
  switch (gpu) {
    case "nvidia":
      return { set: { HardwareAccelerationType: "nvenc" }, accepted: ["nvenc"] };
    case "intel":
      return {
        set: { HardwareAccelerationType: "vaapi", VaapiDevice: RENDER_NODE },
        accepted: ["vaapi", "qsv"],
      };
    case "amd":
      return {
        set: { HardwareAccelerationType: "vaapi", VaapiDevice: RENDER_NODE },
        accepted: ["vaapi"],
      };
    case "none":
      return { set: { HardwareAccelerationType: "none" }, accepted: ["none"] };
  }
}

/**
 * The encoding configuration: read whole, and written back whole (Jellyfin replaces the
 * named configuration) with only the acceleration fields changed, and only when the current
 * type does not fit the host's GPU. Codecs, tone mapping and the rest stay the owner's.
 */
export function jellyfinHardwareStep(runsIn: string, gpu: GpuKind): WiringStep {
  const { set, accepted } = hardwareAcceleration(gpu);
  const lines = [
    jellyfinLogin(JELLYFIN_LOCAL),
    `current=$(api GET "$JF/System/Configuration/encoding")`,
    `if printf '%s' "$current" | jq -e '(.HardwareAccelerationType // "none") as $t | ${JSON.stringify(accepted)} | index($t) != null' >/dev/null; then`,
    `  echo "hardware acceleration: $(printf '%s' "$current" | jq -r '.HardwareAccelerationType // "none"'), kept"`,
    "else",
    `  _=$(printf '%s' "$current" | jq -c '. + ${JSON.stringify(set)}' | api POST "$JF/System/Configuration/encoding")`,
    `  echo "hardware acceleration: ${set.HardwareAccelerationType}"`,
    "fi",
  ];
  return {
    app: "jellyfin",
    step: "hardware-acceleration",
    runsIn,
    script: lines.join("\n"),
    secrets: [JELLYFIN_PASSWORD_ENV],
    calls: [],
  };
}
