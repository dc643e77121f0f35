/**
 * SABnzbd, the opt-in Usenet client: off unless enabled, on the data host with /data/usenet
 * only, routed behind two-factor SSO, its API key generated, secret, and seeded into its first
 * sabnzbd.ini by a script that agrees with the route, the published port and the health check.
 */
import { parse } from "yaml";
import { ConfigError } from "../../config/errors";
import type { RegisteredResource } from "../../scripts/evaluate";
import {
  container,
  containers,
  labelsOf,
  run,
  runCached,
  stackConfig,
  withConfig,
  hostFileContent,
} from "../helpers/harness";
import { everythingWithMediaOnEdge } from "./mediaOnEdge";

const EVERYTHING = "good/everything.yaml";
const SEED = "/custom-cont-init.d/50-homelab-sabnzbd-ini";

interface Volume {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}
interface Upload {
  file: string;
  content: string;
  permissions?: string;
}

const volumes = (c: RegisteredResource) => (c.inputs.volumes ?? []) as Volume[];
const uploads = (c: RegisteredResource) => (c.inputs.uploads ?? []) as Upload[];

function upload(c: RegisteredResource, file: string): Upload {
  const found = uploads(c).find((u) => u.file === file);
  if (!found) throw new Error(`${c.name}: no upload ${file}`);
  return found;
}

/** The ini lines the seed script writes verbatim (its quoted heredoc). */
function seededIni(script: string): string[] {
  const m = /<<'INI'\n([\s\S]*?)\nINI\n/.exec(script);
  if (!m) throw new Error("no seeded ini in the script");
  return m[1].split("\n");
}

function keyValues(lines: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    lines.map((line) => {
      const [key, ...rest] = line.split(" = ");
      return [key, rest.join(" = ")];
    }),
  );
}

/** The [misc] settings: the lines before the first section header. */
function seededSettings(script: string): Record<string, string> {
  const lines = seededIni(script);
  const end = lines.findIndex((l) => l.startsWith("["));
  return keyValues(end < 0 ? lines : lines.slice(0, end));
}

/** ConfigObj's `[categories]` subsections (`[[name]]`), each as key → value. */
function seededCategories(script: string): Record<string, Record<string, string>> {
  const lines = seededIni(script);
  const start = lines.indexOf("[categories]");
  if (start < 0) return {};
  const cats: Record<string, Record<string, string>> = {};
  let current: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const head = /^\[\[(.+)\]\]$/.exec(line);
    if (head) cats[head[1]] = keyValues((current = []));
    else if (line.startsWith("[")) break;
    else {
      current.push(line);
      cats[Object.keys(cats).at(-1) ?? ""] = keyValues(current);
    }
  }
  return cats;
}

describe("SABnzbd is opt-in", () => {
  it("is not deployed by the media profile alone", async () => {
    const ev = await runCached("prod");
    expect(ev.error).toBeUndefined();
    // The media profile is on in prod (qBittorrent runs), SABnzbd is not.
    expect(containers(ev).some((c) => c.name === "qbittorrent-container")).toBe(true);
    expect(containers(ev).some((c) => c.name === "sabnzbd-container")).toBe(false);
    expect(ev.resources.some((r) => r.name === "sabnzbd-apiKey")).toBe(false);
    expect(ev.outputs.generatedSecrets).not.toHaveProperty(["sabnzbd.apiKey"]);
  });

  it("is deployed once homelab:apps.sabnzbd.enabled is true", async () => {
    const ev = await runCached(EVERYTHING);
    expect(ev.error).toBeUndefined();
    expect(labelsOf(container(ev, "sabnzbd"))["homelab.profile"]).toBe("media");
  });
});

describe("SABnzbd on the shared /data tree (everything.yaml: the tree is on nas, hdd /mnt/storage)", () => {
  it("sees /data/usenet only, at the same path as on the host, and its config on SSD", async () => {
    const ev = await runCached(EVERYTHING);
    expect(volumes(container(ev, "sabnzbd"))).toEqual([
      { hostPath: "/mnt/ssd/config/sabnzbd", containerPath: "/config", readOnly: false },
      { hostPath: "/mnt/storage/data/usenet", containerPath: "/data/usenet", readOnly: false },
    ]);
  });

  it("runs on the host of the tree, next to the apps that import its downloads", async () => {
    const ev = await runCached(EVERYTHING);
    expect(labelsOf(container(ev, "sabnzbd"))["homelab.host"]).toBe("nas");
    expect(labelsOf(container(ev, "sonarr"))["homelab.host"]).toBe("nas");
    // Sonarr's /data holds SABnzbd's /data/usenet: one filesystem, so imports are hardlinks.
    expect(volumes(container(ev, "sonarr"))).toContainEqual({
      hostPath: "/mnt/storage/data",
      containerPath: "/data",
      readOnly: false,
    });
  });

  it("finds TRaSH's incomplete and complete folders created, group-writable, before it starts", async () => {
    const ev = await runCached(EVERYTHING);
    const tree = ev.resources.find((r) => r.name === "media-data-tree-mkdir");
    const script = String(tree?.inputs.create);
    for (const dir of [
      "/mnt/storage/data/usenet",
      "/mnt/storage/data/usenet/incomplete",
      "/mnt/storage/data/usenet/complete",
      "/mnt/storage/data/usenet/complete/movies",
      "/mnt/storage/data/usenet/complete/tv",
      "/mnt/storage/data/usenet/complete/music",
    ])
      expect(script).toContain(`install -d -m 2775 -o 1000 -g 1000 '${dir}'`);
    expect(container(ev, "sabnzbd").dependencies).toContain(tree?.urn);
    // Files it writes stay group-writable for the importers.
    expect(container(ev, "sabnzbd").inputs.envs).toContain("UMASK=002");
  });

  it("is refused on another host than the tree, naming the key, with nothing registered", async () => {
    const ev = await run(
      withConfig(stackConfig(EVERYTHING), (c) => {
        const apps = c["homelab:apps"] as Record<string, Record<string, unknown>>;
        apps.sabnzbd = { enabled: true, host: "forge" };
        // Sonarr pinned to the tree's host, so the stack cannot follow SABnzbd to forge.
        apps.sonarr = { host: "nas" };
      }),
    );
    expect(ev.error).toBeInstanceOf(ConfigError);
    expect((ev.error as ConfigError).issues.map((i) => i.key)).toEqual([
      "homelab:apps.sabnzbd.host",
    ]);
    expect(ev.resources).toEqual([]);
  });
});

describe("SABnzbd's network: no VPN, reached through the proxy", () => {
  it("has its own network (proxy, which routes out), not Gluetun's namespace", async () => {
    const ev = await runCached(EVERYTHING);
    const sab = container(ev, "sabnzbd");
    expect(sab.inputs.networkMode).toBe("bridge");
    expect(sab.inputs.networksAdvanced).toEqual([{ name: "proxy", aliases: ["sabnzbd"] }]);
  });

  it("is routed at sabnzbd.<domain> behind Authelia with two factors", async () => {
    const ev = await runCached(EVERYTHING);
    expect((ev.outputs.urls as Record<string, string>).sabnzbd).toBe(
      "https://sabnzbd.home.example.com",
    );
    // nas is not the edge: the edge proxy reaches it on nas's LAN address, port 8085.
    const route = parse(hostFileContent(ev, "core-route-sabnzbd")) as {
      http: {
        routers: Record<string, { rule: string; middlewares: string[] }>;
        services: Record<string, { loadBalancer: { servers: { url: string }[] } }>;
      };
    };
    expect(route.http.routers.sabnzbd.rule).toBe("Host(`sabnzbd.home.example.com`)");
    expect(route.http.routers.sabnzbd.middlewares).toContain("authelia@file");
    expect(route.http.services.sabnzbd.loadBalancer.servers).toEqual([
      { url: "http://10.0.10.3:8085" },
    ]);
    expect(container(ev, "sabnzbd").inputs.ports).toEqual([
      { internal: 8085, external: 8085, protocol: "tcp", ip: "10.0.10.3" },
    ]);
    // No bypass and no one-factor rule: the catch-all two-factor rule for admins applies.
    const authelia = upload(container(ev, "authelia"), "/etc/authelia/configuration.yml");
    const rules = (
      parse(authelia.content) as {
        access_control: { rules: { domain: string[]; policy: string; subject?: string[] }[] };
      }
    ).access_control.rules;
    expect(rules.filter((r) => r.domain.includes("sabnzbd.home.example.com"))).toEqual([]);
    expect(rules[rules.length - 1]).toEqual({
      domain: ["*.home.example.com"],
      subject: ["group:admins"],
      policy: "two_factor",
    });
  });
});

describe("SABnzbd's API key and first configuration", () => {
  it("generates a protected 32-character key, uploaded and exported only as a secret", async () => {
    const ev = await runCached(EVERYTHING);
    const random = ev.resources.find((r) => r.name === "sabnzbd-apiKey");
    expect(random?.inputs).toMatchObject({ length: 32, special: false });
    expect(random?.protect).toBe(true);
    const sab = container(ev, "sabnzbd");
    const key = upload(sab, "/run/secrets/apiKey");
    const at = uploads(sab).indexOf(key);
    expect(sab.secretPaths).toContain(`uploads.${at}.content`);
    const generated = ev.outputs.generatedSecrets as Record<string, string>;
    expect(generated["sabnzbd.apiKey"]).toBe(key.content);
    // Neither in a label, nor in env, nor in the (plain) seed script.
    expect(Object.values(labelsOf(sab)).join("\n")).not.toContain(key.content);
    expect((sab.inputs.envs as string[]).join("\n")).not.toContain(key.content);
    expect(upload(sab, SEED).content).not.toContain(key.content);
  });

  it("seeds an executable first-start script that writes the key and the folders SABnzbd needs", async () => {
    const ev = await runCached(EVERYTHING);
    const sab = container(ev, "sabnzbd");
    const seed = upload(sab, SEED);
    expect(seed.permissions).toBe("0755");
    expect(seed.content).toContain('key="$(cat /run/secrets/apiKey)"');
    expect(seededSettings(seed.content)).toEqual({
      port: "8085",
      host_whitelist: "sabnzbd.home.example.com, sabnzbd",
      inet_exposure: "4",
      download_dir: "/data/usenet/incomplete",
      complete_dir: "/data/usenet/complete",
      cache_limit: "256M",
    });
  });

  it("knows the categories the *arr apps send, each completing into its own folder", async () => {
    const ev = await runCached(EVERYTHING);
    const cats = seededCategories(upload(container(ev, "sabnzbd"), SEED).content);
    // The *arr apps' download clients name these categories (test/wiring/media.test.ts).
    expect(cats.tv.dir).toBe("tv");
    expect(cats.movies.dir).toBe("movies");
    expect(cats.music.dir).toBe("music");
    // SABnzbd replaces a category list without `*` with its own folderless defaults.
    expect(cats["*"]).toMatchObject({ name: "*", pp: "3", script: "None" });
    expect(Object.keys(cats).sort()).toEqual(["*", "movies", "music", "tv"]);
  });

  it("listens where the health check, the published port and the route look", async () => {
    const ev = await runCached(EVERYTHING);
    const sab = container(ev, "sabnzbd");
    const port = seededSettings(upload(sab, SEED).content).port;
    expect((sab.inputs.healthcheck as { tests: string[] }).tests).toEqual([
      "CMD",
      "curl",
      "-fsS",
      "-o",
      "/dev/null",
      `http://localhost:${port}/api?mode=version`,
    ]);
    expect((sab.inputs.ports as { internal: number }[]).map((p) => String(p.internal))).toEqual([
      port,
    ]);
    // qBittorrent's Web UI keeps 8080 on the same host.
    expect((container(ev, "gluetun").inputs.ports as { external: number }[])[0].external).toBe(
      8080,
    );
  });

  it("follows the subdomain and memory the owner sets", async () => {
    const ev = await run(
      withConfig(stackConfig(EVERYTHING), (c) => {
        const apps = c["homelab:apps"] as Record<string, Record<string, unknown>>;
        apps.sabnzbd = { enabled: true, subdomain: "usenet", memoryMb: 2048 };
      }),
    );
    expect(ev.error).toBeUndefined();
    const settings = seededSettings(upload(container(ev, "sabnzbd"), SEED).content);
    expect(settings.host_whitelist).toBe("usenet.home.example.com, sabnzbd");
    expect(settings.cache_limit).toBe("512M");
  });
});

describe("SABnzbd's own login", () => {
  it("is admin with the exported loginPassword off the edge, where its port is on the LAN", async () => {
    const ev = await runCached(EVERYTHING);
    const c = container(ev, "sabnzbd");
    // [misc] lines the script echoes before its literal part (run for real in
    // sabnzbd-seed.lab.test.ts); the password is read from the secret file at start.
    const script = upload(c, SEED).content;
    expect(script).toContain(`login="$(cat /run/secrets/loginPassword)"`);
    expect(script).toContain("echo 'username = admin'");
    expect(script).toContain('echo "password = $login"');
    expect(upload(c, "/run/secrets/loginPassword").content).toBe(
      (ev.outputs.generatedSecrets as Record<string, string>)["sabnzbd.loginPassword"],
    );
  });

  it("is none on the edge, where Authelia is its login and no port is published", async () => {
    const ev = await run(everythingWithMediaOnEdge());
    expect(ev.error).toBeUndefined();
    const script = upload(container(ev, "sabnzbd"), SEED).content;
    expect(script).not.toContain("username");
    expect(script).not.toContain("loginPassword");
    expect(script).toContain('echo "api_key = $key"');
  });
});
