import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { HomelabSpec } from "../config/spec";
import { clientSecretDigest, oidcApps, OIDC_APPS } from "../plan/sso/oidc";

export interface OidcClientsArgs {
  /** The validated stack: one client per enabled app that signs in through Authelia. */
  spec: HomelabSpec;
}

/**
 * The secrets of Authelia's OpenID Connect clients, made once for the whole homelab because
 * two profiles use each one: the app (its client secret) and Authelia (only its digest).
 * Protected like every generated secret, so a stray `--target-replace` cannot sign every
 * user out of every app at once.
 */
export class OidcClients extends pulumi.ComponentResource {
  /** Client secrets by client id (secret outputs). */
  readonly secrets: Readonly<Record<string, pulumi.Output<string>>>;
  /** Their PBKDF2 digests by client id: the only form Authelia's configuration holds. */
  readonly digests: pulumi.Output<Readonly<Record<string, string>>>;
  /** The HMAC secret Authelia signs its OpenID Connect tokens' state with. */
  readonly hmacSecret: pulumi.Output<string>;

  constructor(name: string, args: OidcClientsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:sso:OidcClients", name, {}, opts);
    const secrets: Record<string, pulumi.Output<string>> = {};
    const digests: Record<string, pulumi.Output<string>> = {};
    for (const app of oidcApps(args.spec, args.spec.apps)) {
      const id = OIDC_APPS[app.name].clientId;
      const secret = new random.RandomPassword(
        `${name}-${id}-secret`,
        { length: 64, special: false },
        { parent: this, protect: true },
      ).result;
      // A stored salt, so the digest changes only when the secret does.
      const salt = new random.RandomBytes(
        `${name}-${id}-salt`,
        { length: 16 },
        { parent: this, protect: true },
      );
      secrets[id] = pulumi.secret(secret);
      // A digest is meant to be readable (Authelia's docs put it in the file): shown in previews.
      digests[id] = pulumi.unsecret(
        pulumi
          .all([secret, salt.hex])
          .apply(([s, hex]) => clientSecretDigest(s, Buffer.from(hex, "hex"))),
      );
    }
    this.secrets = secrets;
    this.digests = pulumi.all(digests);
    this.hmacSecret = pulumi.secret(
      new random.RandomPassword(
        `${name}-hmac`,
        { length: 64, special: false },
        { parent: this, protect: true },
      ).result,
    );
    this.registerOutputs({ digests: this.digests });
  }
}
