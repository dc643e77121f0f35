/** One problem in the stack configuration, named by its full config key. */
export interface ConfigIssue {
  key: string;
  message: string;
}

/** Every problem found in a stack file, reported at once before any resource exists. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `Invalid stack configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issues.map((i) => `  - ${i.key}: ${i.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Formats a key path as the owner types it: `homelab:hosts.atlas.storage.hdd`. */
export function keyOf(namespaceKey: string, path: readonly PropertyKey[] = []): string {
  return [namespaceKey, ...path.map(String)].join(".");
}
