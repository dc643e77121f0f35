import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CATALOG } from "../catalog";
import { DB_PORTS } from "../catalog/data";
import type { AppDefinition, FirstRunAdmin } from "../catalog/types";
import { PROFILES, type Profile } from "../config/spec";

/**
 * Renders docs/apps.md from the catalog, so the list of apps, their profiles, placements and
 * URLs cannot drift from the code (test/catalog/docs.test.ts checks the file is current).
 *
 *   npx tsx scripts/apps-doc.ts
 */

export const APPS_DOC = join(__dirname, "..", "docs", "apps.md");

/** What each profile (`homelab:profiles`) switches on. */
export const PROFILE_DOCS: Readonly<Record<Profile, string>> = {
  core: "The way in: socket proxy, Traefik (or Caddy) with TLS, Authelia SSO, DNS updates, a smoke-test app.",
  media:
    "Media servers, the *arr automation, requests, the torrent client behind the VPN, SABnzbd for Usenet and Recyclarr for TRaSH's quality profiles (both opt-in).",
  observability:
    "Metrics, logs, dashboards and alerts for every host and app, and Uptime Kuma with an uptime check of every routed URL (created by AutoKuma).",
  cloud:
    "Personal cloud: Nextcloud (with cron, cache and Collabora), Immich photos with machine learning, Navidrome music.",
  home: "Home automation: Home Assistant, Node-RED and an authenticated MQTT broker.",
  productivity: "n8n, Outline, KaraKeep, Gitea, BookStack, WordPress and Vaultwarden.",
  data: "Shared data services on the internal network: PostgreSQL and MariaDB on each host that runs an app using them (one database and role per app), Redis, InfluxDB, Meilisearch.",
  dev: "JupyterLab on the GPU host, MLflow experiment tracking, and (opt-in) a ROS 2 rosbridge built on its host.",
  games: "TeamSpeak 3 and a Counter-Strike 2 server on the games storage class (NVMe).",
  security: "WireGuard remote access (wg-easy), CrowdSec, and Fail2ban as the opt-in alternative.",
  infra:
    "Pi-hole with split-horizon records, the Homepage dashboard (Heimdall and Organizr opt-in), Wizarr, Dozzle, Glances, Backrest, Sablier and DuckDNS (opt-in).",
};

function placement(def: AppDefinition): string {
  // Shared database servers are kept only where an app uses them (plan/dataServices.ts).
  if (def.perHost && def.name in DB_PORTS) return "hosts of its consumers";
  if (def.perHost) return "every host";
  if (def.colocateWith) return `with ${def.colocateWith}`;
  if (def.placement === "edge") return "edge host";
  if (def.placement === "data" || def.data !== undefined) return "data host";
  if (def.placement === "gpu") return "GPU host";
  return "edge host";
}

function address(def: AppDefinition): string {
  const parts: string[] = [];
  if (def.route && !def.perHost) {
    const sub = def.route.subdomain ?? def.name;
    parts.push(
      `\`https://${sub}.<domain>\` (${def.route.auth}${def.route.lanOnly ? ", LAN only" : ""})`,
    );
  }
  for (const p of def.ports ?? []) parts.push(`port ${p.host}/${p.protocol}`);
  const internal =
    def.internalOnly || (def.networks?.length === 1 && def.networks[0] === "internal");
  if (parts.length === 0) parts.push(internal ? "internal network only" : "not routed");
  return parts.join(", ");
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

function enablement(def: AppDefinition): string {
  if (def.always) return "always";
  if (def.defaultEnabled === false)
    return def.enabledWhen === "traefik" ? "opt-in, with Traefik" : "opt-in";
  if (def.enabledWhen === "sso") return "with SSO";
  if (def.enabledWhen === "ddns") return "with DDNS";
  if (def.enabledWhen === "traefik") return "on (default `homelab:proxy`)";
  if (def.enabledWhen === "caddy") return "with `homelab:proxy: caddy`";
  return "on";
}

/** What the program does for the app's first administrator (its contract's `firstRun`). */
const FIRST_RUN_DONE: Readonly<Record<FirstRunAdmin, (def: AppDefinition) => string>> = {
  seeded: (def) => {
    const f = def.contract?.firstRun;
    const login = f?.user ? `\`${f.user}\` with ` : "";
    return `seeded: ${login}\`${def.name}.${f?.secret ?? ""}\` in \`generatedSecrets\``;
  },
  "sso-until-configured": () => "behind SSO until you set it up",
  printed: () => "one-off password in its log",
  "claim-token": () => "claimed with `homelab:plexClaim`",
  cli: () => "no admin and no sign-ups until you create one",
  none: () => "no accounts: SSO is the login",
  wired: (def) => `set after start: ${def.contract?.firstRun?.how ?? ""}`,
};

/** The "First run" cell: what is automated, then what still needs a click. */
function firstRun(def: AppDefinition): string {
  const f = def.contract?.firstRun;
  if (!f) return "";
  const done = FIRST_RUN_DONE[f.admin](def);
  const closed = f.signUps ? `\`${f.signUps.env}=${f.signUps.closed}\`` : "";
  const signUps = !f.signUps
    ? ""
    : f.signUps.behindSso !== undefined
      ? `; sign-ups open to SSO users only, closed (${closed}) once it is opened`
      : `; sign-ups closed (${closed})`;
  return f.remaining ? `${done}${signUps}. You: ${f.remaining}` : `${done}${signUps}`;
}

/** The whole document, one table per profile. */
export function renderAppsDoc(): string {
  const lines = [
    "# Apps",
    "",
    "<!-- Generated by scripts/apps-doc.ts from the catalog; do not edit by hand. -->",
    "",
    "Enable groups of apps with `homelab:profiles` and single apps with",
    "`homelab:apps.<name>.enabled`; move an app with `homelab:apps.<name>.host` and rename its",
    "address with `homelab:apps.<name>.subdomain`. Placement: the *edge host* runs the proxy,",
    "the *data host* holds the shared `/data` tree (the host with an HDD tier, a GPU preferred),",
    "the *GPU host* is the best GPU (NVIDIA first). In localhost mode addresses are",
    "`http://<subdomain>.localhost`. Opt-in apps are off until enabled in `homelab:apps`.",
    "",
    "Docker Compose managers (Dockge, Portainer stacks, ...) are deliberately not included: this",
    "program is the manager, and a second one would fight it over the same containers.",
    "",
    "**First run.** No app's first-run page is left to the first visitor. Where the image",
    "allows it the admin is created from a generated password on a new installation (read",
    "them with `pulumi stack output generatedSecrets --show-secrets`). Jellyfin, Home",
    "Assistant, Immich and WordPress have no setting for it: their health check completes",
    "their own setup within 15 seconds of the app answering, and the proxy routes an app on",
    "the edge host only once it is healthy (on another host the setup is reachable for those",
    "seconds). Apps whose first visitor creates the admin stay behind SSO, with no",
    "SSO-bypassed path reaching their setup, until you have done it; those with a login of",
    "their own may then be opened with `homelab:apps.<name>.auth: bypass`. Sign-ups are",
    "closed wherever the app has a switch.",
    "The *First run* column says what is done for you and what is left.",
    "",
  ];
  for (const profile of PROFILES) {
    const apps = [...CATALOG.values()].filter((d) => d.profile === profile);
    if (apps.length === 0) continue;
    lines.push(`## ${profile}`, "", PROFILE_DOCS[profile], "");
    lines.push(
      "| App | What it is | Default host | Address | Default | First run |",
      "|---|---|---|---|---|---|",
    );
    for (const def of apps) {
      lines.push(
        `| ${def.name} | ${cell(def.description)} | ${placement(def)} | ${cell(address(def))} | ${enablement(def)} | ${cell(firstRun(def))} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}

export const README = join(__dirname, "..", "README.md");
const START = "<!-- apps:start (generated by scripts/apps-doc.ts) -->";
const END = "<!-- apps:end -->";

/** The README's app list: one row per app, between markers the script rewrites. */
export function renderReadmeApps(readme: string): string {
  const at = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (at < 0 || end < at) throw new Error("README.md lacks the apps markers");
  const rows = PROFILES.flatMap((profile) =>
    [...CATALOG.values()]
      .filter((d) => d.profile === profile)
      .map(
        (d) =>
          `| ${d.name} | ${profile} | ${placement(d)} | ${cell(address(d))} | ${enablement(d)} |`,
      ),
  );
  const table = [
    "| app | profile | default host | address | default |",
    "|---|---|---|---|---|",
    ...rows,
  ];
  return `${readme.slice(0, at)}${START}\n\n${table.join("\n")}\n\n${readme.slice(end)}`;
}

if (require.main === module) {
  writeFileSync(APPS_DOC, renderAppsDoc());
  writeFileSync(README, renderReadmeApps(readFileSync(README, "utf8")));
  console.log(`wrote ${APPS_DOC} and the app list in ${README}`);
}
