/**
 * Table tests of the pure value checks behind the hostile-input refusals: each row is what an
 * owner (or an attacker with write access to the stack file) could type, and the verdict.
 */
import { definitionOf } from "../catalog";
import { addressProblem, lanCidrProblem, systemPathReason } from "../config/guards";
import { defaultLanCidrs } from "../config/load";
import { authOverrideProblem, envOverrideProblem } from "../plan/overrides";

describe("host addresses", () => {
  it.each([
    ["192.168.1.10", true],
    ["10.0.10.2", true],
    ["127.0.0.1", true],
    ["0.0.0.0", false],
    ["::", false],
    ["[::]", false],
    ["*", false],
    ["192.168.1.10 nas", false],
    ["192.168.1.10\n10.0.0.1 bank", false],
    ["nas.lan", false],
    ["256.1.1.1", false],
    ["224.0.0.1", false],
    ["255.255.255.255", false],
    ["169.254.1.1", false],
  ])("%j accepted: %s", (address, ok) => {
    expect(addressProblem(address) === undefined).toBe(ok);
  });

  it("says why a wildcard is refused", () => {
    expect(addressProblem("0.0.0.0")).toMatch(/every interface, past SSO/);
  });
});

describe("tier roots", () => {
  it.each([
    ["/srv", true],
    ["/srv/ssd", true],
    ["/mnt/storage", true],
    ["/tank", true],
    ["/var/lib/homelab", true],
    ["/home/me/homelab", true],
    ["/", false],
    ["/var", false],
    ["/var/lib", false],
    ["/home", false],
    ["/etc", false],
    ["/etc/homelab", false],
    ["/usr/local", false],
    ["/usr/share/x", false],
    ["/var/run", false],
    ["/run/homelab", false],
    ["/var/lib/docker", false],
    ["/var/lib/docker/volumes", false],
    ["/var/lib/containerd", false],
    ["/var/log/apps", false],
    ["/proc", false],
    ["/sys/fs", false],
    ["/boot", false],
    ["/root", false],
    ["/tmp/x", false],
  ])("%s accepted: %s", (path, ok) => {
    expect(systemPathReason(path) === undefined).toBe(ok);
  });
});

describe("LAN ranges", () => {
  it.each([
    ["192.168.1.0/24", true],
    ["10.0.0.0/8", true],
    ["172.20.0.0/16", true],
    ["100.64.0.0/10", true],
    ["0.0.0.0/0", false],
    ["8.8.8.0/24", false],
    ["10.0.0.0/7", false],
    ["172.32.0.0/16", false],
    ["192.168.1.0/33", false],
    ["300.1.1.0/24", false],
  ])("%s accepted: %s", (cidr, ok) => {
    expect(lanCidrProblem(cidr) === undefined).toBe(ok);
  });

  it("defaults to the /24 of each host, RFC 1918 when every host is on loopback", () => {
    expect(defaultLanCidrs([{ address: "192.168.7.10" }, { address: "192.168.7.11" }])).toEqual([
      "192.168.7.0/24",
    ]);
    expect(defaultLanCidrs([{ address: "10.0.20.3" }, { address: "10.0.10.2" }])).toEqual([
      "10.0.10.0/24",
      "10.0.20.0/24",
    ]);
    expect(defaultLanCidrs([{ address: "127.0.0.1" }])).toEqual([
      "10.0.0.0/8",
      "172.16.0.0/12",
      "192.168.0.0/16",
    ]);
  });
});

describe("env overrides", () => {
  it.each([
    ["whoami", "WHOAMI_NAME", true],
    ["sonarr", "SONARR__LOG__LEVEL", true],
    ["jellyfin", "JELLYFIN_PublishedServerUrl", true],
    ["sonarr", "PUID", false],
    ["sonarr", "PGID", false],
    ["sonarr", "TZ", false],
    ["sonarr", "UMASK", false],
    ["jellyfin", "LD_PRELOAD", false],
    ["jellyfin", "LD_LIBRARY_PATH", false],
    ["whoami", "DOCKER_HOST", false],
    ["sonarr", "SONARR__AUTH__APIKEY", false],
    ["grafana", "GF_SECURITY_ADMIN_PASSWORD__FILE", false],
    ["grafana", "GF_AUTH_ANONYMOUS_ENABLED", false],
    ["nextcloud", "NEXTCLOUD_ADMIN_PASSWORD", false],
    ["whoami", "SOME_TOKEN", false],
    ["whoami", "SECRET_KEY", false],
    ["gitea", "GITEA__database__HOST", false],
    ["socket-proxy", "POST", false],
    ["socket-proxy", "EXEC", false],
    ["socket-proxy", "LOG_LEVEL", false],
    ["gluetun", "FIREWALL", false],
    ["gluetun", "FIREWALL_OUTBOUND_SUBNETS", false],
    ["traefik", "TRAEFIK_API_INSECURE", false],
    ["authelia", "AUTHELIA_ACCESS_CONTROL_DEFAULT_POLICY", false],
    ["cloudflare-ddns", "PROXIED", false],
    ["qbittorrent", "WEBUI_PORT", false],
  ] as const)("%s %s accepted: %s", (app, key, ok) => {
    expect(envOverrideProblem(definitionOf(app), key) === undefined).toBe(ok);
  });
});

describe("auth overrides", () => {
  it.each([
    ["traefik", "bypass", false],
    ["dozzle", "bypass", false],
    ["sonarr", "bypass", false],
    ["homepage", "bypass", false],
    ["nextcloud", "bypass", true],
    ["grafana", "bypass", true],
    ["sonarr", "one_factor", true],
    ["traefik", "two_factor", true],
  ] as const)("%s auth %s accepted: %s", (app, auth, ok) => {
    expect(authOverrideProblem(definitionOf(app), auth) === undefined).toBe(ok);
  });
});
