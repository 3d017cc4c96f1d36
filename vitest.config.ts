import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real peers on free ports; files run in parallel processes.
    pool: 'forks',
    maxWorkers: 2,
    // Each worker process runs file after file with the modules it loaded already: re-importing
    // the whole server (Fastify, Kysely, pg, nodemailer, LiquidJS …) for each of 220 files cost
    // about a quarter of the suite's wall time. Every file closes what it starts (its apps, peers
    // and browsers in afterAll) and restores the environment it changes; a test that needs a
    // fresh process's state makes its own (test/unit/ids.test.ts). Never vi.resetModules: the
    // modules it evaluates again register their metrics a second time in prom-client's registry.
    isolate: false,
    // …and the process's id clock restarts for each file (ids carry their maker's time).
    setupFiles: ['test/setup/fresh-id-clock.ts'],
    // One migrated PostgreSQL database per run, which test apps' databases copy.
    globalSetup: ['test/setup/postgres-template.ts'],
    // What failed is repeated after the summary, where a CI log's tail keeps it.
    reporters: ['default', './test/setup/failures-last-reporter.ts'],
  },
});
