import { QBITTORRENT_WEBUI_PORT, SABNZBD_PORT } from "../../catalog/media";
import { shellQuote } from "../shell";
import type { WiringStep } from "./step";

/**
 * Sonarr, Radarr and Lidarr as their APIs describe them at the pinned versions
 * (Sonarr/Sonarr src/Sonarr.Api.V3/openapi.json, Radarr/Radarr src/Radarr.Api.V3/openapi.json,
 * Lidarr/Lidarr src/Lidarr.Api.V1/openapi.json; the newest commits stored, 49df353, 1b9662d,
 * 0501e61): a provider (download client, Prowlarr application) is `{name, implementation,
 * configContract, fields: [{name, value}], ...}`, created from `<kind>/schema`. Field names are
 * the settings classes' properties in camelCase (QBittorrentSettings.cs, SabnzbdSettings.cs).
 */
export interface ServarrApp {
  name: "sonarr" | "radarr" | "lidarr";
  port: number;
  api: "v3" | "v1";
  /** The download clients' category field (`TvCategory`, `MovieCategory`, `MusicCategory`). */
  categoryField: string;
  /** The category, the name of its folder under /data/torrents and /data/usenet/complete. */
  category: string;
  rootFolder: string;
}

export const SERVARR: Readonly<Record<ServarrApp["name"], ServarrApp>> = {
  sonarr: {
    name: "sonarr",
    port: 8989,
    api: "v3",
    categoryField: "tvCategory",
    category: "tv",
    rootFolder: "/data/media/tv",
  },
  radarr: {
    name: "radarr",
    port: 7878,
    api: "v3",
    categoryField: "movieCategory",
    category: "movies",
    rootFolder: "/data/media/movies",
  },
  lidarr: {
    name: "lidarr",
    port: 8686,
    api: "v1",
    categoryField: "musicCategory",
    category: "music",
    rootFolder: "/data/media/music",
  },
};

export const PROWLARR_PORT = 9696;

/** The app's API key is in its own env (`<APP>__AUTH__APIKEY`), which `docker exec` inherits. */
function keyEnv(app: string): string {
  return `${app.toUpperCase()}__AUTH__APIKEY`;
}

function apiPrelude(app: string, port: number, api: string): string[] {
  return [
    `base=http://127.0.0.1:${port}/api/${api}`,
    `header X-Api-Key "$${keyEnv(app)}"`,
    `ready http://127.0.0.1:${port}/ping`,
  ];
}

/** A jq filter that sets the named provider fields; `env:NAME` values are read from the env. */
function setFields(values: Readonly<Record<string, string | number | boolean>>): string {
  const cases = Object.entries(values).map(([name, value]) => {
    const v =
      typeof value === "string" && value.startsWith("env:")
        ? `env.${value.slice(4)}`
        : JSON.stringify(value);
    return `if .name == ${JSON.stringify(name)} then .value = ${v}`;
  });
  return `.fields |= map(${cases.join(" el")} else . end)`;
}

/**
 * Creates the provider named `name` from the schema's `implementation`, or updates the one the
 * owner already has under that name: only `fields` change, the rest (tags, priority, enable)
 * stays as the owner left it. `forceSave` stores it even while the other side is still
 * starting (the app shows a health warning until it answers).
 */
function upsertProvider(
  kind: string,
  implementation: string,
  name: string,
  fields: Readonly<Record<string, string | number | boolean>>,
  created = ".enable = true",
): string[] {
  const names = JSON.stringify(Object.keys(fields));
  return [
    `all=$(api GET "$base/${kind}")`,
    `current=$(printf '%s' "$all" | jq -c --arg name ${shellQuote(name)} 'map(select(.name == $name)) | first // empty')`,
    `if [ -z "$current" ]; then`,
    `  schema=$(api GET "$base/${kind}/schema")`,
    `  current=$(printf '%s' "$schema" | jq -c --arg impl ${shellQuote(implementation)} --arg name ${shellQuote(name)} 'map(select(.implementation == $impl)) | first // empty | del(.presets) | .name = $name | ${created}')`,
    `  [ -n "$current" ] || fail "no ${implementation} in $base/${kind}/schema"`,
    `fi`,
    `printf '%s' "$current" | jq -e ${shellQuote(`[.fields[].name] | contains(${names})`)} >/dev/null ||`,
    `  fail "${implementation} lacks one of the fields ${Object.keys(fields).join(", ")}"`,
    `wanted=$(printf '%s' "$current" | jq -c ${shellQuote(setFields(fields))})`,
    `id=$(printf '%s' "$current" | jq -r '.id // empty')`,
    `if [ -n "$id" ]; then`,
    `  printf '%s' "$wanted" | api PUT "$base/${kind}/$id?forceSave=true" >/dev/null`,
    `  echo "updated ${kind} ${name}"`,
    `else`,
    `  printf '%s' "$wanted" | api POST "$base/${kind}?forceSave=true" >/dev/null`,
    `  echo "created ${kind} ${name}"`,
    `fi`,
  ];
}

/** The download client a *arr app sends grabs to. */
export type DownloadClient = "qbittorrent" | "sabnzbd";

/** Secret variables a download-client step reads. */
export const QBITTORRENT_PASSWORD_VAR = "QBITTORRENT_PASSWORD";
export const SABNZBD_API_KEY_VAR = "SABNZBD_API_KEY";

/**
 * qBittorrent (in Gluetun's network namespace, so reached as `gluetun`) or SABnzbd as a
 * download client of the app, with the app's category.
 */
export function downloadClientStep(app: ServarrApp, client: DownloadClient): WiringStep {
  const fields =
    client === "qbittorrent"
      ? {
          host: "gluetun",
          port: QBITTORRENT_WEBUI_PORT,
          useSsl: false,
          username: "admin",
          password: `env:${QBITTORRENT_PASSWORD_VAR}`,
          [app.categoryField]: app.category,
        }
      : {
          host: "sabnzbd",
          port: SABNZBD_PORT,
          useSsl: false,
          apiKey: `env:${SABNZBD_API_KEY_VAR}`,
          [app.categoryField]: app.category,
        };
  return {
    app: app.name,
    step: `download-client-${client}`,
    runsIn: app.name,
    script: [
      ...apiPrelude(app.name, app.port, app.api),
      ...upsertProvider(
        "downloadclient",
        client === "qbittorrent" ? "QBittorrent" : "Sabnzbd",
        client === "qbittorrent" ? "qBittorrent" : "SABnzbd",
        fields,
      ),
    ].join("\n"),
    secrets: [client === "qbittorrent" ? QBITTORRENT_PASSWORD_VAR : SABNZBD_API_KEY_VAR],
    calls: [client === "qbittorrent" ? "gluetun" : "sabnzbd"],
  };
}

/**
 * The app's root folder in the shared tree, added when missing (a root folder has no settings
 * to update). Lidarr's also needs default quality and metadata profiles: the first of each.
 */
export function rootFolderStep(app: ServarrApp): WiringStep {
  const path = shellQuote(app.rootFolder);
  const body =
    app.name === "lidarr"
      ? [
          `quality=$(api GET "$base/qualityprofile" | jq -r 'first.id // empty')`,
          `metadata=$(api GET "$base/metadataprofile" | jq -r 'first.id // empty')`,
          `{ [ -n "$quality" ] && [ -n "$metadata" ]; } || fail "no quality or metadata profile to default to"`,
          `jq -n -c --arg path ${path} --argjson q "$quality" --argjson m "$metadata" '{name: "Music", path: $path, defaultQualityProfileId: $q, defaultMetadataProfileId: $m}' |`,
          `  api POST "$base/rootfolder" >/dev/null`,
        ]
      : [`jq -n -c --arg path ${path} '{path: $path}' | api POST "$base/rootfolder" >/dev/null`];
  return {
    app: app.name,
    step: "root-folder",
    runsIn: app.name,
    script: [
      ...apiPrelude(app.name, app.port, app.api),
      `folders=$(api GET "$base/rootfolder")`,
      `if printf '%s' "$folders" | jq -e --arg path ${path} 'any(.[]; .path == $path or .path == ($path + "/"))' >/dev/null; then`,
      `  echo "root folder ${app.rootFolder} is there"`,
      `else`,
      ...body.map((l) => `  ${l}`),
      `  echo "added root folder ${app.rootFolder}"`,
      `fi`,
    ].join("\n"),
    secrets: [],
    calls: [],
  };
}

/** The variable a step that calls the app (Prowlarr, Seerr, Bazarr) holds its key in. */
export function targetKeyVar(app: ServarrApp): string {
  return `${app.name.toUpperCase()}_API_KEY`;
}

/**
 * Prowlarr pushes its indexers to the app (Prowlarr/Prowlarr src/Prowlarr.Api.V1/openapi.json
 * and src/NzbDrone.Core/Applications/<App>/<App>Settings.cs @0ffcfcc): an application entry
 * with both sides' container names and the app's key, full sync.
 */
export function prowlarrApplicationStep(app: ServarrApp): WiringStep {
  const implementation = app.name.charAt(0).toUpperCase() + app.name.slice(1);
  return {
    app: "prowlarr",
    step: `application-${app.name}`,
    runsIn: "prowlarr",
    script: [
      ...apiPrelude("prowlarr", PROWLARR_PORT, "v1"),
      ...upsertProvider(
        "applications",
        implementation,
        implementation,
        {
          prowlarrUrl: `http://prowlarr:${PROWLARR_PORT}`,
          baseUrl: `http://${app.name}:${app.port}`,
          apiKey: `env:${targetKeyVar(app)}`,
        },
        '.syncLevel = "fullSync"',
      ),
    ].join("\n"),
    secrets: [targetKeyVar(app)],
    calls: [app.name],
  };
}

/** The app whose login a step sets: a Servarr app or Prowlarr (same host config API). */
export interface ServarrLogin {
  name: ServarrApp["name"] | "prowlarr";
  port: number;
  api: "v3" | "v1";
}

export const PROWLARR_LOGIN: ServarrLogin = { name: "prowlarr", port: PROWLARR_PORT, api: "v1" };

/** The variable a login step reads the generated password from. */
export function loginPasswordVar(app: ServarrLogin): string {
  return `${app.name.toUpperCase()}_LOGIN_PASSWORD`;
}

/**
 * The app's own login where nothing in front of it asks for one (a host that is not the edge,
 * whose port is published on the LAN): Forms, required for every address, user `admin` with
 * the generated password, through `config/host` (HostConfigController.cs: the whole
 * HostConfigResource is saved, and a username and password upsert the one user; the
 * confirmation must match). Only while no login exists (method `none`, or no user): a login
 * the owner has set, or changed, is kept.
 */
export function loginStep(app: ServarrLogin): WiringStep {
  const pass = loginPasswordVar(app);
  return {
    app: app.name,
    step: "login",
    runsIn: app.name,
    script: [
      ...apiPrelude(app.name, app.port, app.api),
      `host=$(api GET "$base/config/host")`,
      `if printf '%s' "$host" | jq -e '.authenticationMethod == "forms" and (.username // "") != ""' >/dev/null; then`,
      `  echo "login of $(printf '%s' "$host" | jq -r .username) kept"`,
      `else`,
      `  _=$(printf '%s' "$host" | jq -c '.authenticationMethod = "forms" | .authenticationRequired = "enabled" | .username = "admin" | .password = env.${pass} | .passwordConfirmation = env.${pass}' | api PUT "$base/config/host/1")`,
      `  echo "login admin set"`,
      `fi`,
    ].join("\n"),
    secrets: [pass],
    calls: [],
  };
}
