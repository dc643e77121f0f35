/**
 * Uptime checks (issue: every routed URL is checked): Uptime Kuma runs the checks and shows
 * the status page; AutoKuma creates one check per routed app from the app's own container
 * labels (apps on Kuma's host) or from one monitor file per app (apps on the other hosts), so
 * adding an app adds its check and changes nothing else. Kuma's only login is seeded from a
 * generated secret, which AutoKuma uses too.
 */
import { ADMIN_PASSWORD_ENV, ADMIN_USER, adminPassword, setupHealth } from "./firstRun";
import { SOCKET_PROXY_URL } from "./infra";
import type { AppDefinition } from "./types";

export const UPTIME_KUMA_APP = "uptime-kuma";
export const AUTOKUMA_APP = "autokuma";
/** Kuma's HTTP and socket.io port (server/server.js@1.23.17: UPTIME_KUMA_PORT default). */
export const UPTIME_KUMA_PORT = 3001;
/** The login the seeded admin gets; AutoKuma logs in with it. */
export const UPTIME_KUMA_ADMIN = ADMIN_USER;
/** Label prefix AutoKuma reads monitors from: `kuma.<id>.<type>.<setting>`. */
export const AUTOKUMA_LABEL_PREFIX = "kuma";
/** Where AutoKuma reads the per-app monitor files of apps on other hosts. */
export const AUTOKUMA_STATIC_MONITORS = "/static-monitors";
/** Env AutoKuma reads the Kuma password from; filled from Kuma's generated secret. */
export const AUTOKUMA_PASSWORD_ENV = "AUTOKUMA__KUMA__PASSWORD";

/**
 * A socket.io client of Kuma's own API on loopback: the image ships socket.io-client as a
 * runtime dependency (package.json@1.23.17), and a client without an Origin header passes the
 * WebSocket origin check (server/uptime-kuma-server.js@1.23.17). Every script ends itself
 * within 20 s, inside the health check's 30 s timeout.
 */
const SOCKET = `require("/app/node_modules/socket.io-client")("http://127.0.0.1:${UPTIME_KUMA_PORT}",{transports:["websocket"],reconnection:false,timeout:10000})`;
const GUARDS = `setTimeout(()=>process.exit(3),20000);s.on("connect_error",()=>process.exit(2));`;

/** True once a user exists: Kuma's `needSetup` answers false (server/server.js@1.23.17). */
const ADMIN_EXISTS = `node -e 'const s=${SOCKET};${GUARDS}s.on("connect",()=>s.emit("needSetup",(n)=>process.exit(n?1:0)))'`;

/**
 * Kuma's own first-run `setup` event with the generated password, read from stdin (the shell
 * builtin `printf` writes it, so it is on no command line). Kuma refuses it once any user
 * exists, so an installation the owner already set up is left alone.
 */
const CREATE_ADMIN = `printf '%s' "$${ADMIN_PASSWORD_ENV}" | node -e 'let p="";process.stdin.on("data",(d)=>{p+=d}).on("end",()=>{const s=${SOCKET};${GUARDS}s.on("connect",()=>s.emit("setup","${UPTIME_KUMA_ADMIN}",p,(r)=>process.exit(r&&r.ok?0:1)))})'`;

export const uptimeKuma: AppDefinition = {
  name: UPTIME_KUMA_APP,
  profile: "observability",
  description: "Uptime Kuma: a check of every routed URL (created by AutoKuma) and the status page",
  image: { repository: "louislam/uptime-kuma", tag: "1.23.17" },
  contract: {
    user: "0:0",
    dropsTo: "owner",
    source: [
      "louislam/uptime-kuma docker/dockerfile@1.23.17",
      "louislam/uptime-kuma docker/debian-base.dockerfile@1.23.17 (node 18, curl, no jq)",
      "louislam/uptime-kuma extra/entrypoint.sh@1.23.17",
      "louislam/uptime-kuma package.json@1.23.17 (socket.io-client is a runtime dependency)",
    ],
    // The first socket.io `setup` event while no user exists creates the only user; Kuma has
    // no sign-up, so that user is the whole first run.
    firstRun: {
      admin: "seeded",
      secret: "adminPassword",
      user: UPTIME_KUMA_ADMIN,
      how: "the health check sends Kuma's own first-run `setup` event (user admin, the generated password) while `needSetup` is true",
      remaining: "",
      source: [
        "louislam/uptime-kuma server/server.js@1.23.17 (needSetup, the setup event, no user means setup)",
        "louislam/uptime-kuma server/uptime-kuma-server.js@1.23.17 (WebSocket origin check)",
      ],
    },
  },
  placement: "edge",
  // The entrypoint chowns /app/data to PUID/PGID and drops to them with setpriv.
  puid: true,
  route: {
    port: UPTIME_KUMA_PORT,
    subdomain: "status",
    auth: "two_factor",
    ownLogin: true,
    dashboard: { group: "Infrastructure", icon: "uptime-kuma.png", description: "Uptime" },
  },
  // Kuma's own probe (extra/healthcheck, built in docker/dockerfile@1.23.17), then the admin.
  health: setupHealth(
    { ready: "/app/extra/healthcheck", done: ADMIN_EXISTS, create: CREATE_ADMIN },
    180,
  ),
  volumes: [{ class: "config", target: "/app/data" }],
  secrets: [adminPassword()],
  tmpfs: { "/tmp": 64 },
  // Kuma's node process plus the health check's short-lived node client (same cgroup).
  memoryMb: 384,
};

export const autokuma: AppDefinition = {
  name: AUTOKUMA_APP,
  displayName: "AutoKuma",
  managedEnv: {
    prefixes: [
      "AUTOKUMA__KUMA__",
      "AUTOKUMA__DOCKER__",
      "AUTOKUMA__STATIC_MONITORS",
      "AUTOKUMA__DATA_PATH",
    ],
    reason:
      "Kuma's address and login, the Docker API and the monitor files are managed (generated secret, socket proxy)",
  },
  profile: "observability",
  description:
    "Creates the Uptime Kuma check of every routed app from its container labels and monitor files",
  // Tags `uptime-kuma-v1-<version>` are built with the `uptime-kuma-v1` feature, for Kuma 1.x.
  image: { repository: "ghcr.io/bigboot/autokuma", tag: "uptime-kuma-v1-2.0.0" },
  contract: {
    user: "0:0",
    source: [
      "BigBoot/AutoKuma Dockerfile@v2.0.0 (debian:trixie-slim, the autokuma binary only, AUTOKUMA_DOCKER=1)",
      "BigBoot/AutoKuma .github/workflows/docker-build-push.yml@v2.0.0 (uptime-kuma-v1- tag prefix)",
      "BigBoot/AutoKuma autokuma/src/config.rs and main.rs@v2.0.0 (AUTOKUMA__ env, label prefix, static monitors)",
      "BigBoot/AutoKuma autokuma/src/app_state.rs@v2.0.0 (data in /data under AUTOKUMA_DOCKER)",
      "BigBoot/AutoKuma autokuma/src/sources/docker_source.rs@v2.0.0 (GET /containers/json and /info)",
      "BigBoot/AutoKuma kuma-client/src/config.rs@v2.0.0 (kuma.url, kuma.username, kuma.password)",
    ],
  },
  placement: "edge",
  // It reaches Kuma by container name on the host's internal network.
  colocateWith: UPTIME_KUMA_APP,
  user: "owner",
  env: {
    AUTOKUMA__KUMA__URL: `http://${UPTIME_KUMA_APP}:${UPTIME_KUMA_PORT}`,
    AUTOKUMA__KUMA__USERNAME: UPTIME_KUMA_ADMIN,
    // Only the host's read-only socket proxy: it lists containers and reads /info, nothing else.
    AUTOKUMA__DOCKER__HOSTS: SOCKET_PROXY_URL,
    AUTOKUMA__DOCKER__LABEL_PREFIX: AUTOKUMA_LABEL_PREFIX,
    AUTOKUMA__STATIC_MONITORS: AUTOKUMA_STATIC_MONITORS,
    // A check whose app is gone is deleted after the default grace period (60 s).
    AUTOKUMA__ON_DELETE: "delete",
  },
  health: {
    none: "the image holds only the autokuma binary, which serves no port and has no status command",
  },
  volumes: [
    { class: "config", target: "/data", sub: "data" },
    { class: "config", target: AUTOKUMA_STATIC_MONITORS, sub: "static-monitors", readOnly: true },
  ],
  networks: ["internal", "socket"],
  tmpfs: { "/tmp": 16 },
  memoryMb: 64,
};
