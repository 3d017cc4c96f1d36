import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../src/core/kernel/ids.js';
import { newDelivery } from '../../src/core/webhooks/delivery-queue.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Deleting a webhook endpoint with a long log: its deliveries and their attempts go a chunk at a
 * time before the endpoint (one cascading DELETE of months of them held SQLite's event loop for
 * seconds), so a message accepted meanwhile is answered before the delete ends; another
 * endpoint's log is untouched.
 */
const COUNT = 2_500;

await describeEachDialect('deleting a webhook endpoint with a long log', (dialect) => {
  let t: TestApp;
  const ids: Record<'gone' | 'kept', string> = { gone: '', kept: '' };

  const api = (method: 'POST' | 'DELETE' | 'GET', url: string, payload?: Record<string, unknown>) => t.request({ method, url: `/api/v1${url}`, payload });
  const count = async (table: 'webhook_deliveries' | 'webhook_attempts') => Number((await t.app.infra.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    const repos = t.app.ports.ctx.store.repos;
    const at = Date.now() - 3_600_000;
    const event = { id: newId('evt', at), type: 'message.sent', messageId: 'msg_gone', at, data: '{}' };
    await repos.eventJournal.append([event], { read: true });
    for (const name of ['gone', 'kept'] as const) {
      ids[name] = (await api('POST', '/webhooks', { url: `http://127.0.0.1:9/${name}`, events: ['message.sent'] })).json().id;
      const deliveries = Array.from({ length: name === 'gone' ? COUNT : 3 }, (_, i) => ({ ...newDelivery(ids[name], event, at + i), status: 'failed' as const, attemptCount: 1, completedAt: at + i }));
      await repos.webhookDeliveries.insert(deliveries);
      for (let i = 0; i < deliveries.length; i += 500) {
        const rows = deliveries.slice(i, i + 500).map((d) => ({ id: newId('wha', at), delivery_id: d.id, at, duration_ms: 5, outcome: 'failed', status_code: 500, error: 'HTTP 500', response_excerpt: null }));
        await t.app.infra.db.insertInto('webhook_attempts').values(rows).execute();
      }
    }
  });
  afterAll(async () => t?.close());

  it('deletes the log in chunks while accepts are answered, then the endpoint', async () => {
    expect(await count('webhook_deliveries')).toBe(COUNT + 3);
    expect(await count('webhook_attempts')).toBe(COUNT + 3);
    const del = api('DELETE', `/webhooks/${ids.gone}`).then((r) => ({ r, at: performance.now() }));
    await new Promise((r) => setImmediate(r));
    const code = await api('POST', '/messages', { purpose: 'two_factor', to: ['me@example.net'], subject: 'Code', text: '123456' });
    const codeAt = performance.now();
    const { r, at } = await del;
    expect(code.statusCode).toBe(202);
    expect(r.statusCode).toBe(204);
    // SQLite deletes on this process's thread: chunks are what let the accept in. PostgreSQL
    // deletes in its own processes, and three chunks may well finish before the accept's commit.
    if (dialect === 'sqlite') expect(codeAt).toBeLessThan(at);
    expect((await api('GET', `/webhooks/${ids.gone}`)).statusCode).toBe(404);
    expect(await count('webhook_deliveries')).toBe(3);
    expect(await count('webhook_attempts')).toBe(3);
    expect((await api('GET', `/webhooks/${ids.kept}/deliveries`)).json().items).toHaveLength(3);
    // Gone is gone: a second delete is a 404, not a second purge.
    expect((await api('DELETE', `/webhooks/${ids.gone}`)).statusCode).toBe(404);
  });
});
