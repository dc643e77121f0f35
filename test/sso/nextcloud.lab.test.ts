/**
 * Nextcloud's sign-in hook, run by a real shell as the image's entrypoint runs its
 * before-starting hooks (nextcloud/docker 33/apache/entrypoint.sh run_path: each executable
 * `*.sh`, a failing one stops the container), against a stand-in `php` that records each occ
 * call and answers as occ does: `app:install` fails for an app already installed or when the
 * app store is out of reach (core/Command/App/Install.php).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NEXTCLOUD_OIDC_HOOK, signInOf } from "../../plan/sso/appSignIn";
import { app, domainSpec, withApp } from "../proxy/fixture";
import { SHELLS } from "../wiring/run";

const spec = withApp(domainSpec(), app("nextcloud", "atlas"));
const nextcloud = spec.apps.find((a) => a.name === "nextcloud");
const hook = signInOf(spec, nextcloud ?? app("nextcloud", "atlas"))?.files?.find(
  (f) => f.path === NEXTCLOUD_OIDC_HOOK,
);

/** `php /var/www/html/occ <command> ...`: exit codes per occ command from $OCC_FAILS. */
const FAKE_PHP = `#!/bin/sh
shift
printf '%s\\n' "$*" >> "$OCC_STATE/argv"
case " $OCC_FAILS " in *" $1 "*) exit 1 ;; esac
exit 0
`;

describe.each(Object.keys(SHELLS))("Nextcloud's sign-in hook under %s", (shell) => {
  let dir: string;
  const run = (fails: string) => {
    const r = spawnSync(SHELLS[shell][0], [...SHELLS[shell].slice(1)], {
      input: hook?.content ?? "",
      encoding: "utf8",
      env: { OCC_STATE: dir, OCC_FAILS: fails, PATH: `${dir}:${process.env.PATH ?? ""}` },
    });
    const calls = readFileSync(join(dir, "argv"), "utf8").trim().split("\n").filter(Boolean);
    return { status: r.status, stderr: r.stderr, calls };
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "nextcloud-"));
    writeFileSync(join(dir, "argv"), "");
    writeFileSync(join(dir, "php"), FAKE_PHP);
    chmodSync(join(dir, "php"), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is an executable start hook", () => {
    expect(hook?.executable).toBe(true);
    expect(hook?.content.startsWith("#!/bin/sh\n")).toBe(true);
  });

  it("installs user_oidc and saves the Authelia provider with the secret's file, never the secret", () => {
    const r = run("");
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.calls[0]).toBe("app:install user_oidc");
    const provider = r.calls.find((c) => c.startsWith("user_oidc:provider")) ?? "";
    expect(provider.split(" ")).toEqual(
      expect.arrayContaining([
        "Authelia",
        "--clientid=nextcloud",
        "--clientsecret-file=/run/secrets/oidc_client_secret",
        "--discoveryuri=https://auth.lab.example.org/.well-known/openid-configuration",
        "--unique-uid=0",
        "--mapping-uid=preferred_username",
        "--group-provisioning=1",
        "--mapping-groups=nextcloud_groups",
      ]),
    );
    expect(provider).toContain("--scope=openid email profile groups nextcloud_claims");
    expect(provider).not.toMatch(/--clientsecret=/);
  });

  it("enables the app when it is already installed, and saves the provider again", () => {
    const r = run("app:install");
    expect(r.status).toBe(0);
    expect(r.calls.slice(0, 2)).toEqual(["app:install user_oidc", "app:enable user_oidc"]);
    expect(r.calls.some((c) => c.startsWith("user_oidc:provider Authelia"))).toBe(true);
  });

  it("lets Nextcloud start with its own login when the app store is out of reach", () => {
    const r = run("app:install app:enable");
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("user_oidc is not installed: sign-in through Authelia is off");
    expect(r.calls.some((c) => c.startsWith("user_oidc:provider"))).toBe(false);
  });

  it("lets Nextcloud start when the provider cannot be saved", () => {
    const r = run("user_oidc:provider");
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("user_oidc: the Authelia provider was not saved");
  });
});
