import { evaluate } from "../scripts/evaluate";
import { stackConfig } from "./helpers/harness";

// The entry point itself, as `pulumi up` loads it: stack outputs are its exports.
describe("index.ts", () => {
  it("builds the prod stack and exports hosts, apps, urls and secret outputs", async () => {
    const ev = await evaluate(stackConfig("prod"), () => import("../index"));
    expect(ev.error).toBeUndefined();
    const hosts = ev.outputs.hosts as Record<string, { edge: boolean; gpu: string }>;
    expect(Object.keys(hosts).sort()).toEqual(["forge", "gateway", "nas"]);
    expect(hosts.gateway.edge).toBe(true);
    expect(hosts.forge.gpu).toBe("nvidia");
    const urls = ev.outputs.urls as Record<string, string>;
    expect(urls.traefik).toBe("https://traefik.home.example.com");
    const providers = ev.resources.filter((r) => r.type === "pulumi:providers:docker");
    expect(providers.map((p) => p.inputs.host).sort()).toEqual([
      "ssh://deploy@10.0.10.2",
      "ssh://deploy@10.0.10.3",
      "tcp://10.0.10.4:2376",
    ]);
    // TLS material of the tcp:// host is secret.
    expect(providers.find((p) => p.name === "forge-docker")?.secretPaths.sort()).toEqual([
      "caMaterial",
      "certMaterial",
      "keyMaterial",
    ]);
  });
});
