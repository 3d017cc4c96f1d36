import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The log API and the log driver: nothing leaves the machine, messages end `logged` and are
 * readable, filterable and pageable; limits; permissions; cancel and retry, single and bulk.
 */
await describeEachDialect('messages API with the log driver', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  let sendKey: string;
  let readKey: string;

  const send = (payload: Record<string, unknown>, key?: string) => t.request({ method: 'POST', url: '/api/v1/messages', payload, key });
  const list = async (qs: string) => (await t.request({ method: 'GET', url: `/api/v1/messages?${qs}` })).json();

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com', MAILROOM_MAIL_FROM_NAME: 'App' } });
    dispatcher = await t.app.startDelivery({ loop: false });
    sendKey = (await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'sender', scopes: ['send'], allowOverride: false }, null)).key;
    readKey = (await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'reader', scopes: ['read'], allowOverride: false }, null)).key;
  });
  afterAll(async () => t?.close());

  it('logs instead of sending: status logged, message in the application log and the log API', async () => {
    const res = await send({ purpose: 'invitation', to: ['Bea <bea@example.net>'], subject: 'Welcome aboard', text: 'Join us', html: '<p>Join us</p>' }, sendKey);
    expect(res.statusCode).toBe(202);
    await dispatcher.drain();
    const m = (await t.request({ method: 'GET', url: `/api/v1/messages/${res.json().id}`, key: readKey })).json();
    expect(m).toMatchObject({ status: 'logged', purpose: 'invitation', subject: 'Welcome aboard', text: 'Join us', html: '<p>Join us</p>', to: ['Bea <bea@example.net>'] });
    expect(m.attempts[0].outcome).toBe('logged');
    expect(m.recipients[0].status).toBe('accepted');
    expect(m.routing.reason).toBeTruthy();
    const line = t.logLines.find((l) => l.includes('log driver: message logged') && l.includes(res.json().id));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({ subject: 'Welcome aboard', text: 'Join us' });
  });

  it('enforces permissions: read keys cannot send, send keys cannot read or cancel', async () => {
    expect((await send({ to: ['x@example.net'], subject: 's', text: 't' }, readKey)).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/v1/messages', key: sendKey })).statusCode).toBe(403);
    const { id } = (await send({ to: ['x@example.net'], subject: 's', text: 't' }, sendKey)).json();
    const cancel = await t.request({ method: 'POST', url: `/api/v1/messages/${id}/cancel`, key: sendKey });
    expect(cancel.statusCode).toBe(403);
    // Retrying and cancelling is no scope of its own: the key is told the one that gives it.
    expect(cancel.json().error).toMatchObject({ message: expect.stringContaining('needs the "admin" scope'), details: { needs: 'operate', scope: 'admin' } });
    expect((await send({ to: ['x@example.net'], subject: 's', text: 't', accountId: 'acc_x' }, sendKey)).json().error.code).toBe('MAILROOM_E_OVERRIDE_NOT_ALLOWED');
    await dispatcher.drain();
  });

  it.each([
    ['too many recipients', { to: Array.from({ length: 101 }, (_, i) => `r${i}@example.net`) }, 400, 'MAILROOM_E_TOO_MANY_RECIPIENTS'],
    ['far too many recipients in one list', { to: Array.from({ length: 500 }, (_, i) => `r${i}@example.net`) }, 400, 'MAILROOM_E_TOO_MANY_RECIPIENTS'],
    ['too many in cc and bcc together', { cc: Array.from({ length: 60 }, (_, i) => `c${i}@example.net`), bcc: Array.from({ length: 60 }, (_, i) => `b${i}@example.net`) }, 400, 'MAILROOM_E_TOO_MANY_RECIPIENTS'],
    ['subject too long', { subject: 'x'.repeat(999) }, 400, 'MAILROOM_E_SUBJECT_TOO_LONG'],
    // More characters than the limit has bytes: the size is the fault, as for a text of fewer, wider characters.
    ['text longer than the message limit', { text: 'x'.repeat(25 * 1024 * 1024 + 1) }, 413, 'MAILROOM_E_MESSAGE_TOO_LARGE'],
    ['text of fewer but wider characters than the limit', { text: '\u00e9'.repeat(13 * 1024 * 1024) }, 413, 'MAILROOM_E_MESSAGE_TOO_LARGE'],
    ['attachment too large', { attachments: [{ filename: 'big.bin', contentBase64: Buffer.alloc(10 * 1024 * 1024 + 3).toString('base64') }] }, 413, 'MAILROOM_E_ATTACHMENT_TOO_LARGE'],
    ['attachment by path', { attachments: [{ filename: 'passwd', path: '/etc/passwd', contentBase64: '' }] }, 400, 'MAILROOM_E_UNKNOWN_FIELD'],
    ['attachment not base64', { attachments: [{ filename: 'a', contentBase64: 'not base64!' }] }, 400, 'MAILROOM_E_VALIDATION'],
    ['header not allowed', { headers: { From: 'ceo@example.com' } }, 400, 'MAILROOM_E_HEADER_NOT_ALLOWED'],
    ['address group', { to: ['friends: a@example.net, b@example.net;'] }, 400, 'MAILROOM_E_INVALID_ADDRESS'],
    ['address comment', { to: ['a@example.net (evil@example.org)'] }, 400, 'MAILROOM_E_INVALID_ADDRESS'],
    ['no body', { text: undefined }, 400, 'MAILROOM_E_VALIDATION'],
    ['unknown field', { colour: 'red' }, 400, 'MAILROOM_E_UNKNOWN_FIELD'],
    ['unknown purpose', { purpose: 'nonexistent_feature' }, 422, undefined],
    ['expireAt in the past', { expireAt: '2000-01-01T00:00:00Z' }, 400, 'MAILROOM_E_VALIDATION'],
  ])('refuses %s with a precise code and stores nothing', async (_name, patch, status, code) => {
    const before = (await list('limit=500')).items.length;
    const res = await send({ to: ['ok@example.net'], subject: 'ok', text: 'x', ...patch });
    expect(res.statusCode).toBe(status);
    if (code) expect(res.json().error.code).toBe(code);
    else expect(res.json().error.code).toMatch(/^MAILROOM_E_/);
    expect((await list('limit=500')).items.length).toBe(before);
  });

  it('names the missing field itself when a required one is absent (not "body")', async () => {
    const noSubject = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['a@example.net'], text: 'x' } });
    expect(noSubject.statusCode).toBe(400);
    expect(noSubject.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: 'subject: is required (or name a template, which writes it)', details: { field: 'subject' } });
    const noTo = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { subject: 's', text: 'x' } });
    expect(noTo.json().error.details.field).toBe('to');
    const nested = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['a@example.net'], subject: 's', text: 'x', attachments: [{ filename: 'a.txt' }] } });
    expect(nested.json().error).toMatchObject({ message: 'attachments[0].contentBase64: is required', details: { field: 'attachments[0].contentBase64' } });
  });

  it('counts characters as people do: an emoji is one, in the subject and the idempotency key alike', async () => {
    const emoji = '\u{1F4E6}';
    const full = await send({ to: ['a@example.net'], subject: emoji.repeat(998), text: 'x', idempotencyKey: emoji.repeat(200) });
    expect(full.statusCode, full.body).toBe(202);
    const m = (await t.request({ method: 'GET', url: `/api/v1/messages/${full.json().id}` })).json();
    expect(m.subject).toBe(emoji.repeat(998));
    const long = await send({ to: ['a@example.net'], subject: emoji.repeat(999), text: 'x' });
    expect(long.json().error).toMatchObject({ code: 'MAILROOM_E_SUBJECT_TOO_LONG', message: 'subject is 999 characters; the limit is 998' });
    const key = await send({ to: ['a@example.net'], subject: 's', text: 'x', idempotencyKey: emoji.repeat(201) });
    expect(key.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'idempotencyKey' } });
    expect(key.json().error.message).toContain('200 characters');
    await dispatcher.drain();
  });

  it('accepts international domains, storing the envelope in punycode', async () => {
    const { id } = (await send({ to: ['Jörg <joerg@bücher.example>'], subject: 'IDN', text: 'x' })).json();
    const m = (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();
    expect(m.recipients[0].address).toBe('joerg@xn--bcher-kva.example');
    await dispatcher.drain();
  });

  it('takes base64 wrapped in lines, as MIME encoders write it, and stores it without the whitespace', async () => {
    const wrapped = `${Buffer.from('x'.repeat(100)).toString('base64').replace(/.{76}/g, '$&\r\n')}\n`;
    const res = await send({ to: ['a@example.net'], subject: 'wrapped', text: 'x', attachments: [{ filename: 'x.txt', contentBase64: wrapped }] });
    expect(res.statusCode).toBe(202);
    const stored = await t.app.ports.ctx.store.repos.messages.get(res.json().id);
    expect(Buffer.from(stored!.attachments[0].contentBase64, 'base64').toString()).toBe('x'.repeat(100));
    expect(stored!.attachments[0].contentBase64).not.toMatch(/\s/);
    await dispatcher.drain();
  });

  it('filters by status, purpose, subject text, recipient and date, and pages with a cursor', async () => {
    for (let i = 0; i < 5; i++) await send({ purpose: 'report', to: [`page${i}@example.net`], subject: `Weekly report ${i}`, text: 'x' });
    const alert = (await send({ purpose: 'alert', to: ['oncall@example.net'], subject: 'Disk FULL on db1', text: 'x', sendAt: new Date(Date.now() + 3_600_000).toISOString() })).json();
    await dispatcher.drain();
    expect((await list('q=weekly%20REPORT')).items).toHaveLength(5);
    expect((await list('purpose=alert')).items.map((m: { id: string }) => m.id)).toEqual([alert.id]);
    expect((await list('status=queued')).items.map((m: { id: string }) => m.id)).toEqual([alert.id]);
    expect((await list('recipient=ONCALL@example.net')).items.map((m: { id: string }) => m.id)).toEqual([alert.id]);
    expect((await list('to=page3@example.net')).items[0].subject).toBe('Weekly report 3');
    expect((await list(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).items).toHaveLength(0);
    expect((await list(`until=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&purpose=report`)).items).toHaveLength(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await list(`purpose=report&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect([...seen].sort().reverse()).toEqual(seen);
    expect((await t.request({ method: 'GET', url: '/api/v1/messages?status=nope' })).json().error.code).toBe('MAILROOM_E_VALIDATION');
    const far = await t.request({ method: 'GET', url: '/api/v1/messages?since=99999999999999999999' });
    expect(far.statusCode).toBe(400);
    expect(far.json().error.message).toContain('between 1970 and 9999');
    // A cursor that no page returned is refused, not read as "start again".
    for (const bad of ['garbage', "msg_' or 1=1 --", 'aud_01jz0000000000000000000000', seen[0].toUpperCase()]) {
      const res = await t.request({ method: 'GET', url: `/api/v1/messages?cursor=${encodeURIComponent(bad)}` });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'cursor' } });
    }
    const audit = await t.request({ method: 'GET', url: '/api/v1/audit?cursor=nope' });
    expect(audit.statusCode).toBe(400);
    expect(audit.json().error.message).toContain('nextCursor');
  });

  it('cancels and retries one message, refusing impossible transitions', async () => {
    const { id } = (await send({ to: ['c@example.net'], subject: 'to cancel', text: 'x', sendAt: new Date(Date.now() + 3_600_000).toISOString() })).json();
    const c = await t.request({ method: 'POST', url: `/api/v1/messages/${id}/cancel` });
    expect(c.json()).toEqual({ id, status: 'cancelled' });
    expect((await t.request({ method: 'POST', url: `/api/v1/messages/${id}/cancel` })).json().error.code).toBe('MAILROOM_E_INVALID_STATE');
    const before = (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();
    const r = await t.request({ method: 'POST', url: `/api/v1/messages/${id}/retry` });
    // Its expiry was still ahead (it was scheduled for later), so a retry does not move it.
    expect(r.json()).toEqual({ id, status: 'queued', expireAt: before.expireAt, expiryExtended: false });
    // Retrying undoes the cancel: the message waits for the hour it was scheduled for, not sent early.
    await dispatcher.drain();
    expect((await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json()).toMatchObject({ status: 'queued', sendAt: before.sendAt, attemptCount: 0 });
    expect((await t.request({ method: 'POST', url: `/api/v1/messages/${id}/retry` })).statusCode).toBe(409);
    // A message due now goes out when retried.
    const now = (await send({ to: ['d@example.net'], subject: 'due now', text: 'x' })).json().id;
    expect((await t.request({ method: 'POST', url: `/api/v1/messages/${now}/cancel` })).statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: `/api/v1/messages/${now}/retry` })).statusCode).toBe(200);
    await dispatcher.drain();
    expect((await t.request({ method: 'GET', url: `/api/v1/messages/${now}` })).json().status).toBe('logged');
    // A lifetime of seconds: the retry grants a minute at least, time for an attempt (docs/api.md).
    const brief = (await send({ to: ['e@example.net'], subject: 'brief', text: 'x', expireAt: new Date(Date.now() + 15_000).toISOString() })).json().id;
    expect((await t.request({ method: 'POST', url: `/api/v1/messages/${brief}/cancel` })).statusCode).toBe(200);
    const retriedAt = Date.now();
    const briefRetry = (await t.request({ method: 'POST', url: `/api/v1/messages/${brief}/retry` })).json();
    expect(briefRetry.expiryExtended).toBe(true);
    expect(Date.parse(briefRetry.expireAt) - retriedAt).toBeGreaterThanOrEqual(59_000);
    expect(Date.parse(briefRetry.expireAt) - retriedAt).toBeLessThanOrEqual(61_000);
    expect((await t.request({ method: 'POST', url: '/api/v1/messages/msg_nope/retry' })).statusCode).toBe(404);
    const audit = (await t.request({ method: 'GET', url: `/api/v1/audit?targetId=${id}` })).json();
    expect(audit.items.map((e: { action: string }) => e.action).sort()).toEqual(['message.cancel', 'message.retry']);
  });

  it('cancels and retries in bulk by filter', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    for (let i = 0; i < 3; i++) await send({ purpose: 'access_request', to: [`bulk${i}@example.net`], subject: `bulk ${i}`, text: 'x', sendAt: later });
    const cancelled = await t.request({ method: 'POST', url: '/api/v1/messages/cancel', payload: { filter: { purpose: 'access_request' } } });
    expect(cancelled.json()).toEqual({ count: 3, more: false, next: null, sending: 0 });
    expect((await list('purpose=access_request&status=cancelled')).items).toHaveLength(3);
    const retried = await t.request({ method: 'POST', url: '/api/v1/messages/retry', payload: { filter: { purpose: 'access_request', status: 'cancelled' } } });
    expect(retried.json()).toEqual({ count: 3, more: false, next: null });
    await dispatcher.drain();
    // "Cancel all, retry to undo" puts them back on their schedule: nothing is sent early.
    const back = (await list('purpose=access_request&status=queued')).items;
    expect(back.map((m: { sendAt: string }) => m.sendAt)).toEqual([later, later, later]);
    const bad = await t.request({ method: 'POST', url: '/api/v1/messages/cancel', payload: { filter: { status: 'sent' } } });
    expect(bad.json().error.code).toBe('MAILROOM_E_VALIDATION');
  });
});
