import { defineConfig } from 'vitest/config';

// End-to-end and fault-injection tests start real servers and run real dbt: one file at a
// time on a 2-core machine.
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts', 'faults/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
