import { sql } from 'kysely';
import { dkimVerify } from 'mailauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect, postgresAvailable } from '../helpers/dialects.js';
import { queuedId, relaySuite, startRelayApp, type RelayApp } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink, rcptsOf, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * What the relay does with an application's message: sent as it was written (8-bit bytes,
 * its own headers and MIME), with Mailroom's Received, a Message-ID and a Date where it had
 * none, a DKIM signature, no Bcc field, global copies on the envelope only; routed by the
 * credential's purpose or account. And when the store cannot take a message, a 4xx: never a
 * 250 for a message that is not on disk.
 */
const sinkOk = haveSmtpSink();

async function submit(r: RelayApp, cred: { username: string; password?: string }, rcpts: string[], message: string): Promise<string | null> {
  const c = await RawSmtp.connect(r.port);
  await c.login(cred.username, cred.password!);
  expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
  for (const rcpt of rcpts) expectCode(await c.command(`RCPT TO:<${rcpt}>`), 250);
  expectCode(await c.command('DATA'), 354);
  c.write(Buffer.concat([Buffer.from(message, 'utf8'), Buffer.from('\r\n.\r\n')]));
  const reply = await c.reply();
  c.close();
  return reply;
}

/** An application's message, 8-bit and with lines as it wrote them. */
const appMessage = (subject: string, extra = '') =>
  `From: "Billing" <billing@example.com>\r\nTo: Customer <customer@example.net>\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n${extra}\r\nGrüße, Ünïcödé — 8-bit as written.\r\n..a line that starts with a dot\r\n`;

await describeEachDialect('SMTP relay: the message as sent', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect);
  const dumpOf = (subject: string) => suite.sink.messages().filter((d) => d.includes(`Subject: ${subject}`));
  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: unknown) => (await suite.r.t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) })).json();


  it('keeps the application bytes, adds Received, Message-ID and Date, signs with DKIM, drops Bcc', async () => {
    const key = await api('PUT', '/dkim/example.com', { selector: 'relay' });
    const id = queuedId(await submit(suite.r, suite.r.credential, ['customer@example.net', 'secret@example.net'], appMessage('as written', 'Bcc: secret@example.net\r\n')));
    await expect.poll(async () => (await suite.r.message(id)).status, { timeout: 20_000 }).toBe('sent');
    const m = await suite.r.message(id);
    const [dump] = dumpOf('as written');
    const sent = dump.slice(dump.search(/^DKIM-Signature:/m));
    // The application's part arrives as written (smtp-sink stores lines with LF; the dot is unstuffed).
    expect(sent).toContain('Grüße, Ünïcödé — 8-bit as written.\n.a line that starts with a dot');
    // 8-bit bytes are announced to the server, which offers 8BITMIME (RFC 6152).
    expect(dump).toMatch(/^X-Mail-Args: .*\bBODY=8BITMIME\b/m);
    expect(sent).toMatch(/^Message-ID: <[0-9a-z]+@example\.com>$/m);
    expect(sent).toContain(`Message-ID: ${m.messageIdHeader}`);
    expect(sent).toMatch(/^Date: \w{3}, \d{2} \w{3} \d{4} [\d:]{8} \+0000$/m);
    expect(sent).not.toMatch(/^Bcc:/im);
    expect(rcptsOf(dump).sort()).toEqual(['customer@example.net', 'secret@example.net']);
    const resolver = async (name: string) => {
      if (name === key.dnsRecord.name) return [[key.dnsRecord.value]];
      throw Object.assign(new Error('no such record'), { code: 'ENOTFOUND' });
    };
    const verdict = await dkimVerify(Buffer.from(sent.replace(/\r?\n/g, '\r\n'), 'utf8'), { resolver: resolver as never });
    expect(verdict.results[0]).toMatchObject({ signingDomain: 'example.com', status: { result: 'pass' } });
    expect(m.headers).toMatchObject({ 'Message-ID': m.messageIdHeader });
    // The stored message is the application's, as received (dot-unstuffed, its Bcc field removed).
    const stored = await suite.r.t.request({ method: 'GET', url: `/api/v1/messages/${id}/raw` });
    expect(stored.headers['content-type']).toContain('message/rfc822');
    const expected = `${appMessage('as written').replace('\r\n..a line', '\r\n.a line')}\r\n`;
    expect(stored.rawPayload.toString('utf8')).toBe(expected);
    expect(m.rawBytes).toBe(Buffer.byteLength(expected));
    const composed = await suite.r.t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['x@example.net'], subject: 'composed', text: 'x' } });
    expect((await suite.r.t.request({ method: 'GET', url: `/api/v1/messages/${composed.json().id}/raw` })).statusCode).toBe(404);
    expect(String((m.headers as Record<string, string>).Received)).toMatch(/^from client\.test \(\[127\.0\.0\.1\]\) by \S+ \(Mailroom\) with ESMTPSA; /);
  });

  it("keeps the application's own Message-ID and Date", async () => {
    const id = queuedId(await submit(suite.r, suite.r.credential, ['customer@example.net'], appMessage('own ids', 'Message-ID: <order-42@billing.example.com>\r\nDate: Mon, 1 Jun 2026 10:00:00 +0200\r\n')));
    await expect.poll(async () => (await suite.r.message(id)).status, { timeout: 20_000 }).toBe('sent');
    const m = await suite.r.message(id);
    expect(m.messageIdHeader).toBe('<order-42@billing.example.com>');
    const [dump] = dumpOf('own ids');
    expect(dump.match(/^Message-ID:/gim)).toHaveLength(1);
    expect(dump.match(/^Date:/gim)).toHaveLength(1);
  });

  it('routes by the credential: its purpose (priority, global copies on the envelope only) or its account', async () => {
    await api('PATCH', '/settings', { globalBcc: ['archive@example.org'] });
    const alerts = await suite.r.createCredential({ name: 'Monitoring', allowedFrom: ['@example.com'], purpose: 'alert' });
    const id = queuedId(await submit(suite.r, alerts, ['oncall@example.net'], appMessage('disk full')));
    await expect.poll(async () => (await suite.r.message(id)).status, { timeout: 20_000 }).toBe('sent');
    const m = await suite.r.message(id);
    // Its To header names customer@…; the envelope said oncall@…: the log shows that one as a blind copy.
    expect(m).toMatchObject({ purpose: 'alert', priority: 80, createdBy: 'smtp:Monitoring', to: ['Customer <customer@example.net>'], bcc: ['oncall@example.net', 'archive@example.org'] });
    const [dump] = dumpOf('disk full');
    expect(rcptsOf(dump).sort()).toEqual(['archive@example.org', 'oncall@example.net']);
    expect(dump.split('\n').filter((l) => l.includes('archive@example.org'))).toEqual(['X-Rcpt-Args: <archive@example.org>']);
    expect(dump).not.toMatch(/^(Cc|Bcc):/im);

    const second = await api('POST', '/accounts', { serverId: suite.r.serverId, address: 'reports@example.com', aliases: ['@example.com'] });
    const pinned = await suite.r.createCredential({ name: 'Reports', allowedFrom: ['@example.com'], accountId: second.id });
    const pid = queuedId(await submit(suite.r, pinned, ['boss@example.net'], appMessage('pinned')));
    expect((await suite.r.message(pid)).accountId).toBe(second.id);
    await api('PATCH', '/settings', { globalBcc: [] });
  });

  it('a purpose switched off is 550; no account able to send is 451 (the application keeps the message)', async () => {
    const purpose = await api('GET', '/purposes/report');
    const reports = await suite.r.createCredential({ name: 'Weekly', allowedFrom: ['@example.com'], purpose: 'report' });
    await api('PATCH', '/purposes/report', { enabled: false, version: purpose.version });
    expect(await submit(suite.r, reports, ['x@example.net'], appMessage('switched off'))).toMatch(/^550 5\.7\.1 .*report/);
    const accounts = (await api('GET', '/accounts')).items as { id: string; version: number }[];
    for (const a of accounts) await api('PATCH', `/accounts/${a.id}`, { active: false, version: a.version });
    expect(await submit(suite.r, suite.r.credential, ['x@example.net'], appMessage('nobody sends'))).toMatch(/^451 4\.3\.5 no account can send/);
    for (const a of accounts) await api('PATCH', `/accounts/${a.id}`, { active: true, version: a.version + 1 });
    expect(dumpOf('switched off').length + dumpOf('nobody sends').length).toBe(0);
  });
});

describe.runIf(sinkOk)('SMTP relay: a store that cannot take the message [sqlite, full disk]', () => {
  let sink: SmtpSink;
  let r: RelayApp;
  beforeAll(async () => {
    sink = await startSmtpSink();
    r = await startRelayApp('sqlite', sink.port, { delivery: false });
  }, 60_000);
  afterAll(async () => {
    await r?.close();
    await sink?.stop();
  });

  it('answers 452 4.3.1 and queues nothing, then 250 once there is room again', async () => {
    const db = r.t.app.infra.db;
    const count = async () => Number((await sql<{ n: number }>`select count(*) as n from messages`.execute(db)).rows[0].n);
    const pages = Number((await sql<{ page_count: number }>`pragma page_count`.execute(db)).rows[0].page_count);
    await sql.raw(`pragma max_page_count = ${pages + 1}`).execute(db);
    const big = appMessage('no room', `X-Padding: ${'p'.repeat(900)}\r\n`).replace('8-bit as written.', `${'x'.repeat(76)}\r\n`.repeat(400));
    expect(await submit(r, r.credential, ['x@example.net'], big)).toMatch(/^452 4\.3\.1 the database cannot grow: the disk is full; nothing was stored/);
    expect(await count()).toBe(0);
    await sql.raw('pragma max_page_count = 1073741823').execute(db);
    expect(await submit(r, r.credential, ['x@example.net'], big)).toMatch(/^250 2\.0\.0 queued as msg_/);
    expect(await count()).toBe(1);
  });
});

describe.runIf(sinkOk && (await postgresAvailable()))('SMTP relay: a store that cannot take the message [postgres, database away]', () => {
  let sink: SmtpSink;
  let r: RelayApp;
  let proxy: TcpProxy;
  beforeAll(async () => {
    sink = await startSmtpSink();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    r = await startRelayApp('postgres', sink.port, { delivery: false, databaseUrl: (url) => url.replace(':5432/', `:${proxy.port}/`) });
  }, 60_000);
  afterAll(async () => {
    await r?.close();
    await proxy?.close();
    await sink?.stop();
  });

  it('answers 451 4.3.0 while the database is away, and 250 when it is back', async () => {
    const c = await RawSmtp.connect(r.port);
    await c.login(r.credential.username, r.credential.password!);
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    expectCode(await c.command('RCPT TO:<x@example.net>'), 250);
    expectCode(await c.command('DATA'), 354);
    await proxy.down();
    c.write(`${appMessage('while away')}\r\n.\r\n`);
    expect(await c.reply()).toMatch(/^451 4\.3\.0 the database is not reachable right now .*nothing was stored/);
    await proxy.up();
    await expect.poll(async () => (await r.t.request({ method: 'GET', url: '/readyz' })).statusCode, { timeout: 15_000 }).toBe(200);
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    expectCode(await c.command('RCPT TO:<x@example.net>'), 250);
    expectCode(await c.command('DATA'), 354);
    c.write(`${appMessage('back again')}\r\n.\r\n`);
    expect(await c.reply()).toMatch(/^250 2\.0\.0 queued as msg_/);
    c.close();
    const items = (await r.t.request({ method: 'GET', url: '/api/v1/messages' })).json().items;
    expect(items.map((m: { subject: string }) => m.subject)).toEqual(['back again']);
  });
});
