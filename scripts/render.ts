import { proxyOf, type HomelabSpec, type HostSpec, type Tier } from "../config/spec";
import { LABELS } from "../plan/labels";
import { parseWiringName, type WiringStep } from "../plan/wiring/step";
import { CONTAINER, labelsOf, type Evaluation, type RegisteredResource } from "./evaluate";

const NETWORK = "docker:index/network:Network";
const DNS = "cloudflare:index/dnsRecord:DnsRecord";

interface Volume {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

function tierOf(host: HostSpec, path: string): Tier | undefined {
  return (Object.entries(host.storage) as [Tier, string][]).find(
    ([, root]) => path === root || path.startsWith(`${root}/`),
  )?.[0];
}

const COMMANDS = ["command:remote:Command", "command:local:Command"];

/** Every wiring step the evaluation registered (plan/wiring/step.ts names them). */
function wiringSteps(ev: Evaluation): Pick<WiringStep, "app" | "step">[] {
  return ev.resources
    .filter((r) => COMMANDS.includes(r.type))
    .map((r) => parseWiringName(r.name))
    .filter((s): s is Pick<WiringStep, "app" | "step"> => s !== undefined);
}

/** The wiring steps of an app, by step name. */
function wiringStepsOf(ev: Evaluation, app: string): string[] {
  return wiringSteps(ev)
    .filter((s) => s.app === app)
    .map((s) => s.step)
    .sort();
}

function gpuOf(r: RegisteredResource): string | undefined {
  if (Array.isArray(r.inputs.deviceRequests) && r.inputs.deviceRequests.length) return "nvidia";
  const devices = (r.inputs.devices ?? []) as { hostPath: string }[];
  return devices.some((d) => d.hostPath === "/dev/dri") ? "/dev/dri" : undefined;
}

/** A tree per host of what `pulumi up` would create, as plain text. */
export function renderPlan(
  spec: HomelabSpec,
  ev: Evaluation,
  urls: Record<string, string>,
): string {
  const lines: string[] = [
    `homelab · stack ${spec.stack} · mode ${spec.mode}${spec.mode === "domain" ? ` · ${spec.domain}` : ""}`,
    "",
  ];
  const containers = ev.resources.filter((r) => r.type === CONTAINER);
  for (const host of spec.hosts) {
    const mine = containers
      .filter((c) => labelsOf(c)[LABELS.host] === host.name)
      .sort((a, b) => a.name.localeCompare(b.name));
    const tiers = Object.entries(host.storage)
      .map(([t, root]) => `${t}=${root}`)
      .join(" ");
    lines.push(
      `${host.name}${host.edge ? " (edge)" : ""} · ${host.docker.url} · ${host.address} · gpu ${host.gpu} · ${tiers}`,
    );
    const nets = ev.resources.filter(
      (r) => r.type === NETWORK && r.name.startsWith(`${host.name}-`),
    );
    lines.push(
      `├─ networks: ${nets.map((n) => `${String(n.inputs.name)}${n.inputs.internal ? " (internal)" : ""}`).join(", ")}`,
    );
    mine.forEach((c, i) => {
      const last = i === mine.length - 1;
      const l = labelsOf(c);
      const app = l[LABELS.app];
      const image = ev.resources.find(
        (r) =>
          r.type === "docker:index/remoteImage:RemoteImage" &&
          r.name === c.name.replace(/-container$/, "-image"),
      );
      const gpu = gpuOf(c);
      const head = [
        `${app}`,
        String(image?.inputs.name ?? "?"),
        `${c.inputs.memory} MB`,
        urls[app] ?? "",
        gpu ? `gpu ${gpu}` : "",
      ].filter(Boolean);
      lines.push(`${last ? "└─" : "├─"} ${head.join(" · ")}`);
      const pad = last ? "   " : "│  ";
      for (const v of (c.inputs.volumes ?? []) as Volume[]) {
        lines.push(
          `${pad}  ${v.containerPath} ← ${v.hostPath} [${tierOf(host, v.hostPath) ?? "host"}]${v.readOnly ? " ro" : ""}`,
        );
      }
      for (const p of (c.inputs.ports ?? []) as {
        internal: number;
        external: number;
        protocol?: string;
        ip?: string;
      }[]) {
        lines.push(
          `${pad}  publishes ${p.ip ? `${p.ip}:` : ""}${p.external}/${p.protocol ?? "tcp"} → ${p.internal}`,
        );
      }
      const steps = wiringStepsOf(ev, app);
      if (steps.length) lines.push(`${pad}  wires ${steps.join(", ")} once it runs`);
      if (
        typeof c.inputs.networkMode === "string" &&
        c.inputs.networkMode.startsWith("container:")
      ) {
        lines.push(
          `${pad}  network namespace of ${c.inputs.networkMode.slice("container:".length)}`,
        );
      }
    });
    lines.push("");
  }
  const records = ev.resources.filter((r) => r.type === DNS);
  if (records.length) {
    lines.push("DNS records (Cloudflare)");
    for (const r of records) {
      lines.push(
        `  ${String(r.inputs.name)} ${String(r.inputs.type)} ${String(r.inputs.content)}${r.inputs.proxied ? " proxied" : " DNS only"}`,
      );
    }
    lines.push("");
  }
  const count = (t: string) => ev.resources.filter((r) => r.type === t).length;
  const memory = containers.reduce((sum, c) => sum + Number(c.inputs.memory ?? 0), 0);
  const wiring = wiringSteps(ev).length;
  lines.push(
    `Totals: ${ev.resources.length} resources · ${spec.hosts.length} hosts · ${containers.length} containers · ${count(NETWORK)} networks · ${records.length} DNS records · ${wiring} wiring steps · ${memory} MB memory limits`,
  );
  return lines.join("\n");
}

/** The topology as a Mermaid flowchart: hosts as subgraphs, apps inside, routes from the edge. */
export function renderMermaid(
  spec: HomelabSpec,
  ev: Evaluation,
  urls: Record<string, string>,
): string {
  const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");
  const out = ["flowchart LR", "  internet((Internet))"];
  const containers = ev.resources.filter((r) => r.type === CONTAINER);
  for (const host of spec.hosts) {
    out.push(
      `  subgraph ${id(host.name)}["${host.name}${host.edge ? " (edge)" : ""} · ${host.address}"]`,
    );
    for (const c of containers
      .filter((x) => labelsOf(x)[LABELS.host] === host.name)
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const app = labelsOf(c)[LABELS.app];
      out.push(`    ${id(`${host.name}_${app}`)}["${app}"]`);
    }
    out.push("  end");
  }
  const edge = spec.hosts.find((h) => h.edge);
  const proxyApp = proxyOf(spec);
  if (edge && containers.some((c) => labelsOf(c)[LABELS.app] === proxyApp)) {
    const proxy = id(`${edge.name}_${proxyApp}`);
    out.push(`  internet --> ${proxy}`);
    for (const c of containers) {
      const l = labelsOf(c);
      if (l[LABELS.app] !== proxyApp && urls[l[LABELS.app]])
        out.push(`  ${proxy} --> ${id(`${l[LABELS.host]}_${l[LABELS.app]}`)}`);
    }
  }
  return out.join("\n") + "\n";
}
