import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { HostSpec } from "../config/spec";
import { renderGroupScript } from "../plan/container";
import { providerEndpoint, sshTarget } from "./provider";

/** TLS client material for a `tcp://` Docker endpoint. */
export interface DockerTls {
  ca: string;
  cert: string;
  key: string;
}

export interface HostArgs {
  /** The validated host entry from `homelab:hosts`. */
  spec: HostSpec;
  /** Private key for host preparation over SSH (`homelab:sshPrivateKey`). */
  sshPrivateKey?: pulumi.Input<string>;
  /** Client TLS material for a `tcp://` endpoint (`homelab:dockerTls.<host>`). */
  tls?: pulumi.Input<DockerTls>;
}

/** Network names every host has (DESIGN §5). */
export const NETWORKS = { proxy: "proxy", internal: "internal", socket: "socket-proxy" } as const;
export type NetworkRole = keyof typeof NETWORKS;

/** SSH connection for `@pulumi/command` remote commands. */
export interface HostConnection {
  host: string;
  port: number;
  user: string;
  /** The host's public key; the connection fails when the server presents another. */
  hostKey?: string;
  privateKey?: pulumi.Input<string>;
}

/**
 * One Docker host: its provider, its three networks and how to prepare it.
 * Everything placed on the host uses `provider` so that hosts never mix.
 */
export class Host extends pulumi.ComponentResource {
  readonly spec: HostSpec;
  readonly provider: docker.Provider;
  readonly networks: Readonly<Record<NetworkRole, docker.Network>>;
  /** Undefined when the host is the machine running Pulumi (unix socket). */
  readonly connection?: HostConnection;
  /** The render node's gid, looked up on an Intel/AMD host without `renderGroup`. */
  readonly renderGroup?: pulumi.Output<string>;

  constructor(name: string, args: HostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:hosts:Host", name, {}, opts);
    this.spec = args.spec;
    const endpoint = providerEndpoint(args.spec);
    const tls = args.tls ? pulumi.secret(args.tls) : undefined;
    this.provider = new docker.Provider(
      `${name}-docker`,
      {
        host: endpoint.host,
        sshOpts: endpoint.sshOpts,
        caMaterial: tls?.apply((t) => t.ca),
        certMaterial: tls?.apply((t) => t.cert),
        keyMaterial: tls?.apply((t) => t.key),
      },
      { parent: this },
    );
    const onHost = { parent: this, provider: this.provider };
    const network = (role: NetworkRole, internal: boolean) =>
      new docker.Network(
        `${name}-${role}`,
        {
          name: NETWORKS[role],
          driver: "bridge",
          internal,
          // An internal network still gives the host an address on its bridge, and through it
          // every service the host listens on is reachable (seen in the lab). Without that
          // address, containers reach only each other.
          options: internal ? { "com.docker.network.bridge.inhibit_ipv4": "true" } : undefined,
          labels: [{ label: "homelab.network", value: role }],
        },
        onHost,
      );
    this.networks = {
      proxy: network("proxy", false),
      internal: network("internal", true),
      socket: network("socket", true),
    };
    const target = sshTarget(args.spec);
    this.connection = target ? { ...target, privateKey: args.sshPrivateKey } : undefined;
    const gpu = args.spec.gpu;
    if ((gpu === "intel" || gpu === "amd") && args.spec.renderGroup === undefined) {
      // Looked up once on the host (the command runs again only if it is replaced).
      const lookup = this.connection
        ? new command.remote.Command(
            `${name}-render-group`,
            { connection: this.connection, create: renderGroupScript() },
            { parent: this },
          )
        : new command.local.Command(
            `${name}-render-group`,
            { create: renderGroupScript(), interpreter: ["/bin/sh", "-c"] },
            { parent: this },
          );
      this.renderGroup = lookup.stdout.apply((s) => s.trim());
    }
    this.registerOutputs({ provider: this.provider, networks: this.networks });
  }
}
