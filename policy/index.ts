/**
 * The homelab policy pack: `pulumi preview --policy-pack policy` (or `pulumi up ...`) runs every
 * rule of `./rules` against the program's resources, mandatory. The rules are pure functions; the
 * jest invariant tests call the same ones on the inputs captured under mocks.
 */
import {
  PolicyPack,
  type Policies,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { rules, type ResourceView, type Rule } from "./rules";

interface PolicyResourceLike {
  type: string;
  name: string;
  props: Record<string, unknown>;
}

/**
 * The props stay the policy framework's proxy, not a copy: reading a value that is unknown during
 * preview throws, and the framework reports that one policy as "can't run during preview" for that
 * resource instead of failing the run. Copying would read (and trip on) every field.
 */
function view(resource: PolicyResourceLike): ResourceView {
  return { type: resource.type, name: resource.name, props: resource.props };
}

function metadata(rule: Rule) {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory" as const,
    ...(rule.cis === undefined
      ? {}
      : {
          framework: {
            name: "CIS Docker Benchmark",
            version: "1.6.0",
            reference: rule.cis,
            specification: rule.description,
          },
        }),
  };
}

function resourcePolicy(rule: Rule): ResourceValidationPolicy {
  return {
    ...metadata(rule),
    validateResource: (args, reportViolation) => {
      if (!rule.types.includes(args.type)) return;
      for (const message of rule.check(view(args))) reportViolation(message);
    },
  };
}

function stackPolicy(rule: Rule): StackValidationPolicy {
  return {
    ...metadata(rule),
    validateStack: (args, reportViolation) => {
      const all = args.resources.map(view);
      args.resources.forEach((resource, i) => {
        if (!rule.types.includes(resource.type)) return;
        for (const message of rule.check(all[i], all)) reportViolation(message, resource.urn);
      });
    },
  };
}

const policies: Policies = rules.map((rule) =>
  rule.stack ? stackPolicy(rule) : resourcePolicy(rule),
);

new PolicyPack("homelab", {
  description: "CIS Docker Benchmark section 5 and homelab exposure rules for the homelab program.",
  enforcementLevel: "mandatory",
  policies,
});
