/**
 * Imports flow one way (DESIGN §1): config → catalog → plan → hosts → components → program.
 * Each stage imports only earlier ones, and nothing imports in a circle. `npm run lint` runs it.
 */
const STAGES = ["config", "catalog", "plan", "hosts", "components"];

/** One rule per stage: it may not import any later stage. */
const laterStages = STAGES.map((stage, i) => ({
  name: `${stage}-imports-only-earlier-stages`,
  comment: `${stage}/ may import only ${STAGES.slice(0, i + 1).join(", ")}`,
  severity: "error",
  from: { path: `^${stage}/` },
  to: {
    path: `^(${[...STAGES.slice(i + 1), "program\\.ts", "index\\.ts", "scripts", "policy", "test"].join("|")})(/|$)`,
  },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "A cycle means two modules decide each other; split the shared part out.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    ...laterStages,
    {
      name: "policy-reads-plan-not-program",
      comment:
        "The policy pack checks resources; it may share plan's pure helpers, not build stacks.",
      severity: "error",
      from: { path: "^policy/" },
      to: { path: "^(hosts|components|program\\.ts|index\\.ts|scripts|test)(/|$)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^node_modules/|^out/|^bin/)" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
  },
};
