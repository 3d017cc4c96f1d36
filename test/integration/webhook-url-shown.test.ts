import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A webhook URL may carry the receiver's token in its query (`?token=…`, as some receivers take
 * it). The audit log hid it from every reader, while GET /webhooks showed it whole to the same
 * readers (a `read` key). Now a caller without the admin permission reads it as the audit log
 * shows it; admins, who set it and whose edit form sends it back, read it as stored, and the
 * stored value is what deliveries use.
 */
await describeEachDialect('a webhook URL, as each reader sees it', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => t?.close());

  it('hides a token in the URL from a reader, as the audit log does, and keeps it stored', async () => {
    // (A user name or password in it is refused at save: webhooks-endpoints.test.ts.)
    const url = 'http://127.0.0.1:9/mail-events?token=url-token-Tt5&team=ops';
    const created = await t.request({ method: 'POST', url: '/api/v1/webhooks', payload: { url, events: ['message.sent'] } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().url).toBe(url);
    const id = created.json().id as string;
    const readKey = (await t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'reader', scopes: ['read'] } })).json().key as string;

    const asReader = [
      (await t.request({ method: 'GET', url: '/api/v1/webhooks', key: readKey })).json().items.find((e: { id: string }) => e.id === id),
      (await t.request({ method: 'GET', url: `/api/v1/webhooks/${id}`, key: readKey })).json(),
    ];
    for (const endpoint of asReader) {
      expect(endpoint.url).toBe('http://127.0.0.1:9/mail-events?token=%5Bredacted%5D&team=ops');
      expect(JSON.stringify(endpoint)).not.toMatch(/url-token-Tt5/);
    }
    // The audit log shows it the same way.
    const [entry] = (await t.request({ method: 'GET', url: `/api/v1/audit?targetId=${id}&action=webhook.create`, key: readKey })).json().items;
    expect(entry.after.url).toBe(asReader[0].url);

    // An admin reads what they set (the edit form sends it back), and it is stored as set.
    expect((await t.request({ method: 'GET', url: `/api/v1/webhooks/${id}` })).json().url).toBe(url);
    expect((await t.request({ method: 'GET', url: '/api/v1/webhooks' })).json().items.find((e: { id: string }) => e.id === id).url).toBe(url);
    expect((await t.app.ports.ctx.store.repos.webhookEndpoints.get(id))?.url).toBe(url);
  });
});
