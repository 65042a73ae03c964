/** Tests run against the TypeScript sources (ts-jest transpiling file by file via tsconfig.test.json's isolatedModules, no type-check: `npm run build` type-checks first);
 *  protocol tests launch the compiled pack from dist/, which `npm test` builds before jest runs.
 *  Two lanes: test/unit (in-process, no servers) and test/integration (the real registry, the pack
 *  over gRPC, the CLI, loopback servers). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.test.json" }] },
  testTimeout: 60000,
};
