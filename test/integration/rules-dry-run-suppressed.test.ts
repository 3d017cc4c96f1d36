import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A rule's message to an address on the suppression list: the real event stores it with status
 * `suppressed` (the recipient `suppressed`, its response saying why) and sends nothing, while
 * the dry run listed it as one more message it would send. The dry run now says the same as the
 * event would record: the message's `status` and each `suppressed` recipient with that reason,
 * looked up without changing anything.
 */
await describeEachDialect('dry run: a recipient on the suppression list', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    const rule = await t.request({ method: 'POST', url: '/api/v1/rules', payload: { name: 'On create', events: ['t.created'], recipients: { roles: ['owner'] }, template: 'test' } });
    expect(rule.statusCode, rule.body).toBe(201);
    const listed = await t.request({ method: 'POST', url: '/api/v1/suppressions', payload: { address: 'gone@example.net', detail: 'asked to stop' } });
    expect(listed.statusCode, listed.body).toBe(201);
  });
  afterAll(async () => t?.close());

  const event = (id?: string) => ({ type: 't.created', ...(id ? { id } : {}), data: { n: 1 }, recipients: { owner: ['Gone <GONE@example.net>', 'ann@example.net'] } });

  it('the dry run marks the message suppressed, with the reason the real event records for that recipient', async () => {
    const dry = await t.request({ method: 'POST', url: '/api/v1/rules/test', payload: { event: event() } });
    expect(dry.statusCode, dry.body).toBe(200);
    const messages = dry.json().messages as { to: string[]; status: string; suppressed: { address: string; reason: string }[] }[];
    expect(messages.map((m) => ({ to: m.to, status: m.status, suppressed: m.suppressed }))).toEqual([
      { to: ['Gone <GONE@example.net>'], status: 'suppressed', suppressed: [{ address: 'GONE@example.net', reason: 'GONE@example.net is suppressed (manual: asked to stop)' }] },
      { to: ['ann@example.net'], status: 'queued', suppressed: [] },
    ]);
    expect(dry.json().skipped).toEqual([]);

    // The real event: the same message, stored suppressed, its recipient with the same words.
    const raised = await t.request({ method: 'POST', url: '/api/v1/events', payload: event('evt-suppressed-1') });
    expect(raised.statusCode, raised.body).toBe(202);
    expect(raised.json().matches).toEqual([expect.objectContaining({ messageIds: [expect.any(String), expect.any(String)] })]);
    expect(raised.json().matches[0].skipped).toBeUndefined();
    const [gone, ann] = await Promise.all(raised.json().matches[0].messageIds.map(async (id: string) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json()));
    expect(gone).toMatchObject({ status: 'suppressed', recipients: [{ address: 'GONE@example.net', status: 'suppressed', response: messages[0].suppressed[0].reason }] });
    expect(ann.status).toBe(messages[1].status);
  });

  it('looking changes nothing: the address stays listed as it was', async () => {
    const before = (await t.request({ method: 'GET', url: '/api/v1/suppressions' })).json().items;
    await t.request({ method: 'POST', url: '/api/v1/rules/test', payload: { event: event() } });
    expect((await t.request({ method: 'GET', url: '/api/v1/suppressions' })).json().items).toEqual(before);
  });
});
