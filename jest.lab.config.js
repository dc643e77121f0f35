/**
 * `npm run test:lab` (scripts/lab.sh): the suites that run real tools (promtool, amtool,
 * shellcheck, restic, busybox, PostgreSQL, MariaDB, Redis, caddy) and a real Docker engine.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.lab.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 300000,
};
