import * as pulumi from "@pulumi/pulumi";
import { Homelab } from "./components/homelab";
import { stackOutputs } from "./components/outputs";
import type { StackSecrets } from "./components/secrets";
import type { DockerTls } from "./hosts/host";
import { loadSpec } from "./plan/resolve";

/** The stack's secret config, read in one place; components receive it as arguments. */
function readSecrets(): StackSecrets {
  const homelab = new pulumi.Config("homelab");
  return {
    sshPrivateKey: homelab.getSecret("sshPrivateKey"),
    dockerTls: homelab.getSecretObject<Record<string, DockerTls>>("dockerTls"),
    backupPassword: homelab.getSecret("backupPassword"),
    backupRemoteKeys: homelab.getSecret("backupRemoteKeys"),
    cloudflareApiToken: new pulumi.Config("cloudflare").getSecret("apiToken"),
    smtpPassword: homelab.getSecret("smtpPassword"),
    ssoUsers: homelab.getSecret("ssoUsers"),
    alertingSecret: homelab.getSecret("alertingSecret"),
    vpnPrivateKey: homelab.getSecret("vpnPrivateKey"),
    plexClaim: homelab.getSecret("plexClaim"),
    duckdnsToken: homelab.getSecret("duckdnsToken"),
  };
}

/** The program: validate the stack (throws before any resource), then build the homelab. */
export function deploy() {
  const spec = loadSpec();
  const homelab = new Homelab("homelab", { spec, secrets: readSecrets() });
  return stackOutputs(spec, homelab);
}
