import * as pulumi from "@pulumi/pulumi";
import { OIDC_SECRET_FILE, signInOf } from "../plan/sso/appSignIn";
import type { AppFile } from "./app";
import type { WireContext, WireResult } from "./profileStack";

/**
 * What an app that signs in through Authelia gets on top of its own wiring: its client's env,
 * and its client secret as a file (or a secret env entry, or inside a config file, where the
 * app reads no file). Nothing for other apps, or when Authelia serves no clients.
 */
export function signInWiring(ctx: WireContext): WireResult {
  const signIn = signInOf(ctx.spec, ctx.app);
  const secret = signIn ? ctx.oidc?.secrets[signIn.clientId] : undefined;
  if (!signIn || !secret) return {};
  const env: pulumi.Input<string>[] = Object.entries(signIn.env).map(([k, v]) => `${k}=${v}`);
  const files: AppFile[] = (signIn.secretFiles ?? []).map((f) => ({
    path: f.path,
    content: pulumi.secret(secret.apply((s) => f.render(s))),
  }));
  if (signIn.secretEnv) {
    env.push(pulumi.secret(pulumi.interpolate`${signIn.secretEnv}=${secret}`));
    return { env, files, secretEnvKeys: [signIn.secretEnv] };
  }
  files.push({ path: OIDC_SECRET_FILE, content: secret });
  return { env, files };
}
