import { parse } from "yaml";
import {
  ALERTING_SECRET_PATH,
  ALERTMANAGER_MIN_VERSION,
  alertmanagerConfig,
} from "../../plan/observability/alertmanager";
import { homelabFixture, RECEIVERS } from "./fixture";

describe("alertmanagerConfig", () => {
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
