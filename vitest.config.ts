import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real peers on free ports; files run in parallel processes.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
