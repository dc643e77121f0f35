/**
 * `npm test`: needs only Node and npm. Suites named `*.lab.test.ts` need real tools and a
 * Docker engine and run under `npm run test:lab` (jest.lab.config.js).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test", "<rootDir>/policy"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "\\.lab\\.test\\.ts$"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 120000,
  // jest's default is one worker per core but one (here: 1 of 2); the main process idles while
  // workers run, so both cores work.
  maxWorkers: 2,
  // Every stack file is evaluated once per run and shared by the suites (test/helpers/evaluations.ts).
  globalSetup: "<rootDir>/test/helpers/globalSetup.ts",
  globalTeardown: "<rootDir>/test/helpers/globalTeardown.ts",
};
