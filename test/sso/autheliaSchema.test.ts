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

interface OidcDoc {
  definitions?: { user_attributes?: Record<string, { expression: string }> };
  identity_providers?: {
    oidc: {
      claims_policies?: Record<
        string,
        { id_token?: string[]; custom_claims?: Record<string, object> }
      >;
      scopes?: Record<string, { claims: string[] }>;
      clients: { client_id: string; scopes: string[]; claims_policy?: string }[];
    };
  };
}

// authelia/authelia@v4.39.20:internal/configuration/validator/const.go validOIDCClientScopes
// and validOIDCClientClaims (the standard ones a client may use without declaring them).
const STANDARD_SCOPES = [
  "openid",
  "email",
  "profile",
  "address",
  "phone",
  "groups",
  "offline_access",
];
const STANDARD_CLAIMS = [
  "name",
  "email",
  "email_verified",
  "preferred_username",
  "groups",
  "locale",
];

/**
 * The rules across fields that the schema cannot state, as Authelia's validator applies them
 * (validator/identity_providers.go@v4.39.20 validateOIDCClaims, validateOIDCScopes,
 * validateOIDCClientScopes): a client's scope is standard or declared; a declared scope's
 * claims come from the client's claims policy; a policy's claims name a user attribute.
 * Returns the client scopes with the declared ones removed, for the schema's enum.
 */
function crossFieldProblems(doc: OidcDoc): string[] {
  const oidc = doc.identity_providers?.oidc;
  if (!oidc) return [];
  const problems: string[] = [];
  const attributes = doc.definitions?.user_attributes ?? {};
  for (const [name, policy] of Object.entries(oidc.claims_policies ?? {})) {
    const custom = Object.keys(policy.custom_claims ?? {});
    for (const claim of custom)
      if (!(claim in attributes)) problems.push(`policy ${name}: ${claim} is no user attribute`);
    for (const claim of policy.id_token ?? [])
      if (!custom.includes(claim) && !STANDARD_CLAIMS.includes(claim))
        problems.push(`policy ${name}: id_token ${claim} is not known`);
  }
  for (const client of oidc.clients) {
    const policy = client.claims_policy ? oidc.claims_policies?.[client.claims_policy] : undefined;
    if (client.claims_policy && !policy)
      problems.push(`client ${client.client_id}: no claims policy ${client.claims_policy}`);
    for (const scope of client.scopes) {
      if (STANDARD_SCOPES.includes(scope)) continue;
      const declared = oidc.scopes?.[scope];
      if (!declared) problems.push(`client ${client.client_id}: scope ${scope} is not declared`);
      for (const claim of declared?.claims ?? [])
        if (!Object.keys(policy?.custom_claims ?? {}).includes(claim))
          problems.push(`client ${client.client_id}: scope ${scope} needs claim ${claim}`);
    }
    // Declared scopes are Authelia's extension; the schema's enum lists only the standard ones.
    client.scopes = client.scopes.filter((s) => STANDARD_SCOPES.includes(s));
  }
  return problems;
}

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
      const doc = configOf(container(ev, "authelia")) as OidcDoc;
      const crossField = crossFieldProblems(doc);
      if (crossField.length > 0) problems[stack] = crossField;
      else if (!validate(doc)) problems[stack] = validate.errors;
    }
    expect(problems).toEqual({});
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it("refuses a client scope whose claim no claims policy provides", () => {
    const doc: OidcDoc = {
      definitions: { user_attributes: { role: { expression: "1" } } },
      identity_providers: {
        oidc: {
          scopes: { app_claims: { claims: ["role"] } },
          clients: [{ client_id: "app", scopes: ["openid", "app_claims"] }],
        },
      },
    };
    expect(crossFieldProblems(doc)).toEqual(["client app: scope app_claims needs claim role"]);
  });

  it("refuses a misspelt option, so the check above can fail", () => {
    expect(validate({ theme: "auto", sesion: {} })).toBe(false);
    expect(
      validate({ identity_providers: { oidc: { clients: [{ client_id: "a", secret: "x" }] } } }),
    ).toBe(false);
  });
});
