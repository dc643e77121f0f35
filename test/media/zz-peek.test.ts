import { containers, run, labelsOf, envOf } from "../helpers/harness";
it("peek", async () => {
  const ev = await run("prod");
  if (ev.error) console.log(ev.error.message);
  for (const c of containers(ev)) {
    if (labelsOf(c)["homelab.profile"] !== "media") continue;
    console.log(c.name, JSON.stringify({ nm: c.inputs.networkMode, na: c.inputs.networksAdvanced, ports: c.inputs.ports, vols: c.inputs.volumes, dev: c.inputs.devices, ga: c.inputs.groupAdds, dr: c.inputs.deviceRequests, sp: c.secretPaths, env: Object.keys(envOf(c)), ro: c.inputs.readOnly, tmpfs: c.inputs.tmpfs, deps: c.dependencies.length }));
  }
  console.log(JSON.stringify(Object.keys(ev.outputs.generatedSecrets as object)));
});
