/**
 * The policy pack wires every rule into @pulumi/policy: resource rules as resource policies,
 * stack rules as stack policies, all mandatory. The PolicyPack constructor (which would start a
 * gRPC server for the CLI) is replaced to capture what index.ts registers.
 */
import type {
  PolicyPackArgs,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { CONTAINER, rules } from "./rules";

const mockCaptured: { name: string; args: PolicyPackArgs }[] = [];

jest.mock("@pulumi/policy", () => ({
  PolicyPack: jest.fn((name: string, args: PolicyPackArgs) => {
    mockCaptured.push({ name, args });
  }),
}));

async function pack(): Promise<PolicyPackArgs> {
  await jest.isolateModulesAsync(async () => {
    await import("./index");
  });
  const last = mockCaptured.at(-1);
  if (last === undefined) throw new Error("index.ts registered no policy pack");
  expect(last.name).toBe("homelab");
  return last.args;
}

const privileged = {
  type: CONTAINER,
  name: "cadvisor",
  urn: "urn:pulumi:prod::homelab::docker:index/container:Container::cadvisor",
  props: { privileged: true, memory: 128 } as Record<string, unknown>,
};

function resourceArgs(r: typeof privileged): ResourceValidationArgs {
  // Only the fields the pack reads; the rest of the framework's args is irrelevant here.
  const partial: Pick<ResourceValidationArgs, "type" | "name" | "urn" | "props"> = r;
  return partial as ResourceValidationArgs;
}

function stackArgs(resources: (typeof privileged)[]): StackValidationArgs {
  const partial: Pick<StackValidationArgs, "resources"> = {
    resources: resources as unknown as PolicyResource[],
  };
  return partial as StackValidationArgs;
}

function isStack(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
  return "validateStack" in p;
}

describe("policy pack", () => {
  it("registers every rule once, mandatory, stack rules as stack policies", async () => {
    const { policies, enforcementLevel } = await pack();
    expect(enforcementLevel).toBe("mandatory");
    expect(policies.map((p) => p.name)).toEqual(rules.map((r) => r.name));
    for (const [i, p] of policies.entries()) {
      expect(p.enforcementLevel).toBe("mandatory");
      expect(isStack(p)).toBe(rules[i].stack === true);
    }
  });

  it("reports a resource rule's violations through reportViolation", async () => {
    const policy = (await pack()).policies.find((p) => p.name === "no-privileged");
    if (policy === undefined || isStack(policy) || typeof policy.validateResource !== "function") {
      throw new Error("no-privileged is not a single resource validation");
    }
    const reported: string[] = [];
    await policy.validateResource(resourceArgs(privileged), (message) => reported.push(message));
    expect(reported).toEqual([
      '[no-privileged] cadvisor: runs privileged without a declared "privileged" exception',
    ]);

    const other: string[] = [];
    await policy.validateResource(
      resourceArgs({ ...privileged, type: "docker:index/network:Network" }),
      (m) => other.push(m),
    );
    expect(other).toEqual([]);
  });

  it("reports a stack rule's violations against the offending URN", async () => {
    const policy = (await pack()).policies.find((p) => p.name === "web-ports-on-edge-only");
    if (policy === undefined || !isStack(policy))
      throw new Error("web-ports-on-edge-only is not a stack policy");
    const web = {
      ...privileged,
      name: "nginx",
      props: { ports: [{ internal: 80, external: 80 }] },
    };
    const reported: [string, string | undefined][] = [];
    await policy.validateStack(stackArgs([web]), (message, urn) => reported.push([message, urn]));
    expect(reported).toEqual([
      [
        "[web-ports-on-edge-only] nginx: publishes 80/tcp but is not on the edge (homelab.edge=true)",
        web.urn,
      ],
    ]);
  });
});
