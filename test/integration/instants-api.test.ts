import { afterAll, beforeAll, expect, it } from 'vitest';
import { LAST_INSTANT } from '../../src/core/kernel/validate.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const LAST = new Date(LAST_INSTANT).toISOString();

/**
 * Points in time through the API: filters and bodies read ISO 8601 against the calendar (no
 * roll-over, no year read as epoch milliseconds), and what Mailroom derives from them (a
 * message's expiry) stays a date every answer can show.
 */
await describeEachDialect('instants through the API', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => t?.close());

  const req = (method: 'GET' | 'POST', url: string, payload?: unknown) => t.request({ method, url: `/api/v1/${url}`, payload: payload as object });
  const message = { to: ['x@example.net'], subject: 's', text: 't' };

  it('clamps the expiry of a message due near the end of 9999 to the last instant', async () => {
    const res = await req('POST', 'messages', { ...message, sendAt: '9999-12-31T12:00:00Z' });
    expect(res.statusCode, res.body).toBe(202);
    const m = (await req('GET', `messages/${res.json().id}`)).json();
    expect(m).toMatchObject({ sendAt: '9999-12-31T12:00:00.000Z', expireAt: LAST });
    const listed = await req('GET', 'messages');
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items.find((i: { id: string }) => i.id === m.id).expireAt).toBe(LAST);
  });

  it('keeps a retried message’s expiry within 9999', async () => {
    // Due now, living until the last instant: a retry a moment later grants that lifetime again from then.
    const res = await req('POST', 'messages', { ...message, expireAt: LAST });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().id;
    expect((await req('POST', `messages/${id}/cancel`)).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 5));
    const retried = await req('POST', `messages/${id}/retry`);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json().expireAt).toBe(LAST);
    expect((await req('GET', `messages/${id}`)).json().expireAt).toBe(LAST);
  });

  it('filters by ISO 8601 dates and date-times, and refuses what is not one, naming the field', async () => {
    expect((await req('GET', 'messages?since=2026-01-01')).statusCode).toBe(200);
    expect((await req('GET', `messages?until=${encodeURIComponent('2026-01-01T00:00:00+01:00')}`)).statusCode).toBe(200);
    for (const [qs, field] of [
      ['since=2030', 'since'],
      ['since=2027-02-30', 'since'],
      [`until=${encodeURIComponent('1/2/2030')}`, 'until'],
      [`until=${encodeURIComponent('Tue, 01 Jan 2030 00:00:00 GMT')}`, 'until'],
    ]) {
      const res = await req('GET', `messages?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(res.json().error, qs).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field } });
    }
  });

  it('refuses a range that ends before it starts, in the log, the bulk actions and the webhook log alike', async () => {
    const inverted = 'since=2030-01-01&until=2020-01-01';
    const refused = (res: { statusCode: number; json(): { error: { code: string; details: { field: string }; message: string } } }, field = 'until') => {
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field } });
      expect(res.json().error.message).toContain('must be after since (2030-01-01T00:00:00.000Z)');
    };
    refused(await req('GET', `messages?${inverted}`));
    refused(await req('GET', 'messages?since=2030-01-01&until=2030-01-01'));
    refused(await req('POST', 'messages/cancel', { filter: { since: '2030-01-01', until: '2020-01-01' } }), 'filter.until');
    const hook = await req('POST', 'webhooks', { url: 'http://127.0.0.1:9/in', events: ['message.sent'] });
    expect(hook.statusCode, hook.body).toBe(201);
    refused(await req('GET', `webhooks/${hook.json().id}/deliveries?${inverted}`));
    refused(await req('POST', `webhooks/${hook.json().id}/deliveries/replay`, { since: '2030-01-01', until: '2020-01-01' }));
    expect((await req('GET', 'messages?since=2020-01-01&until=2030-01-01')).statusCode).toBe(200);
  });

  it('says what an instant may be when a number is not one', async () => {
    for (const [url, body, field] of [
      ['suppressions', { address: 'n@example.net', expiresAt: 1.5 }, 'expiresAt'],
      ['messages', { ...message, sendAt: 1.5 }, 'sendAt'],
    ] as const) {
      const res = await req('POST', url, body);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error, url).toMatchObject({ code: 'MAILROOM_E_VALIDATION' });
      expect(res.json().error.message, url).toContain(field);
      expect(res.json().error.message, url).not.toMatch(/must be text,/);
      expect(res.json().error.message, url).toMatch(/epoch milliseconds/);
    }
    // Neither text nor a number: the answer names both forms, not only the first.
    const bool = await req('POST', 'suppressions', { address: 'n@example.net', expiresAt: true });
    expect(bool.statusCode).toBe(400);
    expect(bool.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: 'expiresAt: must be text or a number, not true', details: { field: 'expiresAt' } });
    const far = Date.UTC(2100, 0, 1);
    const ok = await req('POST', 'suppressions', { address: 'n@example.net', expiresAt: far });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().expiresAt).toBe('2100-01-01T00:00:00.000Z');
  });

  it('refuses a suppression expiry given as a year or a day the month does not have; nothing is stored', async () => {
    for (const expiresAt of ['2100', '2100-02-30T00:00:00Z']) {
      const res = await req('POST', 'suppressions', { address: 'y@example.net', expiresAt });
      expect(res.statusCode, expiresAt).toBe(400);
      expect(res.json().error, expiresAt).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'expiresAt' } });
    }
    expect((await req('GET', 'suppressions?q=y@example.net')).json().items).toEqual([]);
  });
});
