import type { Evaluation } from "../../scripts/evaluate";
import { container, envOf, runCached } from "../helpers/harness";

/**
 * KaraKeep's browser answers DevTools without any authentication: whoever reaches the port
 * drives a browser with a route out. It lives in KaraKeep's network namespace, on loopback.
 */
describe("KaraKeep's headless browser in good/everything.yaml", () => {
  let ev: Evaluation;
  beforeAll(async () => {
    ev = await runCached("good/everything.yaml");
  });

  it("shares KaraKeep's network namespace and has no network or port of its own", () => {
    const chrome = container(ev, "karakeep-chrome");
    expect(chrome.inputs.networkMode).toBe("container:karakeep-container-id");
    expect(chrome.inputs.networksAdvanced ?? []).toEqual([]);
    expect(chrome.inputs.ports ?? []).toEqual([]);
  });

  it("listens for DevTools on loopback only, where KaraKeep looks for it", () => {
    const chrome = container(ev, "karakeep-chrome");
    const command = chrome.inputs.command as string[];
    expect(command).toContain("--remote-debugging-address=127.0.0.1");
    expect(command.filter((a) => a.startsWith("--remote-debugging-address"))).toHaveLength(1);
    expect(envOf(container(ev, "karakeep")).BROWSER_WEB_URL).toBe("http://127.0.0.1:9222");
  });
});
