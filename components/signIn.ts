import * as pulumi from "@pulumi/pulumi";
import { signInOf } from "../plan/sso/appSignIn";
import { OIDC_SECRET_FILE } from "../plan/sso/oidc";
import type { AppFile } from "./app";
import type { AppSpec, HomelabSpec } from "../config/spec";
import type { WiringStep } from "../plan/wiring/step";
import type { OidcClients } from "./oidcClients";

/** What the sign-in adds to an app (merged into its wiring by the ProfileStack). */
export interface SignInWiring {
  env?: pulumi.Input<string>[];
  files?: AppFile[];
  secretEnvKeys?: readonly string[];
  /** Settings only the app's CLI can make (an auth source), run once the app runs. */
  steps?: readonly WiringStep[];
}

/**
 * What an app that signs in through Authelia gets on top of its own wiring: its client's env,
 * and its client secret as a file (or a secret env entry, or inside a config file, where the
 * app reads no file), and the steps its CLI runs. Nothing for other apps, or when Authelia
 * serves no clients.
 */
export function signInWiring(
  spec: HomelabSpec,
  app: AppSpec,
  oidc: OidcClients | undefined,
): SignInWiring {
  const signIn = signInOf(spec, app);
  const secret = signIn ? oidc?.secrets[signIn.clientId] : undefined;
  if (!signIn || !secret) return {};
  const env: pulumi.Input<string>[] = Object.entries(signIn.env).map(([k, v]) => `${k}=${v}`);
  const files: AppFile[] = [
    ...(signIn.files ?? []),
    ...(signIn.secretFiles ?? []).map((f) => ({
      path: f.path,
      content: pulumi.secret(secret.apply((s) => f.render(s))),
    })),
  ];
  const steps = signIn.steps ?? [];
  if (signIn.secretEnv) {
    env.push(pulumi.secret(pulumi.interpolate`${signIn.secretEnv}=${secret}`));
    return { env, files, secretEnvKeys: [signIn.secretEnv], steps };
  }
  files.push({ path: OIDC_SECRET_FILE, content: secret });
  return { env, files, steps };
}
