import { parse, stringify } from "yaml";
import { alertmanagerConfig } from "../../plan/observability/alertmanager";
import { homelabFixture, RECEIVERS, runTool, tempDir, toolVersion, writeFile } from "./fixture";

type Yaml = Record<string, unknown>;

/** `*_file` fields the installed Alertmanager does not know yet, by the version that added them. */
const FILE_FIELDS_SINCE: readonly { key: string; inline: string; since: [number, number] }[] = [
  { key: "url_file", inline: "url", since: [0, 26] },
  { key: "webhook_url_file", inline: "webhook_url", since: [0, 28] },
];

function older(v: [number, number, number], than: [number, number]): boolean {
  return v[0] < than[0] || (v[0] === than[0] && v[1] < than[1]);
}

/**
 * The generated config as the installed amtool can read it. Debian bookworm ships
 * Alertmanager 0.25, which predates webhook `url_file` and discord `webhook_url_file`; only
 * for such an old amtool those two keys become a placeholder URL so the rest of the file is
 * still checked. The production image runs ALERTMANAGER_MIN_VERSION or newer.
 */
function forInstalledAmtool(config: string): string {
  const version = toolVersion("amtool");
  const unsupported = FILE_FIELDS_SINCE.filter((f) => older(version, f.since));
  if (unsupported.length === 0) return config;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== "object") return node;
    return Object.fromEntries(
      Object.entries(node as Yaml).map(([key, value]) => {
        const f = unsupported.find((u) => u.key === key);
        return f ? [f.inline, "https://placeholder.invalid/amtool-check"] : [key, rewrite(value)];
      }),
    );
  };
  return stringify(rewrite(parse(config)));
}

function amtoolCheck(config: string): void {
  const dir = tempDir("alertmanager");
  const file = writeFile(dir, "alertmanager.yml", forInstalledAmtool(config));
  const r = runTool("amtool", ["check-config", file]);
  if (r.status !== 0) throw new Error(`amtool check-config failed:\n${r.output}\n${config}`);
  expect(r.output).toContain("SUCCESS");
}

describe("alertmanagerConfig checked by the real amtool", () => {
  it.each(
    RECEIVERS.map((r) => [
      `${r.alerting.receiver}${r.alerting.smtp ? `:${r.alerting.smtp.port}` : ""}${r.secrets.length ? "+secret" : ""}`,
      r,
    ]),
  )("%s passes amtool check-config", (_name, r) => {
    const spec = homelabFixture({ alerting: r.alerting, secretsPresent: [...r.secrets] });
    amtoolCheck(alertmanagerConfig(spec));
  });
});
