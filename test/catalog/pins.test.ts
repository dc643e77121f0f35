/**
 * Image pins. Every image the program deploys is pinned to a tag that names one build (or to a
 * digest), and Renovate's custom manager (renovate.json5) finds every pin exactly once with the
 * image and version the program uses, so no pin silently stops being kept current. The
 * registry check (.github/workflows/images.yml) reads scripts/images.ts, which must list every
 * image the program deploys.
 *
 * Renovate compiles each `matchStrings` entry as a JavaScript regex with the `g` flag and
 * collects every match ("Renovate supports the ECMAScript (JavaScript) flavor of regex",
 * docs.renovatebot.com/modules/manager/regex; `handleAny` in
 * renovatebot/renovate lib/modules/manager/custom/regex/strategies.ts), so applying the same
 * strings with `new RegExp(source, "g")` here extracts what Renovate extracts.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseJson5 } from "json5";
import { CATALOG } from "../../catalog";
import { deployableImages } from "../../scripts/images";
import { ROOT, goodStacks, ofType, runCached } from "../helpers/harness";

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

interface RegexManager {
  filePatterns: RegExp[];
  matchStrings: string[];
  datasource: string | undefined;
}

interface PackageRule {
  packageNames: string[];
  versioning: string | undefined;
  enabled: boolean | undefined;
}

const CONFIG: Obj = (() => {
  const parsed: unknown = parseJson5(readFileSync(join(ROOT, "renovate.json5"), "utf8"));
  if (!isObj(parsed)) throw new Error("renovate.json5 is not an object");
  return parsed;
})();

/** `managerFilePatterns` entries in their `/regex/` form (Renovate also takes globs; we do not). */
function filePattern(pattern: string): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/.exec(pattern);
  if (!m) throw new Error(`managerFilePatterns entry ${pattern} is not a /regex/`);
  return new RegExp(m[1], m[2]);
}

const MANAGERS: RegexManager[] = (Array.isArray(CONFIG.customManagers) ? CONFIG.customManagers : [])
  .filter(isObj)
  .filter((m) => m.customType === "regex")
  .map((m) => ({
    filePatterns: strings(m.managerFilePatterns).map(filePattern),
    matchStrings: strings(m.matchStrings),
    datasource: typeof m.datasourceTemplate === "string" ? m.datasourceTemplate : undefined,
  }));

const RULES: PackageRule[] = (Array.isArray(CONFIG.packageRules) ? CONFIG.packageRules : [])
  .filter(isObj)
  .map((r) => ({
    packageNames: strings(r.matchPackageNames),
    versioning: typeof r.versioning === "string" ? r.versioning : undefined,
    enabled: typeof r.enabled === "boolean" ? r.enabled : undefined,
  }));

/** Repository files, relative and with `/`, the way Renovate matches managerFilePatterns. */
function repoFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory())
      return [".git", "node_modules", "bin", "out", "coverage"].includes(e.name)
        ? []
        : repoFiles(join(dir, e.name));
    return [relative(ROOT, join(dir, e.name)).split("\\").join("/")];
  });
}

interface Dep {
  file: string;
  depName: string;
  currentValue: string;
  currentDigest: string | undefined;
  start: number;
  end: number;
}

/** What Renovate extracts from one file's text: every match of every match string. */
function extract(file: string, text: string, managers: RegexManager[]): Dep[] {
  return managers
    .filter((m) => m.filePatterns.some((p) => p.test(file)))
    .flatMap((m) => m.matchStrings)
    .flatMap((source) =>
      [...text.matchAll(new RegExp(source, "g"))].map((match) => ({
        file,
        depName: match.groups?.depName ?? "",
        currentValue: match.groups?.currentValue ?? "",
        currentDigest: match.groups?.currentDigest,
        start: match.index,
        end: match.index + match[0].length,
      })),
    );
}

/**
 * Offsets of the pins written in a catalog file: every `repository:` key with a value (the
 * AppDefinition type's `repository: string` is a declaration, not a pin). Found without the
 * manager's regex, so a pin written in a shape the manager does not know shows up as a site
 * no match covers.
 */
function pinSites(text: string): number[] {
  const built = new Set(builtImageSites(text));
  return [...text.matchAll(/\brepository:(?!\s*string\b)/g)]
    .map((m) => m.index)
    .filter((i) => !built.has(i));
}

/**
 * Offsets of images built on their host (`{ repository, tag, build: ... }`): the name is only
 * the local tag of the build, in no registry, so the manager must not take it for a pin.
 */
function builtImageSites(text: string): number[] {
  return [...text.matchAll(/\brepository:\s*"[^"]+",\s*tag:\s*"[^"]+",\s*build:/g)].map(
    (m) => m.index,
  );
}

/** Pin sites of a text that no extracted dependency, or more than one, covers. */
function badlyCovered(text: string, deps: Dep[]): { offset: number; matches: number }[] {
  return pinSites(text)
    .map((offset) => ({
      offset,
      matches: deps.filter((d) => d.start <= offset && offset < d.end).length,
    }))
    .filter((s) => s.matches !== 1);
}

const FILES = repoFiles();
const MANAGED = FILES.filter((f) => MANAGERS.some((m) => m.filePatterns.some((p) => p.test(f))));
const DEPS = MANAGED.flatMap((f) => extract(f, readFileSync(join(ROOT, f), "utf8"), MANAGERS));

function reference(d: Pick<Dep, "depName" | "currentValue" | "currentDigest">): string {
  return `${d.depName}:${d.currentValue}${d.currentDigest ? `@${d.currentDigest}` : ""}`;
}

const CATALOG_REFS = new Set(
  [...CATALOG.values()]
    .filter((d) => !d.image.build)
    .map((d) => `${d.image.repository}:${d.image.tag}`),
);

const BUILT = [...CATALOG.values()].filter((d) => d.image.build);

/** The versioning Renovate applies to an image: the last matching rule's, else docker's. */
function ruleFor(depName: string): { versioning: string; enabled: boolean } {
  let versioning = "docker";
  let enabled = true;
  for (const r of RULES.filter((rule) => rule.packageNames.includes(depName))) {
    versioning = r.versioning ?? versioning;
    enabled = r.enabled ?? enabled;
  }
  return { versioning, enabled };
}

/**
 * Renovate's docker versioning (lib/modules/versioning/docker/index.ts `_parse`): a leading
 * `v` dropped, the part before the first `-` must be numbers with dots and an optional word,
 * and the rest is a suffix that an update must keep. Null when the tag is not a version.
 */
function dockerParse(tag: string): { release: number[]; suffix: string } | null {
  if (/^[a-f0-9]{7,40}$/.test(tag) && !/^[0-9]+$/.test(tag)) return null;
  const [prefix, ...suffix] = tag.replace(/^v/, "").split("-");
  const m = /^(?<version>\d+(?:\.\d+)*)(?<prerelease>\w*)$/.exec(prefix);
  if (!m?.groups) return null;
  return { release: m.groups.version.split(".").map(Number), suffix: suffix.join("-") };
}

/** Tag names that move to whatever is built next: a pin never names one without a digest. */
const FLOATING_NAMES = [
  "latest",
  "stable",
  "edge",
  "nightly",
  "dev",
  "develop",
  "main",
  "master",
  "release",
  "rolling",
  "beta",
];

/**
 * Images whose publisher re-points every version tag at each rebuild and publishes nothing
 * immutable, with no digest found cited: documented in docs/pins.md ("Floating pins").
 */
const FLOATING_EXCEPTIONS = ["crazymax/fail2ban"];

describe("renovate.json5", () => {
  it("has one regex manager for the catalog, with the docker datasource", () => {
    expect(MANAGERS).toHaveLength(1);
    expect(MANAGERS[0].datasource).toBe("docker");
    expect(MANAGED.filter((f) => f.startsWith("catalog/")).length).toBeGreaterThan(10);
    expect(MANAGED.every((f) => /^catalog\/[^/]+\.ts$/.test(f))).toBe(true);
  });

  it("uses only regex features RE2 runs: no lookaround, no backreferences", () => {
    const sources = [
      ...MANAGERS.flatMap((m) => m.matchStrings),
      ...RULES.flatMap((r) => (r.versioning?.startsWith("regex:") ? [r.versioning.slice(6)] : [])),
    ];
    expect(sources.length).toBeGreaterThan(1);
    for (const s of sources) {
      expect([s, /\(\?<?[=!]/.test(s)]).toEqual([s, false]);
      expect([s, /\\[1-9]|\\k</.test(s)]).toEqual([s, false]);
    }
  });

  it("finds every pin written in the catalog exactly once", () => {
    const sites = MANAGED.flatMap((f) => pinSites(readFileSync(join(ROOT, f), "utf8")));
    expect(sites.length).toBeGreaterThan(0);
    for (const f of MANAGED) {
      const text = readFileSync(join(ROOT, f), "utf8");
      const bad = badlyCovered(
        text,
        DEPS.filter((d) => d.file === f),
      ).map((s) => `${f}:${text.slice(0, s.offset).split("\n").length} (${s.matches} matches)`);
      expect(bad).toEqual([]);
    }
  });

  it("would report a pin written in a shape it does not know", () => {
    const text = [
      'const A = { repository: "example/a", tag: "1.2.3" } as const;',
      'const B = { tag: "4.5.6", repository: "example/b" } as const;',
      "const C = { repository: `example/${name}`, tag };",
    ].join("\n");
    const deps = extract("catalog/example.ts", text, MANAGERS);
    expect(deps.map(reference)).toEqual(["example/a:1.2.3"]);
    expect(badlyCovered(text, deps)).toHaveLength(2);
  });

  it("extracts each image the program uses with its exact name, tag and digest", () => {
    expect(new Set(DEPS.map(reference))).toEqual(CATALOG_REFS);
  });

  it("takes no image built on its host for a registry pin", () => {
    expect(BUILT.map((d) => d.name)).toEqual(["ros"]);
    const sites = MANAGED.flatMap((f) => builtImageSites(readFileSync(join(ROOT, f), "utf8")));
    expect(sites).toHaveLength(BUILT.length);
    const names = new Set(DEPS.map((d) => d.depName));
    for (const d of BUILT) expect([d.name, names.has(d.image.repository)]).toEqual([d.name, false]);
  });

  it("has one pin per image, so two places never disagree on an image's version", () => {
    const names = DEPS.map((d) => d.depName);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it("gives every pin a versioning that reads its tag", () => {
    for (const d of DEPS) {
      const { versioning } = ruleFor(d.depName);
      if (versioning.startsWith("regex:")) {
        const m = new RegExp(versioning.slice(6)).exec(d.currentValue);
        expect([d.depName, m !== null]).toEqual([d.depName, true]);
        const groups = m?.groups ?? {};
        expect([d.depName, ["major", "minor", "patch"].some((g) => groups[g])]).toEqual([
          d.depName,
          true,
        ]);
      } else if (d.currentDigest === undefined) {
        expect([d.depName, versioning, dockerParse(d.currentValue) !== null]).toEqual([
          d.depName,
          "docker",
          true,
        ]);
      }
    }
  });

  it("orders linuxserver.io images by their -ls build number", () => {
    const lsio = DEPS.filter((d) => d.depName.startsWith("lscr.io/"));
    expect(lsio.length).toBeGreaterThan(5);
    for (const d of lsio) {
      const { versioning } = ruleFor(d.depName);
      expect([d.depName, versioning.startsWith("regex:")]).toEqual([d.depName, true]);
      const build = /-ls(\d+)$/.exec(d.currentValue)?.[1];
      const groups = new RegExp(versioning.slice(6)).exec(d.currentValue)?.groups ?? {};
      // The build number is a version part, so a rebuild is an update.
      const parts = ["major", "minor", "patch", "build", "revision"].filter(
        (g) => groups[g] === build,
      );
      expect([d.depName, parts.length > 0]).toEqual([d.depName, true]);
    }
  });
});

describe("image pins", () => {
  it("name one build: no floating tag without a digest", () => {
    for (const d of DEPS) {
      if (d.currentDigest !== undefined) continue;
      expect([d.depName, FLOATING_NAMES.includes(d.currentValue.toLowerCase())]).toEqual([
        d.depName,
        false,
      ]);
    }
  });

  it("pin digests as sha256 and only beside a tag", () => {
    const digests = DEPS.filter((d) => d.currentDigest !== undefined);
    expect(digests.map((d) => d.depName)).toEqual(["organizr/organizr"]);
    for (const d of digests) expect(d.currentDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("name a linuxserver.io build (-ls<N>), not the moving version alias", () => {
    const lsio = DEPS.filter((d) => d.depName.startsWith("lscr.io/linuxserver/"));
    for (const d of lsio)
      expect([d.depName, d.currentValue]).toEqual([d.depName, expect.stringMatching(/-ls\d+$/)]);
  });

  it("list exactly the documented floating exceptions in docs/pins.md", () => {
    const doc = readFileSync(join(ROOT, "docs", "pins.md"), "utf8");
    const section = doc.split(/^## /m).find((s) => s.startsWith("Floating pins")) ?? "";
    const listed = [...section.matchAll(/^\|\s*`([^`]+):[^`]+`\s*\|/gm)].map((m) => m[1]);
    expect(listed).toEqual(FLOATING_EXCEPTIONS);
    for (const name of FLOATING_EXCEPTIONS) expect(DEPS.map((d) => d.depName)).toContain(name);
  });

  it("document every pin Renovate does not update", () => {
    const doc = readFileSync(join(ROOT, "docs", "pins.md"), "utf8");
    const manual = DEPS.filter((d) => !ruleFor(d.depName).enabled).map((d) => d.depName);
    expect(manual).toEqual(["lscr.io/linuxserver/duckdns"]);
    for (const name of manual) expect(doc).toContain(`\`${name}:`);
  });
});

describe("scripts/images.ts", () => {
  const listed = new Set(deployableImages());

  it("lists every catalog pin", () => {
    for (const ref of CATALOG_REFS) expect([ref, listed.has(ref)]).toEqual([ref, true]);
  });

  it.each(goodStacks())("lists every image %s deploys", async (stack) => {
    const ev = await runCached(stack);
    const pulled = ofType(ev, "docker:index/remoteImage:RemoteImage")
      .filter((r) => r.inputs.build === undefined)
      .map((r) => String(r.inputs.name));
    expect(pulled.length).toBeGreaterThan(0);
    expect(pulled.filter((ref) => !listed.has(ref))).toEqual([]);
  });
});
