import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { relaySuite } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * An SMTP credential says whom its mail leaves from now and which of its `allowedFrom` entries
 * that account may not send as: the relay takes such a From (it is the credential's) and then
 * refuses the message at the end of DATA, every time. The prediction is the relay's own answer:
 * each entry listed is refused by a real session, each other one queued. Worked out on every
 * read, so a change of routing shows at once.
 */
const sinkOk = haveSmtpSink();

await describeEachDialect('SMTP credentials: whom their mail leaves from', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect, { delivery: false });
  const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => {
    const res = await suite.r.t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  /** The reply to the final dot of a message From `from` through the credential. */
  const finalReply = async (cred: { username: string; password?: string }, from: string) => {
    const c = await RawSmtp.connect(suite.r.port);
    try {
      await c.login(cred.username, cred.password!);
      expectCode(await c.command(`MAIL FROM:<${from}>`), 250);
      expectCode(await c.command('RCPT TO:<customer@example.net>'), 250);
      expectCode(await c.command('DATA'), 354);
      c.write(Buffer.from(`From: ${from}\r\nTo: customer@example.net\r\nSubject: sending check\r\n\r\nHello.\r\n.\r\n`));
      return (await c.reply()) ?? '';
    } finally {
      c.close();
    }
  };

  it('lists the allowedFrom entries the routed account may not send as, and the relay refuses exactly those', async () => {
    // The suite's account is app@example.com with the alias "@example.com".
    const created = await api('POST', '/smtp-credentials', { name: 'Mixed senders', allowedFrom: ['billing@other.example', '@example.com', '@other.example', 'app@example.com'] });
    expect(created.sending).toEqual({ accountId: suite.r.accountId, address: 'app@example.com', refusedFrom: ['billing@other.example', '@other.example'], problem: null });
    expect((await api('GET', `/smtp-credentials/${created.id}`)).sending).toEqual(created.sending);
    expect((await api('GET', '/smtp-credentials')).items.find((c: { id: string }) => c.id === created.id).sending).toEqual(created.sending);

    expect(await finalReply(created, 'billing@other.example')).toMatch(/^550 5\.7\.1 .*may not send as billing@other\.example/);
    expect(await finalReply(created, 'news@other.example')).toMatch(/^550 5\.7\.1 /);
    expect(await finalReply(created, 'anyone@example.com')).toMatch(/^250 2\.0\.0 queued as msg_/);

    // An alias added to the account: the entry is sendable from the next read on, and the relay
    // agrees. "@other.example" stays listed: the relay still refuses every other address there.
    const account = await api('GET', `/accounts/${suite.r.accountId}`);
    await api('PATCH', `/accounts/${suite.r.accountId}`, { aliases: [...account.aliases, 'billing@other.example'], version: account.version });
    expect((await api('GET', `/smtp-credentials/${created.id}`)).sending.refusedFrom).toEqual(['@other.example']);
    expect(await finalReply(created, 'billing@other.example')).toMatch(/^250 2\.0\.0 queued as msg_/);
    expect(await finalReply(created, 'news@other.example')).toMatch(/^550 5\.7\.1 /);
  });

  it('lists a whole domain the account has no "@domain" alias for, though its own address there is taken', async () => {
    const server = await api('POST', '/servers', { name: 'brand relay', smtp: { host: '127.0.0.1', port: suite.sink.port, security: 'none', requireTls: false } });
    const brand = await api('POST', '/accounts', { serverId: server.id, address: 'noreply@brand.example' });
    const created = await api('POST', '/smtp-credentials', { name: 'Brand app', allowedFrom: ['@brand.example'], accountId: brand.id });
    expect(created.sending).toEqual({ accountId: brand.id, address: 'noreply@brand.example', refusedFrom: ['@brand.example'], problem: null });
    expect(await finalReply(created, 'app@brand.example')).toMatch(/^550 5\.7\.1 .*may not send as app@brand\.example/);
    expect(await finalReply(created, 'noreply@brand.example')).toMatch(/^250 2\.0\.0 queued as msg_/);
    // With the "@brand.example" alias the whole domain is the account's: nothing is listed, and the relay takes any address there.
    await api('PATCH', `/accounts/${brand.id}`, { aliases: ['@brand.example'], version: brand.version });
    expect((await api('GET', `/smtp-credentials/${created.id}`)).sending.refusedFrom).toEqual([]);
    expect(await finalReply(created, 'app@brand.example')).toMatch(/^250 2\.0\.0 queued as msg_/);
  });

  it('says why no account sends its mail, in the routing\'s own words', async () => {
    const created = await api('POST', '/smtp-credentials', { name: 'Reports feed', allowedFrom: ['@example.com'], purpose: 'report' });
    expect(created.sending).toMatchObject({ accountId: suite.r.accountId, refusedFrom: [], problem: null });
    const purpose = await api('GET', '/purposes/report');
    await api('PATCH', '/purposes/report', { enabled: false, version: purpose.version });
    const sending = (await api('GET', `/smtp-credentials/${created.id}`)).sending;
    expect(sending).toMatchObject({ accountId: null, address: null, refusedFrom: [] });
    expect(sending.problem).toMatch(/switched off/);
    await api('PATCH', '/purposes/report', { enabled: true, version: purpose.version + 1 });
  });
});
