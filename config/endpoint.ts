import type { DockerEndpoint } from "./spec";

/** Parses a Docker endpoint; returns an error message instead of throwing. */
export function parseDockerEndpoint(url: string): DockerEndpoint | string {
  const ssh = /^ssh:\/\/([a-z_][a-z0-9_-]*)@([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(url);
  if (ssh) return { kind: "ssh", url, user: ssh[1], host: ssh[2], port: Number(ssh[3] ?? 22) };
  const tcp = /^tcp:\/\/([A-Za-z0-9.-]+):(\d{1,5})$/.exec(url);
  if (tcp) return { kind: "tcp", url, host: tcp[1], port: Number(tcp[2]) };
  const unix = /^unix:\/\/(\/[^\s]+)$/.exec(url);
  if (unix) return { kind: "unix", url, socketPath: unix[1] };
  return "must be ssh://user@host[:port], tcp://host:port or unix:///path/to/docker.sock";
}
