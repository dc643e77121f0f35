import { parse, stringify } from "yaml";
import {
  ALERTING_SECRET_PATH,
  ALERTMANAGER_MIN_VERSION,
  alertmanagerConfig,
} from "../../plan/observability/alertmanager";
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

describe("alertmanagerConfig", () => {
  it.each(
    RECEIVERS.map((r) => [
      `${r.alerting.receiver}${r.alerting.smtp ? `:${r.alerting.smtp.port}` : ""}${r.secrets.length ? "+secret" : ""}`,
      r,
    ]),
  )("%s passes amtool check-config", (_name, r) => {
    const spec = homelabFixture({ alerting: r.alerting, secretsPresent: [...r.secrets] });
    amtoolCheck(alertmanagerConfig(spec));
  });

  it.each(RECEIVERS.map((r) => [r.alerting.receiver, r]))(
    "%s never inlines a secret",
    (_name, r) => {
      const spec = homelabFixture({ alerting: r.alerting, secretsPresent: [...r.secrets] });
      const text = alertmanagerConfig(spec);
      expect(text).not.toMatch(/password:|webhook_url:|api_url:|credentials:/);
      if (r.secrets.length > 0) expect(text).toContain(`_file: ${ALERTING_SECRET_PATH}`);
    },
  );

  it("routes everything to the configured receiver", () => {
    const routeOf = (receiver: "email" | "discord" | "webhook" | "ntfy" | "none") => {
      const r = RECEIVERS.find((x) => x.alerting.receiver === receiver);
      if (!r) throw new Error(receiver);
      const c = parse(
        alertmanagerConfig(
          homelabFixture({ alerting: r.alerting, secretsPresent: [...r.secrets] }),
        ),
      ) as {
        route: { receiver: string };
        receivers: { name: string }[];
      };
      return [c.route.receiver, c.receivers.map((x) => x.name)];
    };
    expect(routeOf("email")).toEqual(["email", ["email"]]);
    expect(routeOf("discord")).toEqual(["discord", ["discord"]]);
    expect(routeOf("webhook")).toEqual(["webhook", ["webhook"]]);
    expect(routeOf("ntfy")).toEqual(["ntfy", ["ntfy"]]);
    expect(routeOf("none")).toEqual(["null", ["null"]]);
  });

  it("uses the receiver fields of the production Alertmanager", () => {
    const discord = homelabFixture({
      alerting: { receiver: "discord" },
      secretsPresent: ["homelab:alertingSecret"],
    });
    expect(parse(alertmanagerConfig(discord))).toMatchObject({
      receivers: [
        { name: "discord", discord_configs: [{ webhook_url_file: ALERTING_SECRET_PATH }] },
      ],
    });
    const webhook = homelabFixture({
      alerting: { receiver: "webhook" },
      secretsPresent: ["homelab:alertingSecret"],
    });
    expect(parse(alertmanagerConfig(webhook))).toMatchObject({
      receivers: [{ name: "webhook", webhook_configs: [{ url_file: ALERTING_SECRET_PATH }] }],
    });
    const email = RECEIVERS[0];
    expect(
      parse(
        alertmanagerConfig(
          homelabFixture({ alerting: email.alerting, secretsPresent: [...email.secrets] }),
        ),
      ),
    ).toMatchObject({
      global: {
        smtp_smarthost: "smtp.example.org:587",
        smtp_from: "alerts@example.org",
        smtp_auth_username: "alerts",
        smtp_auth_password_file: ALERTING_SECRET_PATH,
        smtp_require_tls: true,
      },
      receivers: [{ name: "email", email_configs: [{ to: "owner@example.org" }] }],
    });
    expect(ALERTMANAGER_MIN_VERSION).toBe("0.28.0");
  });

  it("sends an ntfy access token only when the alerting secret is set", () => {
    const open = homelabFixture({
      alerting: { receiver: "ntfy", to: "https://ntfy.sh/x" },
      secretsPresent: [],
    });
    const closed = homelabFixture({
      alerting: { receiver: "ntfy", to: "https://ntfy.sh/x" },
      secretsPresent: ["homelab:alertingSecret"],
    });
    expect(alertmanagerConfig(open)).not.toContain("credentials_file");
    expect(parse(alertmanagerConfig(closed))).toMatchObject({
      receivers: [
        {
          webhook_configs: [
            {
              url: "https://ntfy.sh/x",
              http_config: {
                authorization: { type: "Bearer", credentials_file: ALERTING_SECRET_PATH },
              },
            },
          ],
        },
      ],
    });
  });
});
