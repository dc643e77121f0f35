import { secret } from "./shared";
import type { AppDefinition } from "./types";

/**
 * Game and voice servers on the `games` class (NVMe tier by default). Their protocols are
 * UDP/TCP game traffic, not HTTP: every port is published on the host with its reason.
 */

export const teamspeakPorts = { voice: 9987, fileTransfer: 30033, query: 10011 } as const;
export const cs2Ports = { game: 27015, tv: 27020 } as const;

export const gameApps: readonly AppDefinition[] = [
  {
    name: "teamspeak",
    profile: "games",
    description: "TeamSpeak 3 voice server",
    image: { repository: "teamspeak", tag: "3.13.8" },
    contract: {
      user: "0:0",
      dropsTo: "9987:9987",
      source: [
        "docker-library/official-images library/teamspeak (3.13 Dockerfile and entrypoint.sh)",
        "docker-library/official-images library/teamspeak@37079fb336 (3.13.8 from TeamSpeak-Systems/teamspeak-linux-docker-images@e03f9a91)",
      ],
      // The first start prints a ServerAdmin privilege key to the log; whoever redeems it in
      // a client becomes the server's admin. The query port it could be reached by is closed.
      firstRun: {
        admin: "printed",
        remaining:
          "redeem the ServerAdmin privilege key from docker logs teamspeak (first start) in your client",
        source: [
          "TeamSpeak-Systems/teamspeak-linux-docker-images alpine/entrypoint.sh@e17fc2b (stored: no admin from env but the query password)",
        ],
      },
    },
    user: "owner",
    env: { TS3SERVER_LICENSE: "accept" },
    ports: [
      {
        container: teamspeakPorts.voice,
        host: teamspeakPorts.voice,
        protocol: "udp",
        reason: "TeamSpeak voice traffic (UDP)",
      },
      {
        container: teamspeakPorts.fileTransfer,
        host: teamspeakPorts.fileTransfer,
        protocol: "tcp",
        reason: "TeamSpeak file transfers and avatars (TCP)",
      },
    ],
    // ServerQuery (10011) answers inside the container; it stays unpublished.
    health: {
      test: ["CMD-SHELL", `nc -z 127.0.0.1 ${teamspeakPorts.query}`],
      startPeriodSeconds: 30,
    },
    volumes: [{ class: "games", target: "/var/ts3server" }],
    // The entrypoint writes its ini files here on every start (image-owned, not uid 1000).
    tmpfs: { "/var/run/ts3server": 1 },
    memoryMb: 256,
  },
  {
    name: "cs2",
    profile: "games",
    description: "Counter-Strike 2 dedicated server (SteamCMD keeps the game files current)",
    image: { repository: "joedwards32/cs2", tag: "3.0.9" },
    contract: {
      user: "1000:1000",
      source: ["joedwards32/CS2 bookworm/Dockerfile@v3.0.9"],
      // The image's RCON password is `changeme` unless CS2_RCONPW is set, and RCON shares the
      // published game port (TCP). The entrypoint passes it to the server on its command line
      // (`+rcon_password`), where users of the host can read it; it cannot be given otherwise.
      firstRun: {
        admin: "seeded",
        secret: "rconPassword",
        how: "CS2_RCONPW, written into server.cfg and passed as +rcon_password",
        // entry.sh adds `+sv_password` only when CS2_PW is set (the image sets no default).
        remaining:
          "anyone who reaches port 27015 can join: for a join password set homelab:apps.cs2.env.CS2_PW",
        source: [
          "joedwards32/CS2 bookworm/Dockerfile@v3.0.9",
          "joedwards32/CS2 bookworm/etc/entry.sh@v3.0.9 (CS2_PW → +sv_password)",
        ],
      },
    },
    // The image's steam user is uid 1000; the owner's uid owns the game directory.
    user: "owner",
    env: {
      CS2_SERVERNAME: "homelab",
      CS2_PORT: String(cs2Ports.game),
      TV_PORT: String(cs2Ports.tv),
      CS2_LAN: "0",
    },
    secrets: [secret("rconPassword", "CS2_RCONPW", 32, true)],
    ports: [
      {
        container: cs2Ports.game,
        host: cs2Ports.game,
        protocol: "udp",
        reason: "CS2 game traffic (UDP)",
      },
      { container: cs2Ports.game, host: cs2Ports.game, protocol: "tcp", reason: "CS2 RCON (TCP)" },
      {
        container: cs2Ports.tv,
        host: cs2Ports.tv,
        protocol: "udp",
        reason: "CSTV spectators (UDP)",
      },
    ],
    health: {
      none: "a Source 2 server answers only game-protocol UDP queries; no client in the image",
    },
    // About 60 GB of game files: the NVMe tier keeps map loads short.
    volumes: [{ class: "games", target: "/home/steam/cs2-dedicated" }],
    exceptions: {
      writableRoot: "SteamCMD updates itself below /home/steam/steamcmd on every start",
    },
    memoryMb: 4096,
  },
];
