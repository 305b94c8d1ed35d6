import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/redis-ha.mjs when missing or stale: process tests run the built CLI.
    globalSetup: ['test/support/build-cli.ts'],
    // Integration tests start real redis-server and sentinel processes; failovers take seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: run files two at a time so that sentinel timing stays realistic.
    maxWorkers: 2,
    // CI (.ci/run) sets VITEST_JSON to read the pass/fail counts from test-results.json.
    reporters: process.env.VITEST_JSON ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results.json' },
  },
});
