import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { queuedId, relaySuite } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * A credential switched off, or given a new password, while one of its sessions is inside a
 * transaction (after RCPT TO, before the message's final dot): the message in flight is refused
 * at the end of DATA with the same 530 the next MAIL FROM gets, and nothing is queued.
 */
const sinkOk = haveSmtpSink();

const body = (subject: string) => `From: app@example.com\r\nTo: first@example.net\r\nSubject: ${subject}\r\n\r\ntext\r\n.\r\n`;

await describeEachDialect('SMTP relay: the credential checked again at the end of DATA', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect);
  const api = async (method: 'GET' | 'PATCH' | 'POST', url: string, payload?: unknown) => {
    const res = await suite.r.t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  const queued = async (subject: string) => (await api('GET', `/messages?q=${encodeURIComponent(subject)}`)).items.length;

  /** A logged-in session with MAIL and RCPT done. */
  async function afterRcpt(username: string, password: string): Promise<RawSmtp> {
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(username, password);
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    expectCode(await c.command('RCPT TO:<first@example.net>'), 250);
    return c;
  }

  it('switched off between RCPT and DATA: 530 at the end of DATA, the same as the next MAIL FROM, nothing queued', async () => {
    const cred = await suite.r.createCredential({ name: 'Switched app', allowedFrom: ['@example.com'] });
    const c = await afterRcpt(cred.username, cred.password!);
    const { version } = await api('GET', `/smtp-credentials/${cred.id}`);
    await api('PATCH', `/smtp-credentials/${cred.id}`, { version, enabled: false });
    expectCode(await c.command('DATA'), 354);
    c.write(body('switched off in flight'));
    const atDot = await c.reply();
    expect(atDot).toMatch(/^530 5\.7\.0 SMTP credential "Switched app" is switched off/);
    const next = await c.command('MAIL FROM:<app@example.com>');
    expect(atDot).toBe(next);
    c.close();
    expect(await queued('switched off in flight')).toBe(0);
  });

  it('password rotated between RCPT and DATA: 530 at the end of DATA, nothing queued', async () => {
    const cred = await suite.r.createCredential({ name: 'Rotated app', allowedFrom: ['@example.com'] });
    const c = await afterRcpt(cred.username, cred.password!);
    await api('POST', `/smtp-credentials/${cred.id}/rotate`);
    expectCode(await c.command('DATA'), 354);
    c.write(body('rotated in flight'));
    const atDot = await c.reply();
    expect(atDot).toMatch(/^530 5\.7\.0 the password of SMTP credential "Rotated app" was changed after this session logged in/);
    expect(atDot).toBe(await c.command('MAIL FROM:<app@example.com>'));
    c.close();
    expect(await queued('rotated in flight')).toBe(0);
  });

  it("a client address moved to another client-ip credential between RCPT and DATA: refused at the end of DATA, not sent under the other's rules", async () => {
    const first = await api('POST', '/smtp-credentials', { name: 'Old printer', authentication: 'client-ip', allowedFrom: ['@example.com'], allowedIps: ['127.0.0.31'] });
    const c = await RawSmtp.connect(suite.r.port, { localAddress: '127.0.0.31' });
    await c.reply();
    expectCode(await c.command('EHLO printer.test'), 250);
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    expectCode(await c.command('RCPT TO:<first@example.net>'), 250);
    await api('PATCH', `/smtp-credentials/${first.id}`, { version: first.version, allowedIps: ['10.31.0.0/16'] });
    await api('POST', '/smtp-credentials', { name: 'New printer', authentication: 'client-ip', allowedFrom: ['@example.com'], allowedIps: ['127.0.0.31'] });
    expectCode(await c.command('DATA'), 354);
    c.write(body('moved in flight'));
    expect(await c.reply()).toMatch(/^550 5\.7\.1 client address 127\.0\.0\.31 is no longer one of SMTP credential "Old printer"'s/);
    // The next transaction is the new credential's.
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    c.close();
    expect(await queued('moved in flight')).toBe(0);
  });

  it('a credential left as it was still sends', async () => {
    const c = await afterRcpt(suite.r.credential.username, suite.r.credential.password!);
    expectCode(await c.command('DATA'), 354);
    c.write(body('unchanged in flight'));
    const id = queuedId(expectCode(await c.reply(), 250));
    c.close();
    await expect.poll(async () => (await suite.r.message(id)).status, { timeout: 20_000 }).toBe('sent');
  });
});
