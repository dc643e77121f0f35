/**
 * Applies an evaluated stack to a real Docker engine the way `pulumi up` would with
 * `@pulumi/docker` and `@pulumi/command`: host preparation commands run for real, then
 * networks, then containers in dependency order (create, networks, uploads, start, wait).
 */
import { parseWiringName } from "../../../plan/wiring/step";
import { execFileSync } from "node:child_process";
import type { Evaluation, RegisteredResource } from "../../../scripts/evaluate";
import { CONTAINER } from "../../../scripts/evaluate";
import type { DockerApi } from "./dockerApi";
import { containerCreate, networkCreate, type ContainerCreate } from "./providerMapping";
import { STANDIN, backupRootfs, programsOf, standinRootfs, type StandinSpec } from "./standins";
import { tar } from "./tar";

export const NETWORK = "docker:index/network:Network";
export const IMAGE = "docker:index/remoteImage:RemoteImage";
const LOCAL_COMMAND = "command:local:Command";

export interface AppliedContainer {
  resource: RegisteredResource;
  request: ContainerCreate;
  id: string;
}

export interface AppliedStack {
  containers: AppliedContainer[];
  networks: Map<string, string>;
  /** Host preparation scripts that ran, in order. */
  commands: RegisteredResource[];
}

/** Resources in an order where each comes after the resources it depends on. */
export function dependencyOrder(resources: readonly RegisteredResource[]): RegisteredResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const done = new Set<string>();
  const out: RegisteredResource[] = [];
  const visit = (r: RegisteredResource, path: string[]) => {
    if (done.has(r.urn)) return;
    if (path.includes(r.urn)) throw new Error(`dependency cycle: ${[...path, r.urn].join(" → ")}`);
    for (const d of r.dependencies) {
      const dep = byUrn.get(d);
      if (dep) visit(dep, [...path, r.urn]);
    }
    done.add(r.urn);
    out.push(r);
  };
  for (const r of resources) visit(r, []);
  return out;
}

/** The image reference (`repo:tag`) a container runs: the RemoteImage it depends on. */
export function imageOf(ev: Evaluation, container: RegisteredResource): string {
  const images = ev.resources.filter(
    (r) => r.type === IMAGE && container.dependencies.includes(r.urn),
  );
  if (images.length !== 1) throw new Error(`${container.name}: ${images.length} images`);
  return String(images[0].inputs.name);
}

/** What each image reference must provide, from every container that runs it. */
export function standinSpecs(
  ev: Evaluation,
  userOf: (reference: string) => string | undefined,
): StandinSpec[] {
  const specs = new Map<string, StandinSpec>();
  for (const c of ev.resources.filter((r) => r.type === CONTAINER)) {
    const reference = imageOf(ev, c);
    const spec = specs.get(reference) ?? {
      reference,
      user: userOf(reference),
      paths: new Set(),
      programs: new Set(),
    };
    specs.set(reference, spec);
    const entrypoint = (c.inputs.entrypoints ?? []) as string[];
    const command = (c.inputs.command ?? []) as string[];
    const health = ((c.inputs.healthcheck as { tests?: string[] } | undefined)?.tests ??
      []) as string[];
    const first = [
      entrypoint[0],
      entrypoint.length ? undefined : command[0],
      health[0] === "CMD" ? health[1] : undefined,
    ];
    for (const word of first) {
      if (!word || word.startsWith("-")) continue;
      if (word.startsWith("/")) spec.paths.add(word);
      else spec.programs.add(word);
    }
    const scripts = [
      ...entrypoint,
      ...command,
      ...(health[0] === "CMD-SHELL" ? health.slice(1) : []),
      ...(health[0] === "CMD" ? health.slice(1) : []),
    ];
    for (const p of programsOf(scripts)) spec.programs.add(p);
  }
  return [...specs.values()].sort((a, b) => a.reference.localeCompare(b.reference));
}

export interface ApplyOptions {
  /** Image reference → its default user (Dockerfile USER). */
  userOf(reference: string): string | undefined;
  /** Image references built from real Debian programs instead of a stand-in. */
  realImages: Partial<Record<string, () => Buffer>>;
}

export async function buildImages(
  api: DockerApi,
  ev: Evaluation,
  opts: ApplyOptions,
): Promise<void> {
  for (const spec of standinSpecs(ev, opts.userOf)) {
    const real = opts.realImages[spec.reference];
    const rootfs = real ? real() : standinRootfs(spec);
    const changes = real ? ['ENTRYPOINT ["/usr/bin/restic"]'] : [`ENTRYPOINT ["${STANDIN}"]`];
    if (spec.user) changes.push(`USER ${spec.user}`);
    changes.push("ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    await api.importImage(rootfs, spec.reference, changes);
  }
}

export { backupRootfs };

/**
 * Runs every host preparation command (`@pulumi/command` local `create`) with its interpreter.
 * Wiring steps are not host preparation: they call the apps' APIs once the apps run, which the
 * stand-in images do not serve; test/wiring runs their scripts against API stand-ins.
 */
export function runHostPreparation(ev: Evaluation): RegisteredResource[] {
  const commands = dependencyOrder(ev.resources).filter(
    (r) => r.type === LOCAL_COMMAND && parseWiringName(r.name) === undefined,
  );
  for (const c of commands) {
    const interpreter = (c.inputs.interpreter as string[] | undefined) ?? ["/bin/sh", "-c"];
    // @pulumi/command feeds `stdin` to the command (secret file contents travel that way).
    execFileSync(interpreter[0], [...interpreter.slice(1), String(c.inputs.create)], {
      stdio: "pipe",
      input: typeof c.inputs.stdin === "string" ? c.inputs.stdin : "",
    });
  }
  return commands;
}

async function waitHealthy(
  api: DockerApi,
  id: string,
  name: string,
  seconds: number,
): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const info = await api.json<{ State: { Health?: { Status: string } } }>(
      "GET",
      `/containers/${id}/json`,
    );
    if (!info.State.Health) throw new Error(`${name}: wait without a health check`);
    if (info.State.Health.Status === "healthy") return;
    if (Date.now() > deadline)
      throw new Error(`${name}: not healthy after ${seconds}s (${info.State.Health.Status})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function createContainer(
  api: DockerApi,
  ev: Evaluation,
  c: RegisteredResource,
  ids: Map<string, string>,
): Promise<AppliedContainer> {
  const request = containerCreate(c.inputs, {
    image: () => imageOf(ev, c),
    networkMode: (mode) => {
      if (!mode.startsWith("container:")) return mode;
      const real = ids.get(mode.slice("container:".length));
      if (!real) throw new Error(`${c.name}: network mode ${mode} names no created container`);
      return `container:${real}`;
    },
  });
  const created = await api.json<{ Id: string }>(
    "POST",
    `/containers/create?name=${encodeURIComponent(request.name)}`,
    request.body,
  );
  // The mock engine gives a container the id `<resource name>-id`; other inputs refer to it.
  ids.set(`${c.name}-id`, created.Id);
  if (request.networks.length) {
    await api.call("POST", "/networks/bridge/disconnect", { Container: created.Id, Force: false });
    for (const n of request.networks) {
      await api.call("POST", `/networks/${encodeURIComponent(n.name)}/connect`, {
        Container: created.Id,
        EndpointConfig: { Aliases: n.aliases },
      });
    }
  }
  for (const u of request.uploads) {
    const archive = tar([{ name: u.file, mode: u.mode, content: u.content }]);
    await api.call("PUT", `/containers/${created.Id}/archive?path=/`, archive);
  }
  await api.call("POST", `/containers/${created.Id}/start`);
  if (request.waitHealthy)
    await waitHealthy(api, created.Id, request.name, request.waitTimeoutSeconds);
  return { resource: c, request, id: created.Id };
}

export async function applyStack(
  api: DockerApi,
  ev: Evaluation,
  /** Only the containers this accepts (all by default); every host preparation runs. */
  only: (r: RegisteredResource) => boolean = () => true,
): Promise<AppliedStack> {
  const commands = runHostPreparation(ev);
  const networks = new Map<string, string>();
  for (const n of ev.resources.filter((r) => r.type === NETWORK)) {
    const created = await api.json<{ Id: string }>(
      "POST",
      "/networks/create",
      networkCreate(n.inputs),
    );
    networks.set(String(n.inputs.name), created.Id);
  }
  // Like the engine, each container starts as soon as the resources it depends on exist.
  const ids = new Map<string, string>();
  const pending = new Map<string, Promise<AppliedContainer>>();
  const containerResources = dependencyOrder(ev.resources).filter(
    (r) => r.type === CONTAINER && only(r),
  );
  for (const c of containerResources) {
    const deps = c.dependencies.flatMap((d) => pending.get(d) ?? []);
    pending.set(
      c.urn,
      Promise.all(deps).then(() => createContainer(api, ev, c, ids)),
    );
  }
  const applied = await Promise.all(
    containerResources.map((c) => pending.get(c.urn) as Promise<AppliedContainer>),
  );
  return { containers: applied, networks, commands };
}

/** Removes what applyStack created (containers, then networks); data directories stay. */
export async function removeStack(api: DockerApi, stack: AppliedStack): Promise<void> {
  for (const c of [...stack.containers].reverse())
    await api.call("DELETE", `/containers/${c.id}?force=1`, undefined, { okStatus: [204, 404] });
  for (const id of stack.networks.values())
    await api.call("DELETE", `/networks/${id}`, undefined, { okStatus: [204, 404] });
}
