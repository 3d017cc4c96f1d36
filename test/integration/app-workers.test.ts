import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The composition root's workers: `{ name, start, stop }`, started in the order src/app.ts
 * lists them and stopped in reverse when the app closes (the relay, listed after delivery,
 * stops taking mail before delivery stops), each once, while the store is still open.
 */
describe('app workers', () => {
  let t: TestApp | undefined;
  afterAll(async () => {
    // Closed by the test itself; this only cleans up after a failure.
    await t?.close().catch(() => undefined);
  });

  it('start in order and stop in reverse order when the app closes', async () => {
    const port = await freePort();
    const tlsPort = await freePort();
    t = await startTestApp('sqlite', {
      env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_RELAY_PORT: String(port), MAILROOM_RELAY_TLS_PORT: String(tlsPort) },
      config: { runWorkers: true },
    });
    const app = t.app;
    const names = app.workers.map((w) => w.name);
    expect(names).toEqual(['delivery', 'webhooks', 'inbound', 'search-index', 'retention', 'smtp-relay']);

    // Record each call as it happens, then hand it to the worker itself.
    const calls: string[] = [];
    let storeOpenAtEveryStop = true;
    for (const w of app.workers) {
      const start = w.start.bind(w);
      const stop = w.stop.bind(w);
      w.start = async () => {
        calls.push(`start ${w.name}`);
        await start();
      };
      w.stop = async () => {
        calls.push(`stop ${w.name}`);
        // Workers finish their work in progress while the database can still take it.
        await app.ports.ctx.store.repos.users.count().catch(() => (storeOpenAtEveryStop = false));
        await stop();
      };
    }
    await app.startWorkers();
    // Starting again starts nothing twice.
    await app.startWorkers();
    expect(calls).toEqual(names.map((n) => `start ${n}`));

    calls.length = 0;
    await t.close();
    t = undefined;
    expect(calls).toEqual([...names].reverse().map((n) => `stop ${n}`));
    expect(storeOpenAtEveryStop).toBe(true);
  });
});
