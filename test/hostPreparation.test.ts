import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileScript } from "../hosts/hostFile";
import { directoriesScript } from "../plan/directories";

// The generated preparation scripts, run for real with sh against a temporary directory.
const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

function sh(script: string): void {
  const file = join(mkdtempSync(join(tmpdir(), "prep-")), "script.sh");
  writeFileSync(file, script);
  execFileSync("sh", [file], { stdio: "pipe" });
}

describe("host preparation scripts", () => {
  it("create every directory with owner and mode, and run again without change or loss", () => {
    const root = mkdtempSync(join(tmpdir(), "tiers-"));
    const script = directoriesScript(
      [
        { source: `${root}/ssd/config/sonarr`, class: "config" },
        { source: `${root}/hdd/data/media`, class: "data" },
      ],
      owner,
    );
    sh(script);
    writeFileSync(`${root}/ssd/config/sonarr/config.xml`, "<Config/>");
    sh(script);
    expect(statSync(`${root}/ssd/config/sonarr`).mode & 0o7777).toBe(0o750);
    expect(statSync(`${root}/hdd/data/media`).mode & 0o7777).toBe(0o2775);
    expect(statSync(`${root}/ssd/config/sonarr`).uid).toBe(owner.uid);
    expect(readFileSync(`${root}/ssd/config/sonarr/config.xml`, "utf8")).toBe("<Config/>");
  });

  it("write a route file atomically with owner and mode 0640, replacing the previous content", () => {
    const dir = mkdtempSync(join(tmpdir(), "dynamic-"));
    const path = join(dir, "app-jellyfin.yml");
    const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
    sh(writeFileScript(path, b64("http: {}\n"), owner));
    sh(writeFileScript(path, b64("http:\n  routers: {}\n"), owner));
    expect(readFileSync(path, "utf8")).toBe("http:\n  routers: {}\n");
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(() => statSync(`${path}.tmp`)).toThrow();
  });
});
