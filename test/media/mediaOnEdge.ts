import type { StackConfig } from "../../scripts/stackFile";
import { stackConfig, withConfig } from "../helpers/harness";

/**
 * everything.yaml with the media host (`nas`) as the edge: its apps sit behind Authelia on
 * the host that routes them, and their ports are published nowhere.
 */
export function everythingWithMediaOnEdge(): StackConfig {
  return withConfig(stackConfig("good/everything.yaml"), (c) => {
    const hosts = c["homelab:hosts"] as Record<string, Record<string, unknown>>;
    delete hosts.gateway.edge;
    hosts.nas.edge = true;
  });
}
