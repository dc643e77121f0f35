import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "./stackFile";

/** One resource as the engine would receive it. */
export interface RegisteredResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string;
  /** URNs this resource waits for (dependsOn and inputs). */
  dependencies: string[];
  provider: string;
  protect: boolean;
  retainOnDelete: boolean;
  replaceOnChanges: string[];
  inputs: Record<string, unknown>;
  /** Dotted paths of inputs that are marked secret (`envs.3`, `uploads.0.content`). */
  secretPaths: string[];
  /** Earlier identities the engine maps to this resource (`aliases`), as the SDK sends them. */
  aliases: AliasSpec[];
}

/** One alias as the SDK sends it to the engine (empty fields: the resource's own). */
export interface AliasSpec {
  urn?: string;
  name?: string;
  type?: string;
  parentUrn?: string;
  noParent?: boolean;
}

export interface Evaluation {
  resources: RegisteredResource[];
  outputs: Record<string, unknown>;
  error?: Error;
}

/** The type token of a Docker container. */
export const CONTAINER = "docker:index/container:Container";

/** A container's labels as a record (the provider takes a list of `{ label, value }`). */
export function labelsOf(r: RegisteredResource): Record<string, string> {
  const list = (r.inputs.labels ?? []) as { label: string; value: string }[];
  return Object.fromEntries(list.map((l) => [l.label, l.value]));
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function secretPaths(value: unknown, path: string[] = []): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => secretPaths(v, [...path, String(i)]));
  if (value && typeof value === "object") {
    const rec = value as Record<string, unknown>;
    if (rec[SECRET_SIG] === SECRET_SIG_VALUE) return [path.join(".")];
    return Object.entries(rec).flatMap(([k, v]) => secretPaths(v, [...path, k]));
  }
  return [];
}

/** Inputs as a provider sees them: secret wrappers removed (their paths are kept in secretPaths). */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const rec = value as Record<string, unknown>;
    if (rec[SECRET_SIG] === SECRET_SIG_VALUE) return unwrapSecrets(rec.value);
    return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

const hash = (s: string) => createHash("sha256").update(s).digest("hex");

/** Values the mocked providers compute, deterministic so evaluations compare byte for byte. */
function computedState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  switch (type) {
    case "docker:index/remoteImage:RemoteImage":
      return {
        ...inputs,
        imageId: `sha256:${hash(String(inputs.name))}`,
        repoDigest: `${String(inputs.name)}@sha256:${hash(name)}`,
      };
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString":
      return {
        ...inputs,
        result: `mock-${hash(name).slice(0, Number(inputs.length ?? 32))}`,
        bcryptHash: `$2a$10$mock${hash(name).slice(0, 20)}`,
      };
    case "random:index/randomBytes:RandomBytes":
      return { ...inputs, hex: hash(name), base64: Buffer.from(hash(name)).toString("base64") };
    case "command:local:Command":
    case "command:remote:Command":
      // The render group lookup answers like a host whose render node belongs to gid 993.
      return {
        ...inputs,
        stdout: String(inputs.create).includes("/dev/dri/renderD128") ? "993" : "",
        stderr: "",
      };
    default:
      return inputs;
  }
}

interface MonitorLike {
  registerResource(req: RegisterRequest, cb: (err: unknown, res: unknown) => void): Promise<void>;
}
interface AliasMessage {
  getUrn(): string;
  getSpec():
    | { getName(): string; getType(): string; getParenturn(): string; getNoparent(): boolean }
    | undefined;
}
function aliasSpec(a: AliasMessage): AliasSpec {
  const spec = a.getSpec();
  if (!spec) return { urn: a.getUrn() };
  const out: AliasSpec = {};
  if (spec.getName()) out.name = spec.getName();
  if (spec.getType()) out.type = spec.getType();
  if (spec.getParenturn()) out.parentUrn = spec.getParenturn();
  if (spec.getNoparent()) out.noParent = true;
  return out;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
  getProvider(): string;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getReplaceonchangesList(): string[];
  getAliasesList(): AliasMessage[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

function resolveOutput(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    return new Promise((resolve) => (value as pulumi.Output<unknown>).apply((v) => resolve(v)));
  }
  return Promise.resolve(value);
}

/**
 * Runs `run` (the program) against Pulumi's mock engine with the given stack
 * configuration and records every registered resource.
 */
export async function evaluate(
  stack: StackConfig,
  run: () => Record<string, unknown> | Promise<Record<string, unknown>>,
): Promise<Evaluation> {
  pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
  const resources: RegisteredResource[] = [];
  // The mock monitor calls newResource synchronously from registerResource: this is that request.
  let current: RegisteredResource | undefined;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
        if (current) current.inputs = inputs;
        return { id: `${args.name}-id`, state: computedState(args.type, args.name, inputs) };
      },
      call: (args) => {
        if (args.token === "cloudflare:index/getZone:getZone") {
          const name = String(
            (args.inputs.filter as { name?: string } | undefined)?.name ?? "zone",
          );
          return {
            id: `zone-${hash(name).slice(0, 32)}`,
            zoneId: `zone-${hash(name).slice(0, 32)}`,
            name,
          };
        }
        return args.inputs;
      },
    },
    stack.project,
    stack.stack,
    true,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const original = monitor.registerResource.bind(monitor);
  let pending = 0;
  monitor.registerResource = async (req, cb) => {
    pending++;
    const raw = req.getObject()?.toJavaScript() ?? {};
    const entry: RegisteredResource = {
      urn: "",
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent(),
      dependencies: [...req.getDependenciesList()].sort(),
      provider: req.getProvider(),
      protect: req.getProtect(),
      retainOnDelete: req.getRetainondelete(),
      replaceOnChanges: req.getReplaceonchangesList(),
      inputs: {},
      secretPaths: secretPaths(raw),
      aliases: req.getAliasesList().map(aliasSpec),
    };
    resources.push(entry);
    try {
      current = entry;
      const done = original(req, (err, res) => {
        if (res && typeof res === "object" && "getUrn" in res)
          entry.urn = (res as { getUrn(): string }).getUrn();
        cb(err, res);
      });
      current = undefined;
      await done;
    } finally {
      pending--;
    }
  };

  let outputs: Record<string, unknown> = {};
  // The runtime records a stack trace with every promise for leak reports; under mocks
  // that dominates evaluation time, so keep those traces short while the program runs.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 3;
  try {
    const exported = await run();
    outputs = Object.fromEntries(
      await Promise.all(
        Object.entries(exported).map(async ([k, v]) => [k, await resolveOutput(v)] as const),
      ),
    );
    await settle(() => pending);
  } catch (error) {
    // Resources constructed before the failure reach the engine a few ticks later: wait for
    // them, so "nothing was registered" is a fact about the program, not about timing.
    await settle(() => pending);
    return { resources, outputs, error: error as Error };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  resources.sort((a, b) => a.urn.localeCompare(b.urn));
  return { resources, outputs };
}

async function settle(pending: () => number): Promise<void> {
  let quiet = 0;
  while (quiet < 50) {
    await new Promise((r) => setImmediate(r));
    quiet = pending() === 0 ? quiet + 1 : 0;
  }
}
