import type { AuthPolicy } from "../config/spec";
import type { AppDefinition, HealthDefinition, SecretDefinition } from "./types";

/**
 * Seeding the first administrator of images that have no env or file for it, only the setup
 * API their own first-run page calls (Jellyfin's wizard, Home Assistant's onboarding, Immich's
 * admin sign-up, WordPress' installer). The health check does it: it is healthy only once
 * the app answers and has its admin, and creates the admin from the generated secret when it
 * is missing, so the admin exists within one check interval (15 s) of the app answering. On
 * the edge host Traefik routes a container only once it is healthy (its Docker provider skips
 * starting and unhealthy ones: traefik/traefik pkg/provider/docker/config.go@v3.5.3,
 * keepContainer), so the proxy never serves the setup page there; an app on another host is
 * routed by a file, and its setup is reachable for at most that interval. An installation
 * whose owner already set it up is left alone.
 *
 * The password reaches the request body through the shell's `printf` builtin and curl's
 * stdin (`--data-binary @-`), never a command line; responses go to /dev/null, so nothing of
 * them lands in the health log `docker inspect` shows.
 */

/** Env the setup call reads the generated admin password from (the images ignore it). */
export const ADMIN_PASSWORD_ENV = "HOMELAB_ADMIN_PASSWORD";
/** Env with the admin's e-mail address, for apps whose login is an address. */
export const ADMIN_EMAIL_ENV = "HOMELAB_ADMIN_EMAIL";
/** The login the seeded admin gets where the app has user names. */
export const ADMIN_USER = "admin";

/** The generated admin password: 32 letters and digits, so it needs no escaping in JSON or forms. */
export function adminPassword(env: string = ADMIN_PASSWORD_ENV): SecretDefinition {
  return { name: "adminPassword", length: 32, alphanumeric: true, env, exported: true };
}

/** The three shell steps of a setup call, each a command that succeeds or fails. */
export interface SetupSteps {
  /** The app answers at all (its usual health probe). */
  ready: string;
  /** The admin exists (read from an unauthenticated status endpoint). */
  done: string;
  /** Creates the admin through the setup API. */
  create: string;
}

/** The health check that completes the first-run setup: see the module comment. */
export function setupHealth(steps: SetupSteps, startPeriodSeconds: number): HealthDefinition {
  const { ready, done, create } = steps;
  return {
    test: ["CMD-SHELL", `${ready} && { ${done} || { ${create} && ${done}; }; }`],
    intervalSeconds: 15,
    timeoutSeconds: 30,
    startPeriodSeconds,
  };
}

/**
 * `printf <format> <args> | curl ... --data-binary @- <url>`: a POST whose body is built by the
 * shell builtin. `args` are shell words (`"$VAR"`), `headers` full `Name: value` strings.
 */
export function postFromShell(
  url: string,
  format: string,
  args: readonly string[],
  headers: readonly string[] = ["Content-Type: application/json"],
): string {
  const h = headers.map((x) => `-H "${x}"`).join(" ");
  return `printf '${format}' ${args.join(" ")} | curl -fsS -o /dev/null ${h} --data-binary @- '${url}'`;
}

/**
 * The sign-up switch of an app whose first account needs sign-ups open (`behindSso`): open
 * only while every path of the app is behind SSO, closed once its auth is `bypass` or any
 * path bypasses SSO. Empty for apps whose switch the catalog sets as plain env.
 */
export function signUpEnv(def: AppDefinition, auth: AuthPolicy): string[] {
  const signUps = def.contract?.firstRun?.signUps;
  if (signUps?.behindSso === undefined) return [];
  const reachable = auth === "bypass" || (def.route?.bypassPaths ?? []).length > 0;
  return [`${signUps.env}=${reachable ? signUps.closed : signUps.behindSso}`];
}
