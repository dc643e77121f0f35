import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { signUpEnv } from "../catalog/firstRun";
import {
  BOOKSTACK_ADMIN_HOOK,
  BOOKSTACK_ADMIN_SCRIPT,
  WORDPRESS_PORT,
} from "../catalog/productivity";
import { apacheListenFiles } from "../catalog/shared";
import {
  ProfileStack,
  type ProfileArgs,
  type WireContext,
  type WireResult,
  type Wiring,
} from "./profileStack";

/** A random key in an exact encoding (hex, base64), which RandomPassword cannot produce. */
function randomBytes(ctx: WireContext, name: string, length: number): random.RandomBytes {
  // Protected: these keys encrypt data the app already stored.
  return new random.RandomBytes(
    `${ctx.app.name}-${name}`,
    { length },
    { parent: ctx.parent, protect: true },
  );
}

const wiring: Readonly<Record<string, Wiring>> = {
  wordpress: { before: (): WireResult => ({ files: apacheListenFiles(WORDPRESS_PORT) }) },
  outline: {
    needs: ["outline-redis"],
    before: (ctx): WireResult => {
      // Outline wants exactly 32 bytes, hex-encoded.
      const secretKey = randomBytes(ctx, "secret-key", 32).hex;
      const redis = ctx.apps["outline-redis"];
      const redisPassword = redis?.secrets.password;
      return {
        env: [
          pulumi.secret(pulumi.interpolate`SECRET_KEY=${secretKey}`),
          ...(redisPassword
            ? [
                pulumi.secret(
                  pulumi.interpolate`REDIS_URL=redis://:${redisPassword}@outline-redis:6379`,
                ),
              ]
            : []),
        ],
        secretEnvKeys: ["REDIS_URL", "SECRET_KEY"],
        dependsOn: redis ? [redis.container] : [],
      };
    },
  },
  bookstack: {
    // Laravel's APP_KEY: `base64:` and 32 random bytes.
    before: (ctx): WireResult => {
      const key = randomBytes(ctx, "app-key", 32).base64;
      return {
        env: [pulumi.secret(pulumi.interpolate`APP_KEY=base64:${key}`)],
        secretEnvKeys: ["APP_KEY"],
        // Replaces the default admin@admin.com / password with the generated admin.
        files: [{ path: BOOKSTACK_ADMIN_HOOK, content: BOOKSTACK_ADMIN_SCRIPT, executable: true }],
      };
    },
  },
  karakeep: {
    // Full-text search through the shared Meilisearch of the same host; without one,
    // KaraKeep runs with search switched off.
    before: (ctx): WireResult => {
      const meili = ctx.data?.service("meilisearch", ctx.app.host);
      const key = meili?.secrets.masterKey;
      return {
        env: [
          ...signUpEnv(ctx.def, ctx.app.auth),
          ...(key
            ? [
                "MEILI_ADDR=http://meilisearch:7700",
                pulumi.secret(pulumi.interpolate`MEILI_MASTER_KEY=${key}`),
              ]
            : []),
        ],
        secretEnvKeys: key ? ["MEILI_MASTER_KEY"] : [],
        // Its browser starts after it, in its network namespace (catalog karakeep-chrome).
        dependsOn: meili ? [meili.container] : [],
      };
    },
  },
};

/** n8n, Outline, KaraKeep, Gitea, BookStack, WordPress and Vaultwarden. */
export class ProductivityStack extends ProfileStack {
  constructor(name: string, args: ProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:productivity:ProductivityStack", name, args, { apps: wiring }, opts);
    this.registerOutputs({});
  }
}
