/**
 * Gitea's sign-in step, run by a real shell (dash, busybox) against a stand-in Gitea CLI that
 * behaves as go-gitea/gitea's does (1.24 line): `admin auth list` prints ID, Name, Type,
 * Enabled (cmd/admin_auth.go); `add-oauth` refuses a name that exists
 * (models/auth/source.go ErrSourceAlreadyExist); `update-oauth` needs `--id`
 * (cmd/admin_auth_oauth.go). Authelia's discovery document and Gitea's health come from a
 * local HTTP stand-in.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { giteaOidcStep } from "../../plan/wiring/gitea";
import { SHELLS, runStep } from "../wiring/run";
import { standIn, type StandIn } from "../wiring/standIn";

const FAKE_GITEA = `#!/bin/sh
printf '%s\\n' "$*" >> "$GITEA_STATE/argv"
[ "$1 $2" = "admin auth" ] || exit 2
case "$3" in
  list)
    printf 'ID\\tName\\tType\\tEnabled\\n'
    [ -f "$GITEA_STATE/sources" ] && cat "$GITEA_STATE/sources"
    exit 0 ;;
  add-oauth)
    name=""; prev=""
    for a in "$@"; do [ "$prev" = "--name" ] && name=$a; prev=$a; done
    [ -n "$name" ] || { echo "--name is missing" >&2; exit 1; }
    if [ -f "$GITEA_STATE/sources" ] && awk -v n="$name" '$2 == n { f = 1 } END { exit !f }' "$GITEA_STATE/sources"; then
      echo "login source already exists [name: $name]" >&2; exit 1
    fi
    n=$(( $(cat "$GITEA_STATE/sources" 2>/dev/null | wc -l) + 1 ))
    printf '%s\\t%s\\tOAuth2\\ttrue\\n' "$n" "$name" >> "$GITEA_STATE/sources"
    exit 0 ;;
  update-oauth)
    case "$*" in *"--id "*) exit 0 ;; *) echo "--id flag is missing" >&2; exit 1 ;; esac ;;
esac
exit 2
`;

describe.each(Object.keys(SHELLS))("Gitea's sign-in step under %s", (shell) => {
  const sh = SHELLS[shell];
  let server: StandIn;
  let dir: string;
  let secretFile: string;
  let env: Record<string, string>;
  const argv = () => readFileSync(join(dir, "argv"), "utf8").trim().split("\n");

  beforeEach(async () => {
    server = await standIn((req) => {
      if (req.path === "/.well-known/openid-configuration")
        return { status: 200, body: { issuer: "http://authelia" } };
      if (req.path === "/api/healthz") return { status: 200, body: { status: "pass" } };
      return { status: 404 };
    }, 3000);
    dir = mkdtempSync(join(tmpdir(), "gitea-"));
    writeFileSync(join(dir, "argv"), "");
    writeFileSync(join(dir, "gitea"), FAKE_GITEA);
    chmodSync(join(dir, "gitea"), 0o755);
    secretFile = join(dir, "oidc_client_secret");
    writeFileSync(secretFile, "s3cret-0123");
    env = { GITEA_STATE: dir, PATH: `${dir}:${process.env.PATH ?? ""}` };
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const step = () => giteaOidcStep("http://127.0.0.1:3000", secretFile);

  it("adds the Authelia source once, with the admins group and the secret from the file", async () => {
    const r = await runStep(step(), {}, sh, env);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const add = argv().find((a) => a.includes("add-oauth")) ?? "";
    expect(add).toContain("--name authelia");
    expect(add).toContain("--provider openidConnect");
    expect(add).toContain("--key gitea");
    expect(add).toContain("--secret s3cret-0123");
    expect(add).toContain(
      "--auto-discover-url http://127.0.0.1:3000/.well-known/openid-configuration",
    );
    expect(add).toContain("--group-claim-name groups");
    expect(add).toContain("--admin-group admins");
    expect(readFileSync(join(dir, "sources"), "utf8")).toBe("1\tauthelia\tOAuth2\ttrue\n");
  });

  it("updates the existing source by its id on the next run instead of adding a second", async () => {
    writeFileSync(join(dir, "sources"), "1\tgithub\tOAuth2\ttrue\n2\tauthelia\tOAuth2\tfalse\n");
    const r = await runStep(step(), {}, sh, env);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(argv().filter((a) => a.includes("add-oauth"))).toEqual([]);
    expect(argv().find((a) => a.includes("update-oauth"))).toContain("--id 2 ");
    // The owner's other source is left alone.
    expect(readFileSync(join(dir, "sources"), "utf8")).toContain("1\tgithub");
  });

  it("names Gitea and the step when the CLI refuses", async () => {
    writeFileSync(join(dir, "gitea"), '#!/bin/sh\n[ "$3" = list ] && exit 0\nexit 1\n');
    const r = await runStep(step(), {}, sh, env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("homelab wiring: gitea: sign-in: gitea admin auth add-oauth failed");
  });
});
