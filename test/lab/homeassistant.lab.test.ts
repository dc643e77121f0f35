/**
 * Home Assistant's start script run for real by busybox sh (the image is Alpine, whose /bin/sh
 * is busybox ash): it gives Home Assistant its proxy settings without taking the owner's
 * configuration.yaml away from them.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { HA_HTTP_FILE, homeAssistantStartScript } from "../../plan/homeAssistant";

const SEED = "use_x_forwarded_for: true\ntrusted_proxies:\n  - 10.0.10.2/32\n";

/** A fresh /config and the uploaded seed, in a temporary directory. */
function setup(): { dir: string; seed: string; script: string } {
  const root = mkdtempSync(join(tmpdir(), "ha-start-"));
  const dir = join(root, "config");
  spawnSync("mkdir", [dir]);
  const seed = join(root, "http.yaml");
  writeFileSync(seed, SEED);
  const script = join(root, "start.sh");
  writeFileSync(script, homeAssistantStartScript(dir, seed));
  return { dir, seed, script };
}

/** Runs the script as s6-overlay's cont-init does, before Home Assistant starts. */
function start(script: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("busybox", ["sh", script], { encoding: "utf8" });
  if (r.error) throw new Error(`busybox is not installed: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");

describe("Home Assistant's start script", () => {
  it("on the first start writes Home Assistant's default configuration, which includes the proxy settings", () => {
    const { dir, script } = setup();
    const r = start(script);
    expect(r.status).toBe(0);
    const conf = read(dir, "configuration.yaml");
    expect(conf).toContain("default_config:");
    expect(conf).toMatch(/^http: !include homelab_http\.yaml$/m);
    expect(parse(read(dir, HA_HTTP_FILE))).toEqual({
      use_x_forwarded_for: true,
      trusted_proxies: ["10.0.10.2/32"],
    });
    // The include files Home Assistant's default configuration names exist, as HA writes them.
    expect(read(dir, "automations.yaml").trim()).toBe("[]");
    for (const f of ["scripts.yaml", "scenes.yaml"]) expect(existsSync(join(dir, f))).toBe(true);
  });

  it("adds the include once to an owner's configuration without http:, keeping every line of it", () => {
    const { dir, script } = setup();
    const own = "homeassistant:\n  name: Home\nautomation: !include automations.yaml\n";
    writeFileSync(join(dir, "configuration.yaml"), own);
    expect(start(script).status).toBe(0);
    expect(start(script).status).toBe(0);
    const conf = read(dir, "configuration.yaml");
    expect(conf.startsWith(own)).toBe(true);
    expect(conf.match(/^http:/gm)).toHaveLength(1);
  });

  it("leaves a configuration with its own http: section untouched, and says so", () => {
    const { dir, script } = setup();
    const own = "default_config:\nhttp:\n  server_port: 8123\n";
    writeFileSync(join(dir, "configuration.yaml"), own);
    const r = start(script);
    expect(r.status).toBe(0);
    expect(read(dir, "configuration.yaml")).toBe(own);
    expect(r.stderr).toMatch(/own http: section/);
  });

  it("rewrites the proxy settings on every start, so they follow the stack", () => {
    const { dir, seed, script } = setup();
    expect(start(script).status).toBe(0);
    writeFileSync(seed, "use_x_forwarded_for: true\ntrusted_proxies:\n  - 172.16.0.0/12\n");
    expect(start(script).status).toBe(0);
    expect(parse(read(dir, HA_HTTP_FILE))).toEqual({
      use_x_forwarded_for: true,
      trusted_proxies: ["172.16.0.0/12"],
    });
  });
});
