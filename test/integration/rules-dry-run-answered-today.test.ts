import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The dry run says what the real event would do about the contact auto-reply's 24 hours: an
 * address answered today is `answered_today` there too, and looking does not claim the address.
 */
await describeEachDialect('dry run: the auto-reply answered today', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'relay', smtp: { host: '127.0.0.1', port: 49002, security: 'none', requireTls: false } } });
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'hello@example.com' } });
    expect(account.statusCode, account.body).toBe(201);
    const s = await t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { contactAutoReply: { enabled: true, accountId: account.json().id } } });
    expect(s.statusCode, s.body).toBe(200);
  });
  afterAll(async () => t?.close());

  const contact = (email: string, id?: string) => ({ type: 'contact.submitted', ...(id ? { id } : {}), data: { name: 'Ann', email, subject: 'Pricing' } });
  const raise = async (email: string, id: string) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/events', payload: contact(email, id) });
    expect(res.statusCode, res.body).toBe(202);
    return res.json().matches.find((m: { ruleId: string }) => m.ruleId === 'contact-auto-reply');
  };
  const dryRun = async (email: string) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/rules/test', payload: { event: contact(email) } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('an address answered within 24 hours: skipped answered_today, no message', async () => {
    expect((await raise('ann@example.net', 'contact-1')).messageIds).toHaveLength(1);
    const dry = await dryRun('ANN@example.net');
    expect(dry.messages).toEqual([]);
    expect(dry.skipped).toEqual([{ ruleId: 'contact-auto-reply', ruleName: expect.any(String), code: 'answered_today', message: 'ann@example.net got an auto-reply within the last 24 hours' }]);
    // The real event says the same.
    expect(await raise('ann@example.net', 'contact-2')).toMatchObject({ messageIds: [], skipped: { code: 'answered_today' } });
  });

  it('an address not answered yet: the message, and the look claims nothing', async () => {
    for (let i = 0; i < 2; i++) {
      const dry = await dryRun('bob@example.net');
      expect(dry.skipped).toEqual([]);
      expect(dry.messages).toEqual([expect.objectContaining({ ruleId: 'contact-auto-reply', to: ['bob@example.net'] })]);
    }
    expect((await raise('bob@example.net', 'contact-3')).messageIds).toHaveLength(1);
    expect((await t.request({ method: 'GET', url: '/api/v1/events?limit=200' })).json().items.map((e: { id: string }) => e.id).sort()).toEqual(['contact-1', 'contact-2', 'contact-3']);
  });
});
