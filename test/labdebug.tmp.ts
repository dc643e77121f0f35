import { run } from "/work/main/test/helpers/harness";
import { applyStack, backupRootfs, buildImages } from "/work/main/test/lab/engine/apply";
import { DockerApi } from "/work/main/test/lab/engine/dockerApi";
import { imageUser, labStack } from "/work/main/test/lab/engineLab";
(async () => {
  const api = new DockerApi("/tmp/dockerlab/docker.sock");
  const lab = labStack(process.argv[2]);
  console.log(lab.root);
  const ev = await run(lab.config);
  if (ev.error) throw ev.error;
  await buildImages(api, ev, { userOf: imageUser, realImages: { "restic/restic:0.18.0": () => backupRootfs("/usr/lib/postgresql/15/bin") } });
  const a = await applyStack(api, ev);
  console.log(a.containers.length);
})().catch((e) => { console.error(e); process.exit(1); });
