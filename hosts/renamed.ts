import type * as pulumi from "@pulumi/pulumi";

/**
 * Options that add the component's former type token as an alias, so a stack deployed before
 * a rename keeps its resources (and their children) instead of replacing them.
 */
export function withAlias<T extends pulumi.ResourceOptions>(
  opts: T | undefined,
  formerType: string,
): T {
  return { ...opts, aliases: [...(opts?.aliases ?? []), { type: formerType }] } as T;
}
