import type { HostSpec } from "../config/spec";

/** The docker provider's `host` and `sshOpts` for one host's endpoint. */
export function providerEndpoint(host: Pick<HostSpec, "docker"> & Partial<Pick<HostSpec, "ssh">>): {
  host: string;
  sshOpts?: string[];
} {
  if (host.docker.kind === "ssh") {
    // BatchMode: a CI runner must fail fast instead of prompting for a password (or for an
    // unknown host key). The pinned `ssh.hostKey` is offered to the ssh client as a known
    // host (OpenSSH 8.5+), so the Docker connection verifies the same key as preparation.
    const pinned = host.ssh?.hostKey
      ? [
          "-o",
          "StrictHostKeyChecking=yes",
          "-o",
          `KnownHostsCommand=/bin/echo %H ${host.ssh.hostKey}`,
        ]
      : [];
    return {
      host: host.docker.url,
      sshOpts: ["-o", "BatchMode=yes", "-o", "ServerAliveInterval=30", ...pinned],
    };
  }
  return { host: host.docker.url };
}

/** Where host preparation commands connect, or undefined when the host is this machine. */
export function sshTarget(
  host: Pick<HostSpec, "docker" | "address" | "ssh">,
): { host: string; port: number; user: string; hostKey?: string } | undefined {
  if (host.docker.kind === "unix" || !host.ssh) return undefined;
  const target = host.docker.kind === "ssh" ? host.docker.host : host.address;
  return {
    host: target,
    port: host.ssh.port,
    user: host.ssh.user,
    ...(host.ssh.hostKey ? { hostKey: host.ssh.hostKey } : {}),
  };
}
