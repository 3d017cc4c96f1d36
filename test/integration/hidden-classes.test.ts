import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Objects read from the store keep one V8 hidden class with fast properties, from the first
 * row on and across garbage collections (src/store/repositories/row-mapping.ts, ObjectShape).
 * Accounts read as dictionaries, and as a new hidden class once a second, made routing and
 * delivery deoptimise and recompile over and over in a run's first seconds. V8's own checks
 * say it here, as they said it in the benchmark.
 */
setFlagsFromString('--allow-natives-syntax');
setFlagsFromString('--expose-gc');
const sameHiddenClass = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const fastProperties = new Function('a', 'return %HasFastProperties(a)') as (a: object) => boolean;
const gc = runInNewContext('gc') as () => void;
setFlagsFromString('--no-allow-natives-syntax');

await describeEachDialect('hidden classes of stored objects', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'peer', smtp: { host: '127.0.0.1', port: 2525, security: 'none', requireTls: false } } })).json();
    // Accounts whose optional columns differ: a display name or none, a rate limit or none.
    await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'plain@example.com' } });
    await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'named@example.com', fromName: 'Named', rateLimit: { perMinute: 60 } } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reads accounts and API keys as fast objects of one hidden class each, while other tables are read through the same code, and after a full GC', async () => {
    const store = t.app.ports.ctx.store;
    // In a transaction every read goes to the database (the configuration cache serves only reads outside one).
    // API keys carry their creator (a joined row) as a computed property: the same holds for them.
    const readAll = () =>
      store.transaction(async (r) => ({
        accounts: await r.accounts.list(),
        keys: await r.apiKeys.list(),
        others: [await r.servers.list(), await r.purposes.list(), await r.layouts.list(), await r.templates.list()],
      }));
    const first = await readAll();
    expect(first.accounts).toHaveLength(2);
    expect(first.keys.length).toBeGreaterThan(0);
    const accounts: object[] = [...first.accounts];
    const keys: object[] = [...first.keys];
    for (let i = 0; i < 300; i++) {
      const read = await readAll();
      accounts.push(...read.accounts);
      keys.push(...read.keys);
      if (i % 100 === 99) gc();
    }
    for (const seen of [accounts, keys]) {
      const last = seen[seen.length - 1];
      for (const value of seen) {
        expect(fastProperties(value)).toBe(true);
        expect(sameHiddenClass(value, last)).toBe(true);
      }
    }
  });
});
