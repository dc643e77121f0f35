/**
 * SABnzbd's first-start script, as the stack deploys it, run for real by busybox sh in a
 * chroot laid out like the container (linuxserver's `abc` user, /config, /run/secrets). Needs
 * root (chroot) and a static busybox (CI: `apt-get install -y busybox-static`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { container, run } from "../helpers/harness";

const SEED = "/custom-cont-init.d/50-homelab-sabnzbd-ini";
/** The owner's uid/gid in everything.yaml, which linuxserver gives its `abc` user. */
const OWNER = 1000;

interface Upload {
  file: string;
  content: string;
}

let script = "";
let apiKey = "";
let login = "";

beforeAll(async () => {
  const ev = await run("good/everything.yaml");
  if (ev.error) throw ev.error;
  const ups = (container(ev, "sabnzbd").inputs.uploads ?? []) as Upload[];
  script = ups.find((u) => u.file === SEED)?.content ?? "";
  apiKey = ups.find((u) => u.file === "/run/secrets/apiKey")?.content ?? "";
  // SABnzbd runs on `nas`, not the edge: its port is on the LAN, so it gets a login.
  login = ups.find((u) => u.file === "/run/secrets/loginPassword")?.content ?? "";
  expect(script).not.toBe("");
  expect(apiKey).not.toBe("");
  expect(login).not.toBe("");
});

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/** A container-like root: busybox as /bin/sh and its applets, `abc`, the uploaded files. */
function makeRoot(withKey = true): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "sabnzbd-seed-"));
  roots.push(root);
  for (const dir of ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "config", "run/secrets"])
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  fs.mkdirSync(path.join(root, path.dirname(SEED)), { recursive: true });
  fs.copyFileSync("/usr/bin/busybox", path.join(root, "bin/busybox"));
  fs.chmodSync(path.join(root, "bin/busybox"), 0o755);
  const install = spawnSync("chroot", [root, "/bin/busybox", "--install", "-s"], {
    encoding: "utf8",
  });
  if (install.error || install.status !== 0)
    throw new Error(
      `chroot with a static busybox failed (needs root and busybox-static): ${install.error?.message ?? install.stderr}`,
    );
  fs.writeFileSync(path.join(root, "etc/passwd"), `abc:x:${OWNER}:${OWNER}::/config:/bin/false\n`);
  fs.writeFileSync(path.join(root, "etc/group"), `abc:x:${OWNER}:\n`);
  fs.writeFileSync(path.join(root, SEED), script, { mode: 0o755 });
  if (withKey) fs.writeFileSync(path.join(root, "run/secrets/apiKey"), apiKey);
  fs.writeFileSync(path.join(root, "run/secrets/loginPassword"), login);
  return root;
}

/** linuxserver's init-custom-files runs each file with a shell, as root, before SABnzbd. */
function seed(root: string) {
  return spawnSync("chroot", [root, "/bin/sh", SEED], { encoding: "utf8" });
}

const ini = (root: string) => path.join(root, "config/sabnzbd.ini");

test("writes the first sabnzbd.ini: key and login in [misc], owned by abc, readable by it alone", () => {
  const root = makeRoot();
  const r = seed(root);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(fs.readFileSync(ini(root), "utf8")).toBe(
    [
      "[misc]",
      `api_key = ${apiKey}`,
      "username = admin",
      `password = ${login}`,
      "port = 8085",
      "host_whitelist = sabnzbd.home.example.com, sabnzbd",
      "inet_exposure = 4",
      "download_dir = /data/usenet/incomplete",
      "complete_dir = /data/usenet/complete",
      "cache_limit = 256M",
      // The *arr apps' categories, each into its folder below complete_dir; `*` must be kept,
      // or SABnzbd replaces the list with its defaults (sabnzbd/config.py@5.0.1).
      "[categories]",
      "[[*]]",
      "name = *",
      "order = 0",
      "pp = 3",
      "script = None",
      "priority = 0",
      "[[tv]]",
      "name = tv",
      "order = 1",
      "dir = tv",
      "[[movies]]",
      "name = movies",
      "order = 2",
      "dir = movies",
      "[[music]]",
      "name = music",
      "order = 3",
      "dir = music",
      "",
    ].join("\n"),
  );
  const st = fs.statSync(ini(root));
  expect([st.uid, st.gid]).toEqual([OWNER, OWNER]);
  expect(st.mode & 0o777).toBe(0o600);
  // Nothing half-written left next to it.
  expect(fs.readdirSync(path.join(root, "config"))).toEqual(["sabnzbd.ini"]);
});

test("never touches an existing sabnzbd.ini (the owner's edits survive every restart)", () => {
  const root = makeRoot();
  expect(seed(root).status).toBe(0);
  const edited = "[misc]\napi_key = changed-by-the-owner\nport = 9999\n";
  fs.writeFileSync(ini(root), edited);
  expect(seed(root).status).toBe(0);
  expect(fs.readFileSync(ini(root), "utf8")).toBe(edited);
});

test("leaves a missing sabnzbd.ini to SABnzbd when its backup is there to restore from", () => {
  const root = makeRoot();
  fs.writeFileSync(path.join(root, "config/sabnzbd.ini.bak"), "[misc]\nport = 9999\n");
  expect(seed(root).status).toBe(0);
  expect(fs.existsSync(ini(root))).toBe(false);
});

test("fails without the key file and writes no configuration with an empty key", () => {
  const root = makeRoot(false);
  const r = seed(root);
  expect(r.status).not.toBe(0);
  expect(fs.readdirSync(path.join(root, "config"))).toEqual([]);
});
