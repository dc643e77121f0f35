/**
 * Authelia's configuration, as the program writes it, checked against Authelia's own JSON
 * schema for 4.39 (authelia/authelia@v4.39.20:docs/static/schemas/v4.39/json-schema/configuration.json,
 * kept in test/fixtures/authelia). The schema refuses unknown keys, so a misspelt option
 * fails here instead of at Authelia's start.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import type { RegisteredResource } from "../../scripts/evaluate";
import { FIXTURES, container, goodStacks, runCached } from "../helpers/harness";

const schema = JSON.parse(
  readFileSync(join(FIXTURES, "authelia", "configuration.v4.39.schema.json"), "utf8"),
) as object;
// Authelia's schema uses formats and keywords of its own generator; structure is what we check.
const validate = new Ajv2020({
  strict: false,
  allErrors: true,
  validateFormats: false,
  // Its patterns are Go regular expressions, some invalid with JavaScript's `u` flag.
  unicodeRegExp: false,
}).compile(schema);

/** What Authelia's `secret | mindent 10 "|"` leaves in place of the template: the key, as a block. */
const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
  type: "pkcs8",
  format: "pem",
}) as string;
const keyBlock = `|\n${pem
  .trimEnd()
  .split("\n")
  .map((l) => `${" ".repeat(10)}${l}`)
  .join("\n")}`;

function configOf(authelia: RegisteredResource): unknown {
  const uploads = (authelia.inputs.uploads ?? []) as { file: string; content: string }[];
  const text = uploads.find((u) => u.file === "/etc/authelia/configuration.yml")?.content ?? "";
  return parse(text.replace(/\{\{ secret [^}]*\}\}/, keyBlock));
}

describe("Authelia's configuration", () => {
  it("is valid against Authelia's 4.39 schema in every stack that runs Authelia", async () => {
    const problems: Record<string, unknown> = {};
    let checked = 0;
    for (const stack of goodStacks()) {
      const ev = await runCached(stack);
      if (!ev.resources.some((r) => r.name === "authelia-container")) continue;
      checked += 1;
      if (!validate(configOf(container(ev, "authelia")))) problems[stack] = validate.errors;
    }
    expect(problems).toEqual({});
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it("refuses a misspelt option, so the check above can fail", () => {
    expect(validate({ theme: "auto", sesion: {} })).toBe(false);
    expect(
      validate({ identity_providers: { oidc: { clients: [{ client_id: "a", secret: "x" }] } } }),
    ).toBe(false);
  });
});
