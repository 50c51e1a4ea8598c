import { defineConfig } from 'vitest/config';

// End-to-end and fault-injection tests start real servers and run real dbt: one file at a
// time on a 2-core machine.
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts', 'faults/**/*.test.ts'],
    fileParallelism: false,
    // Tests wait for conditions, not for time: these only end a hung test, and are far above
    // what a machine three times slower than a loaded 2-core one needs.
    testTimeout: 30 * 60_000,
    hookTimeout: 30 * 60_000,
  },
});
