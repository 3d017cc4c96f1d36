import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { relaySuite } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * RFC 5321 §4.5.3.1.1: a local part is at most 64 octets. A longer one was accepted (a message
 * to it queued, a suppression or a user stored) and failed only at a server that enforces the
 * limit, or never. Refused where it comes in, with MAILROOM_E_INVALID_ADDRESS saying how long
 * it is; 64 stays fine. The relay, which reads its envelope with the same parser, answers 553.
 */
const LONG = `${'a'.repeat(65)}@example.net`;
const LONGEST = `${'a'.repeat(64)}@example.net`;
const WHY = 'the part before @ is 65 octets; RFC 5321 allows at most 64';

await describeEachDialect('a local part is at most 64 octets', (dialect) => {
  let t: TestApp;
  const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  it('a message, a suppression and a user: 65 refused naming the field, 64 taken', async () => {
    const before = (await api('GET', '/messages')).json().items.length as number;
    for (const [url, body, field] of [
      ['/messages', { to: [LONG], subject: 's', text: 't' }, 'to[0]'],
      ['/messages', { to: ['ok@example.net'], cc: LONG, subject: 's', text: 't' }, 'cc'],
      ['/suppressions', { address: LONG }, 'address'],
      ['/users', { email: LONG, password: 'long-local-password-1', role: 'viewer' }, 'email'],
    ] as const) {
      const res = await api('POST', url, body);
      expect(res.statusCode, `${url} ${res.body}`).toBe(400);
      expect(res.json().error, url).toMatchObject({ code: 'MAILROOM_E_INVALID_ADDRESS', details: { field } });
      expect(res.json().error.message, url).toContain(WHY);
    }
    expect((await api('GET', '/messages')).json().items.length).toBe(before);
    expect((await api('GET', '/suppressions')).json().items).toEqual([]);
    expect((await api('POST', '/messages', { to: [LONGEST], subject: 's', text: 't' })).statusCode).toBe(202);
    expect((await api('POST', '/suppressions', { address: LONGEST })).statusCode).toBe(201);
    expect((await api('POST', '/users', { email: LONGEST, password: 'long-local-password-1', role: 'viewer' })).statusCode).toBe(201);
  });
});

const sinkOk = haveSmtpSink();

await describeEachDialect('the relay: a local part over 64 octets', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect);

  it('RCPT TO and MAIL FROM with 65 octets before @: 553, saying why', async () => {
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(suite.r.credential.username, suite.r.credential.password!);
    expect(await c.command(`MAIL FROM:<${'s'.repeat(65)}@example.com>`)).toMatch(/^553 5\.1\.7 .*RFC 5321 allows at most 64/);
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    expect(await c.command(`RCPT TO:<${LONG}>`)).toMatch(/^553 5\.1\.3 .*the part before @ is 65 octets/);
    expectCode(await c.command(`RCPT TO:<${LONGEST}>`), 250);
    c.close();
  });
});
