import { Homelab } from "./components/homelab";
import { stackOutputs } from "./components/outputs";
import { loadSpec } from "./plan/resolve";

/** The program: validate the stack (throws before any resource), then build the homelab. */
export function deploy() {
  const spec = loadSpec();
  const homelab = new Homelab("homelab", { spec });
  return stackOutputs(spec, homelab);
}
