import { ADMIN_PASSWORD_ENV, ADMIN_USER } from "../../catalog/firstRun";
import type { GpuKind } from "../../config/spec";
import type { WiringStep } from "./step";

const JELLYFIN = "http://127.0.0.1:8096";

/** A library Jellyfin gets: its name, collection type and folder in the shared tree. */
export interface JellyfinLibrary {
  name: string;
  /** jellyfin/jellyfin MediaBrowser.Model/Entities/CollectionTypeOptions.cs@v10.11.11 */
  collectionType: "movies" | "tvshows" | "music";
  path: string;
}

export const JELLYFIN_LIBRARIES: readonly JellyfinLibrary[] = [
  { name: "Movies", collectionType: "movies", path: "/data/media/movies" },
  { name: "Shows", collectionType: "tvshows", path: "/data/media/tv" },
  { name: "Music", collectionType: "music", path: "/data/media/music" },
];

/**
 * Logs in as the seeded admin (its password is in the container's env, see JELLYFIN_HEALTH)
 * through POST /Users/AuthenticateByName (Jellyfin.Api/Controllers/UserController.cs
 * @v10.11.11, body `{Username, Pw}`), then sends the token with every call.
 */
const LOGIN = [
  `ready ${JELLYFIN}/health`,
  `header Authorization 'MediaBrowser Client="homelab", Device="homelab", DeviceId="homelab-wiring", Version="1"'`,
  `login=$(jq -n -c '{Username: "${ADMIN_USER}", Pw: env.${ADMIN_PASSWORD_ENV}}' | api POST ${JELLYFIN}/Users/AuthenticateByName)`,
  `token=$(printf '%s' "$login" | jq -r '.AccessToken // empty')`,
  `[ -n "$token" ] || fail "no access token for ${ADMIN_USER}"`,
  `: > "$HOMELAB_TMP/curl"`,
  `header Authorization "MediaBrowser Client=\\"homelab\\", Device=\\"homelab\\", DeviceId=\\"homelab-wiring\\", Version=\\"1\\", Token=\\"$token\\""`,
];

/**
 * The three libraries over the shared tree (LibraryStructureController.cs@v10.11.11: GET and
 * POST /Library/VirtualFolders, `name`, `collectionType`, `paths` in the query). A library
 * whose folder any existing library already has is left alone, whatever its name.
 */
export function librariesStep(): WiringStep {
  const add = JELLYFIN_LIBRARIES.map((l) =>
    [
      `if printf '%s' "$folders" | jq -e --arg p '${l.path}' 'any(.[]; (.Locations // []) | index($p))' >/dev/null; then`,
      `  echo "a library already has ${l.path}"`,
      `else`,
      `  printf '{}' | api POST '${JELLYFIN}/Library/VirtualFolders?name=${encodeURIComponent(l.name)}&collectionType=${l.collectionType}&paths=${encodeURIComponent(l.path)}&refreshLibrary=true' >/dev/null`,
      `  echo "added library ${l.name} (${l.path})"`,
      `fi`,
    ].join("\n"),
  );
  return {
    app: "jellyfin",
    step: "libraries",
    runsIn: "jellyfin",
    script: [...LOGIN, `folders=$(api GET ${JELLYFIN}/Library/VirtualFolders)`, ...add].join("\n"),
    secrets: [],
    calls: [],
  };
}

/**
 * The acceleration that matches the host's GPU (MediaBrowser.Model/Entities/
 * HardwareAccelerationType.cs@v10.11.11): NVENC on NVIDIA, Intel Quick Sync (the jellyfin-ffmpeg
 * the image installs with Jellyfin carries Intel's media driver), VA-API on AMD through the
 * render node the container gets (`/dev/dri/renderD128`, EncodingOptions' default VaapiDevice).
 * No step on a host without a GPU: software transcoding is Jellyfin's default.
 */
export function hardwareAccelerationStep(gpu: GpuKind): WiringStep | undefined {
  const kind = { nvidia: "nvenc", intel: "qsv", amd: "vaapi" }[gpu as string];
  if (!kind) return undefined;
  const url = `${JELLYFIN}/System/Configuration/encoding`;
  return {
    app: "jellyfin",
    step: "hardware-acceleration",
    runsIn: "jellyfin",
    script: [
      ...LOGIN,
      `current=$(api GET ${url})`,
      `wanted=$(printf '%s' "$current" | jq -c '.HardwareAccelerationType = "${kind}" | .EnableHardwareEncoding = true')`,
      `if same "$current" "$wanted"; then`,
      `  echo "hardware acceleration is ${kind}"`,
      `else`,
      `  printf '%s' "$wanted" | api POST ${url} >/dev/null`,
      `  echo "hardware acceleration set to ${kind}"`,
      `fi`,
    ].join("\n"),
    secrets: [],
    calls: [],
  };
}
