import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { haveSmtpSink, messageIdOf, rcptsOf, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Delivery against Postfix's smtp-sink: 4xx at RCPT (deferred, then sent), 5xx at RCPT
 * (failed with the server's words), expiry on a manual clock, idempotency, and header
 * injection that never reaches the sink.
 */
const sinkOk = haveSmtpSink();

await describeEachDialect('delivery through smtp-sink', (dialect) => {
  if (!sinkOk) return;
  let t: TestApp;
  let sink: SmtpSink;
  let dispatcher: Dispatcher;
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));

  const send = (payload: Record<string, unknown>, key?: string) => t.request({ method: 'POST', url: '/api/v1/messages', payload, key });
  const get = async (id: string) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json();

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp(dialect, { clock });
    const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false, connectTimeoutSec: 5, sendTimeoutSec: 5 } } });
    expect(server.statusCode).toBe(201);
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'noreply@example.com', fromName: 'Example App' } });
    expect(account.statusCode).toBe(201);
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('accepts with 202, delivers, and logs recipients and the attempt with the reply', async () => {
    const res = await send({ to: ['Ann <ann@example.net>'], cc: 'cc@example.net', bcc: ['hidden@example.net'], subject: 'Hello', text: 'Hi Ann', headers: { 'X-Ticket': 'T-1' } });
    expect(res.statusCode).toBe(202);
    const { id, status } = res.json();
    expect(status).toBe('queued');
    await dispatcher.drain();
    const m = await get(id);
    expect(m.status).toBe('sent');
    expect(m.from).toBe('Example App <noreply@example.com>');
    expect(m.routing.accountId).toBe(m.accountId);
    expect(m.routing.reason).toBeTruthy();
    expect(m.recipients.map((r: { address: string; status: string; code: number }) => [r.address, r.status, r.code]).sort()).toEqual([
      ['ann@example.net', 'accepted', 250],
      ['cc@example.net', 'accepted', 250],
      ['hidden@example.net', 'accepted', 250],
    ]);
    expect(m.attempts).toHaveLength(1);
    expect(m.attempts[0]).toMatchObject({ outcome: 'sent', code: 250, accountId: m.accountId, serverId: m.serverId });
    expect(m.attempts[0].response).toContain('250');
    const dumps = sink.messages().filter((d) => messageIdOf(d) === m.messageIdHeader);
    expect(dumps).toHaveLength(1);
    expect(rcptsOf(dumps[0]).sort()).toEqual(['ann@example.net', 'cc@example.net', 'hidden@example.net']);
    expect(dumps[0]).toMatch(/^X-Ticket: T-1$/m);
    // Bcc goes in the envelope only, never in a header.
    expect(dumps[0]).not.toMatch(/^Bcc:/im);
    const message = dumps[0].slice(dumps[0].indexOf('Received:'));
    expect(message).not.toContain('hidden@example.net');
  });

  it('defers on a 4xx reply and sends on a later attempt', async () => {
    await sink.restart(['-r', 'RCPT']);
    const { id } = (await send({ to: ['later@example.net'], subject: 'Soft', text: 'x' })).json();
    await dispatcher.drain();
    let m = await get(id);
    expect(m.status).toBe('deferred');
    expect(m.attempts[0]).toMatchObject({ outcome: 'deferred', code: 450, enhancedCode: '4.3.0' });
    expect(m.recipients[0]).toMatchObject({ status: 'deferred', code: 450 });
    expect(new Date(m.nextAttemptAt).getTime()).toBe(clock.now() + 5_000);
    // Not yet due: nothing happens.
    await dispatcher.drain();
    expect((await get(id)).attempts).toHaveLength(1);
    await sink.restart([]);
    clock.advance(5_000);
    await dispatcher.drain();
    m = await get(id);
    expect(m.status).toBe('sent');
    expect(m.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['deferred', 'sent']);
    expect(sink.messages().filter((d) => messageIdOf(d) === m.messageIdHeader)).toHaveLength(1);
  });

  it('fails on a 5xx reply with the server text, and audits the failure', async () => {
    await sink.restart(['-f', 'RCPT', '-B', '550 5.1.1 Recipient address rejected: User unknown']);
    const { id } = (await send({ to: ['nobody@example.net'], subject: 'Hard', text: 'x' })).json();
    await dispatcher.drain();
    const m = await get(id);
    expect(m.status).toBe('failed');
    expect(m.recipients[0]).toMatchObject({ status: 'rejected', code: 550, enhancedCode: '5.1.1' });
    expect(m.recipients[0].response).toContain('User unknown');
    expect(m.lastError).toContain('User unknown');
    const audit = (await t.request({ method: 'GET', url: `/api/v1/audit?targetId=${id}` })).json();
    expect(audit.items.map((e: { action: string }) => e.action)).toContain('message.failed');
    // Permanent: no further attempt even much later.
    clock.advance(3_600_000);
    await dispatcher.drain();
    expect((await get(id)).attempts).toHaveLength(1);
    await sink.restart([]);
  });

  it('expires a message that cannot be delivered before its expireAt (manual clock)', async () => {
    await sink.restart(['-r', 'RCPT']);
    const expireAt = new Date(clock.now() + 60_000).toISOString();
    const { id } = (await send({ to: ['slow@example.net'], subject: 'Expiring', text: 'x', expireAt })).json();
    await dispatcher.drain();
    expect((await get(id)).status).toBe('deferred');
    clock.advance(5_000);
    await dispatcher.drain();
    // The next try would be 30 s later, still inside the minute.
    expect((await get(id)).status).toBe('deferred');
    clock.advance(30_000);
    await dispatcher.drain();
    // Third failure: the next step (5 min) would come after expireAt, so the last try is 1 s
    // before it — the message is tried for its whole minute, not given up 25 s early.
    const third = await get(id);
    expect(third).toMatchObject({ status: 'deferred', nextAttemptAt: new Date(Date.parse(expireAt) - 1_000).toISOString() });
    clock.advance(24_000);
    await dispatcher.drain();
    const m = await get(id);
    expect(m.status).toBe('expired');
    expect(m.attempts).toHaveLength(4);
    const audit = (await t.request({ method: 'GET', url: `/api/v1/audit?targetId=${id}` })).json();
    expect(audit.items.map((e: { action: string }) => e.action)).toContain('message.expired');
    // Retried, it gets its minute again and more than one attempt in it, though its backoff is
    // at the 15-minute step after four attempts.
    expect((await t.request({ method: 'POST', url: `/api/v1/messages/${id}/retry` })).statusCode).toBe(200);
    await dispatcher.drain();
    expect((await get(id)).status).toBe('deferred');
    clock.advance(59_000);
    await dispatcher.drain();
    const retried = await get(id);
    expect(retried.status).toBe('expired');
    expect(retried.attempts).toHaveLength(6);
    await sink.restart([]);
  });

  it('expires at claim time when the clock has passed expireAt', async () => {
    const { id } = (await send({ to: ['late@example.net'], subject: 'Too late', text: 'x', expireAt: new Date(clock.now() + 1_000).toISOString() })).json();
    clock.advance(2_000);
    const before = sink.count();
    await dispatcher.drain();
    const m = await get(id);
    expect(m.status).toBe('expired');
    expect(m.attempts).toHaveLength(0);
    expect(sink.count()).toBe(before);
  });

  it('returns the same message for the same idempotency key, and sends it once', async () => {
    const body = { to: ['once@example.net'], subject: 'Once', text: 'x', idempotencyKey: `order-${dialect}-42` };
    const a = await send(body);
    const b = await send(body);
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    expect(b.json().id).toBe(a.json().id);
    // The answer says which it was, as POST /events does: a key reused by mistake for another
    // message is visible to the application instead of that message silently never going out.
    expect(a.json().duplicate).toBe(false);
    expect(b.json().duplicate).toBe(true);
    await dispatcher.drain();
    const c = await send(body);
    expect(c.json()).toEqual({ id: a.json().id, status: 'sent', duplicate: true });
    const m = await get(a.json().id);
    expect(sink.messages().filter((d) => messageIdOf(d) === m.messageIdHeader)).toHaveLength(1);
    const list = (await t.request({ method: 'GET', url: '/api/v1/messages?q=Once' })).json();
    expect(list.items).toHaveLength(1);
  });

  it.each([
    ['subject', { subject: 'Hi\r\nBcc: victim@example.org' }],
    ['to', { to: ['a@example.net\r\nRCPT TO:<victim@example.org>'] }],
    ['cc', { cc: ['a@example.net\nBcc: victim@example.org'] }],
    ['bcc', { bcc: ['a@example.net\r\nBcc: victim@example.org'] }],
    ['from', { from: 'noreply@example.com\r\nBcc: victim@example.org' }],
    ['replyTo', { replyTo: 'x@example.net\nBcc: victim@example.org' }],
    ['header value', { headers: { 'X-Tag': 'a\r\nBcc: victim@example.org' } }],
    ['header name', { headers: { 'X-Tag\r\nBcc': 'victim@example.org' } }],
    ['attachment filename', { attachments: [{ filename: 'a.txt\r\nBcc: victim@example.org', contentBase64: 'aGk=' }] }],
    ['attachment type', { attachments: [{ filename: 'a.txt', contentType: 'text/plain\r\nBcc: victim@example.org', contentBase64: 'aGk=' }] }],
  ])('refuses header injection in %s with 400 and sends nothing', async (_field, patch) => {
    await refusedUnsent(patch, 'MAILROOM_E_HEADER_INJECTION');
  });

  // A NUL is refused wherever it stands in a JSON body, before any rule reads the field; the
  // idempotency key never reaches a header, but a line break in it is refused all the same.
  it.each([
    ['a NUL in bcc', { bcc: ['a@example.net\0victim@example.org'] }],
    ['a NUL in a header value', { headers: { 'X-Tag': 'a\0Bcc: victim@example.org' } }],
    ['a line break in the idempotency key', { idempotencyKey: 'k\r\nX: victim@example.org' }],
  ])('refuses %s with 400 VALIDATION and sends nothing', async (_what, patch) => {
    await refusedUnsent(patch, 'MAILROOM_E_VALIDATION');
  });

  async function refusedUnsent(patch: Record<string, unknown>, code: string): Promise<void> {
    const before = sink.count();
    const listed = (await t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length;
    const res = await send({ to: ['ok@example.net'], subject: 'ok', text: 'x', ...patch });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
    await dispatcher.drain();
    expect(sink.count()).toBe(before);
    expect((await t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length).toBe(listed);
    expect(sink.messages().some((d) => d.includes('victim@example.org'))).toBe(false);
  }

  /** Sends one message from a new account on a new server to the sink, whose password is an unset variable; the message as it stands after one round. */
  async function sentWithUnsetPassword(server: { name: string; smtp: object; imap?: object }, address: string, variable: string, subject: string) {
    delete process.env[variable];
    const created = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { ...server, smtp: { host: '127.0.0.1', port: sink.port, connectTimeoutSec: 5, sendTimeoutSec: 5, ...server.smtp } } });
    expect(created.statusCode).toBe(201);
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: created.json().id, address, passwordRef: `env:${variable}` } });
    expect(account.statusCode).toBe(201);
    const res = await send({ accountId: account.json().id, to: ['ann@example.net'], subject, text: 'x' });
    expect(res.statusCode).toBe(202);
    await dispatcher.drain();
    return get(res.json().id);
  }

  it('a plain relay sends without AUTH even when the account\'s IMAP-only password reference cannot be read', async () => {
    // On a server with SMTP security "none" the password is the IMAP login only (inbound.md):
    // an unset variable behind it must not hold back mail that never uses it.
    const m = await sentWithUnsetPassword(
      { name: 'sink with imap', smtp: { security: 'none', requireTls: false }, imap: { host: '127.0.0.1', port: 993, security: 'tls' } },
      'imaponly@example.com',
      'MAILROOM_TEST_IMAP_ONLY_UNSET',
      'IMAP-only password',
    );
    expect(m.lastError).toBeNull();
    expect(m.status).toBe('sent');
  });

  it('a password reference that cannot be read defers the message with the reference\'s own advice as the attempt\'s hint', async () => {
    const m = await sentWithUnsetPassword({ name: 'sink with login', smtp: { security: 'starttls' } }, 'unset@example.com', 'MAILROOM_TEST_SEND_UNSET', 'Unreadable password');
    expect(m.status).toBe('deferred');
    expect(m.lastError).toContain('MAILROOM_TEST_SEND_UNSET is not set');
    // What the diagnostics say for the same reference: where to set it, and that a restart is needed.
    expect(m.attempts[0]).toMatchObject({ outcome: 'deferred', hint: expect.stringContaining("Set MAILROOM_TEST_SEND_UNSET in Mailroom's environment") });
  });
});
