/**
 * Reading the dump hooks an evaluated stack leaves on its hosts: the HostFile write commands
 * under each app's BackupHook, with the file each writes and the app and host they belong to.
 */
import type { Evaluation, RegisteredResource } from "../../scripts/evaluate";
import { LABELS } from "../../plan/labels";
import { CONTAINER, labelsOf, writtenContent } from "../helpers/harness";

export { writtenContent };

export interface HookWrite {
  /** The write command (`command:local:Command` or `command:remote:Command`). */
  command: RegisteredResource;
  /** Host path of the file. */
  path: string;
  /** The app's container (the BackupHook's parent App), whose labels name app and host. */
  container: RegisteredResource;
  app: string;
  host: string;
}

const byUrn = (ev: Evaluation) => new Map(ev.resources.map((r) => [r.urn, r]));

/** The file path a HostFile's write command moves into place. */
export function writtenPath(command: RegisteredResource): string {
  const m = /\$SUDO mv '[^']*' '([^']+)'$/.exec(String(command.inputs.create));
  if (!m)
    throw new Error(
      `${command.name} moves no file into place: ${JSON.stringify(command.inputs.create)}`,
    );
  return m[1];
}

/** Every file written by a BackupHook of the stack. */
export function hookWrites(ev: Evaluation): HookWrite[] {
  const urns = byUrn(ev);
  const out: HookWrite[] = [];
  for (const command of ev.resources.filter((r) => r.type.startsWith("command:"))) {
    const file = urns.get(command.parent);
    const hook = file ? urns.get(file.parent) : undefined;
    if (!hook || hook.type !== "homelab:backup:BackupHook") continue;
    const container = ev.resources.find((r) => r.type === CONTAINER && r.parent === hook.parent);
    if (!container) throw new Error(`${hook.name} belongs to no app with a container`);
    const labels = labelsOf(container);
    out.push({
      command,
      path: writtenPath(command),
      container,
      app: labels[LABELS.app],
      host: labels[LABELS.host],
    });
  }
  return out;
}

/** The key=value fields of a hook file. */
export function hookFields(content: string): Record<string, string> {
  return Object.fromEntries(
    content
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** The URNs of a resource and everything below it. */
export function subtree(ev: Evaluation, root: RegisteredResource): Set<string> {
  const found = new Set([root.urn]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of ev.resources) {
      if (!found.has(r.urn) && found.has(r.parent)) {
        found.add(r.urn);
        grew = true;
      }
    }
  }
  return found;
}
