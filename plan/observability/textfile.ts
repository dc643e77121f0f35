import { nodeExporter, TEXTFILE_TARGET } from "../../catalog/observability";
import type { HomelabSpec, HostSpec } from "../../config/spec";
import { appMounts } from "../storage";

/**
 * The host directory node-exporter's textfile collector reads on `host`: jobs there (the
 * backup job) write `<name>.prom` files into it, atomically (write, then rename).
 */
export function textfileDir(spec: Pick<HomelabSpec, "storage">, host: HostSpec): string {
  const mount = appMounts(nodeExporter, host, spec.storage).find(
    (m) => m.target === TEXTFILE_TARGET,
  );
  if (!mount) throw new Error("node-exporter has no textfile collector mount");
  return mount.source;
}
