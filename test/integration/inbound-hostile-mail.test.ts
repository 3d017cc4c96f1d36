import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { inboundApp } from '../helpers/inbound-app.js';
import { mailPeers } from '../helpers/mail-peers.js';
import { append, arfComplaint, composeReply, folderState, imapSession, postfixDsn } from '../helpers/inbound-mail.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

/**
 * Received mail as an admin meets it the first day, from a private Dovecot: bounces and
 * complaints that name an address the message was never sent to (forged, or after an alias
 * forwarded it) suppress only the address Mailroom sent to; attachments are listed; text in
 * ISO-8859-1 and Shift_JIS arrives readable; a moment without the database does not stop a
 * reader for good; a move target that does not exist leaves no message behind unmoved; a wrong
 * password is named clearly and never logged.
 */
const PASSWORD = 'Hostile-Secret-7';
const WRONG = 'Not-The-Password-42';
const users = (d: string) => ({ main: `app-${d}@example.com`, mover: `mover-${d}@example.com`, locked: `locked-${d}@example.com`, nofolder: `nofolder-${d}@example.com`, outage: `outage-${d}@example.com` });
const everyUser = () => {
  const all: Record<string, string> = {};
  for (const d of ['sqlite', 'postgres']) for (const u of Object.values(users(d))) all[u] = PASSWORD;
  return all;
};
const peers = mailPeers('mailroom-hostile-', everyUser);

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

await describeEachDialect('received mail an admin meets on the first day (Dovecot)', (dialect) => {
  if (!peers.ready) return;
  const { main, mover, locked, nofolder, outage } = users(dialect);
  type Summary = { id: string; kind: string; status: string; inReplyTo: string | null; subject: string; accountId: string; lastError: string | null };
  const app = inboundApp<Summary>(dialect, {
    peers,
    address: main,
    password: PASSWORD,
    tuning: { maxBodyBytes: 200_000, pollMs: 300, refreshMs: 60_000, backoffBaseMs: 200, backoffMaxMs: 400, leaseMs: 10_000 },
    diagnose: 'status and log',
  });
  const { api, until, send, received } = app;
  const mailbox = async (accountId: string, folder = 'INBOX') => (await api('GET', '/inbound/status')).json().mailboxes.find((b: { accountId: string; folder: string }) => b.accountId === accountId && b.folder === folder);
  const suppressed = async (q: string) => (await api('GET', `/suppressions?q=${encodeURIComponent(q)}`)).json().items as { address: string; reason: string }[];

  it('a DSN or abuse report naming an address the message was not sent to suppresses nobody', async () => {
    // Anyone who got one message from Mailroom knows its Message-ID and can send a "bounce" of it.
    const out = await send([`attacker-${dialect}@evil.example`]);
    const stranger = `ceo-${dialect}@victim.example`;
    await append(peers.dovecot, main, PASSWORD, 'INBOX', postfixDsn({ to: main, recipient: stranger, status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalMessageId: out.messageIdHeader, id: `forged-${dialect}` }));
    await append(peers.dovecot, main, PASSWORD, 'INBOX', arfComplaint({ to: main, recipient: stranger, originalMessageId: out.messageIdHeader, id: `forged-arf-${dialect}` }));
    await until('the forged reports', async () => (await received()).filter((m) => m.inReplyTo === out.id).length === 2);
    expect(await suppressed(stranger)).toEqual([]);
    const m = (await api('GET', `/messages/${out.id}`)).json();
    expect([m.status, m.recipients[0].status]).toEqual(['sent', 'accepted']);
  });

  it('a DSN after an alias forwarded the message bounces and suppresses the address Mailroom sent to (Original-Recipient)', async () => {
    const alias = `info-${dialect}@alias.example`;
    const forwarded = `bob-${dialect}@forward.example`;
    const out = await send([alias]);
    const dsn = postfixDsn({ to: main, recipient: forwarded, status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalMessageId: out.messageIdHeader, id: `alias-${dialect}` })
      .toString()
      .replace(`Original-Recipient: rfc822;${forwarded}`, `Original-Recipient: rfc822;${alias}`);
    await append(peers.dovecot, main, PASSWORD, 'INBOX', Buffer.from(dsn));
    await until('the message to be bounced', async () => (await api('GET', `/messages/${out.id}`)).json().status === 'bounced');
    const m = (await api('GET', `/messages/${out.id}`)).json();
    expect(m.recipients[0]).toMatchObject({ address: alias, status: 'bounced', enhancedCode: '5.1.1' });
    expect((await suppressed(alias)).map((s) => s.reason)).toEqual(['hard_bounce']);
    expect(await suppressed(forwarded)).toEqual([]);
  });

  it('an ARF report that is no complaint (not-spam, auth-failure) suppresses nobody', async () => {
    const out = await send([`fan-${dialect}@example.net`]);
    for (const type of ['not-spam', 'auth-failure']) {
      const arf = arfComplaint({ to: main, recipient: `fan-${dialect}@example.net`, originalMessageId: out.messageIdHeader, id: `${type}-${dialect}` })
        .toString()
        .replace('Feedback-Type: abuse', `Feedback-Type: ${type}`);
      await append(peers.dovecot, main, PASSWORD, 'INBOX', Buffer.from(arf));
    }
    await until('both reports', async () => (await received()).filter((m) => m.inReplyTo === out.id).length === 2);
    expect(await suppressed(`fan-${dialect}@example.net`)).toEqual([]);
  });

  it('a reply with a NUL character in its text is stored as a reply on every store, not quarantined', async () => {
    const out = await send([`nul-${dialect}@example.net`]);
    const reply = (await composeReply({ from: `nul-${dialect}@example.net`, to: main, subject: 'Re: Your invitation', inReplyTo: out.messageIdHeader, text: 'Yes\u0000 please' })).toString().replace('Subject: Re: Your invitation', 'Subject: =?UTF-8?Q?Re:_Your=00_invitation?=');
    await append(peers.dovecot, main, PASSWORD, 'INBOX', Buffer.from(reply));
    const got = await until('the reply', async () => (await received()).find((m) => m.inReplyTo === out.id));
    expect(got).toMatchObject({ kind: 'reply', status: 'received' });
    const detail = (await api('GET', `/messages/${got.id}`)).json();
    expect(detail.text).toContain('Yes');
    expect(detail.subject).toContain('Your');
  });

  it('a DSN larger than the body limit (it returns a large message whole) still bounces', async () => {
    const out = await send([`big-${dialect}@example.net`]);
    const body = `${'y'.repeat(76)}\r\n`.repeat(4000); // ~300 kB, above this reader's 200 kB body limit
    const dsn = postfixDsn({ to: main, recipient: `big-${dialect}@example.net`, status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full', originalMessageId: out.messageIdHeader, id: `big-${dialect}` })
      .toString()
      .replace('\r\nHello\r\n', `\r\n${body}`);
    expect(dsn.length).toBeGreaterThan(200_000);
    await append(peers.dovecot, main, PASSWORD, 'INBOX', Buffer.from(dsn));
    const bounce = await until('the large bounce', async () => (await received()).find((m) => m.inReplyTo === out.id));
    expect(bounce.kind).toBe('bounce');
    expect((await api('GET', `/messages/${out.id}`)).json().recipients[0]).toMatchObject({ status: 'bounced', enhancedCode: '5.2.2' });
    expect((await suppressed(`big-${dialect}@example.net`)).map((x) => x.reason)).toEqual(['hard_bounce']);
    expect((await api('GET', `/messages/${bounce.id}`)).json().lastError).toContain('larger than the body limit');
  });

  it('lists the attachments of a received message, and reads ISO-8859-1 and Shift_JIS text', async () => {
    const pdf = Buffer.from('%PDF-1.4\n' + 'x'.repeat(3000));
    await append(
      peers.dovecot,
      main,
      PASSWORD,
      'INBOX',
      crlf([
        'From: Jörg <joerg@example.net>',
        `To: ${main}`,
        'Subject: =?ISO-8859-1?Q?Rechnung_f=FCr_M=E4rz?=',
        `Message-ID: <attach-${dialect}@example.net>`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="XX"',
        '',
        '--XX',
        'Content-Type: text/plain; charset=ISO-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Gr=FC=DFe aus K=F6ln',
        '--XX',
        'Content-Type: application/pdf; name="rechnung.pdf"',
        'Content-Disposition: attachment; filename="rechnung.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        pdf.toString('base64'),
        '--XX--',
        '',
      ]),
      Buffer.concat([
        crlf([`From: tanaka@example.jp`, `To: ${main}`, `Subject: =?Shift_JIS?B?kL+LgY+RgsmCwoKigsQ=?=`, `Message-ID: <sjis-${dialect}@example.jp>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=Shift_JIS', 'Content-Transfer-Encoding: 8bit', '', '']),
        // 'お世話になっております。' in Shift_JIS
        Buffer.from('82a890a2986282c982c882c182c482a882e882dc82b781420d0a', 'hex'),
      ]),
    );
    const withFile = await until('the message with an attachment', async () => (await received()).find((m) => m.subject === 'Rechnung für März'));
    const detail = (await api('GET', `/messages/${withFile.id}`)).json();
    expect(detail.text).toContain('Grüße aus Köln');
    // The content is not kept; the size shown comes from the message view (see the report).
    expect(detail.attachments).toEqual([{ filename: 'rechnung.pdf', contentType: 'application/pdf', sizeBytes: pdf.length }]);
    const sjis = await until('the Shift_JIS message', async () => (await received()).find((m) => m.subject === '請求書について'));
    expect((await api('GET', `/messages/${sjis.id}`)).json().text).toContain('お世話になっております。');
  });

  it('a reader goes on after a moment without the database', async () => {
    const repos = app.t.app.ports.ctx.store.repos.accounts;
    const get = repos.get.bind(repos);
    let failing = true;
    repos.get = (async (...args: Parameters<typeof get>) => {
      if (failing) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return get(...args);
    }) as typeof repos.get;
    try {
      // The reader starts anew (stop, then start) while the database does not answer.
      await app.inbound.stop();
      await app.inbound.start();
      await new Promise((r) => setTimeout(r, 800));
    } finally {
      failing = false;
      repos.get = get;
    }
    await append(peers.dovecot, main, PASSWORD, 'INBOX', crlf(['From: later@example.net', `To: ${main}`, 'Subject: After the outage', `Message-ID: <after-outage-${dialect}@example.net>`, '', 'still read', '']));
    await until('the message sent after the outage', async () => (await received()).find((m) => m.subject === 'After the outage'));
  });

  it('a move target that does not exist is named, and no message is stored without being moved', async () => {
    await imapSession(peers.dovecot, mover, PASSWORD, async () => undefined);
    await append(peers.dovecot, mover, PASSWORD, 'INBOX', crlf(['From: a@example.net', `To: ${mover}`, 'Subject: To be moved', `Message-ID: <move-${dialect}@example.net>`, '', 'x', '']));
    const account = await api('POST', '/accounts', { serverId: app.serverId, address: mover, password: PASSWORD, inbound: { folders: ['INBOX'], afterProcessing: 'move', moveTo: 'Archive' } });
    expect(account.statusCode).toBe(201);
    const id = account.json().id as string;
    await app.inbound.refresh();
    const failing = await until('the reader to fail on the missing folder', async () => {
      const b = await mailbox(id);
      return b?.state === 'failing' && b;
    });
    expect(failing.lastError).toContain('Archive');
    expect((await received()).filter((m) => m.accountId === id)).toEqual([]);
    // The admin creates the folder: the message is stored and moved.
    await imapSession(peers.dovecot, mover, PASSWORD, (c) => c.mailboxCreate('Archive'));
    await until('the message to be stored', async () => (await received()).find((m) => m.accountId === id && m.subject === 'To be moved'), 30_000);
    await until('the message to be moved', async () => (await folderState(peers.dovecot, mover, PASSWORD, 'Archive')).count === 1);
    expect((await folderState(peers.dovecot, mover, PASSWORD, 'INBOX')).count).toBe(0);
  }, 60_000);

  it('a wrong IMAP password is named clearly, and never written to the log', async () => {
    const account = await api('POST', '/accounts', { serverId: app.serverId, address: locked, password: WRONG, inbound: { folders: ['INBOX'] } });
    expect(account.statusCode).toBe(201);
    const id = account.json().id as string;
    await app.inbound.refresh();
    const b = await until('the reader to fail', async () => {
      const s = await mailbox(id);
      return s?.state === 'failing' && s;
    });
    expect(b.lastError).toMatch(/authentication failed|login/i);
    expect(b.lastError).toContain(locked);
    expect(app.t.logLines.join('\n')).not.toContain(WRONG);
  });

  it('a folder that does not exist is named as such', async () => {
    const account = await api('POST', '/accounts', { serverId: app.serverId, address: nofolder, password: PASSWORD, inbound: { folders: ['Bounces'] } });
    expect(account.statusCode).toBe(201);
    const id = account.json().id as string;
    await app.inbound.refresh();
    const b = await until('the reader to fail', async () => {
      const s = await mailbox(id, 'Bounces');
      return s?.state === 'failing' && s;
    });
    expect(b.lastError).toContain('"Bounces"');
    expect(b.lastError).toContain('does not exist');
  });

  it('an IMAP server that goes away mid-run is a clear failure; once back, nothing is lost or read twice', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: peers.dovecot.imapsPort });
    try {
      const server = await api('POST', '/servers', {
        name: `imap behind a proxy ${dialect}`,
        smtp: { host: '127.0.0.1', port: peers.sink.port, security: 'none', tlsTrust: { mode: 'pinned', certificate: peers.cert.cert } },
        imap: { host: '127.0.0.1', port: proxy.port, security: 'tls' },
      });
      expect(server.statusCode).toBe(201);
      const account = await api('POST', '/accounts', { serverId: server.json().id, address: outage, password: PASSWORD, inbound: { folders: ['INBOX'] } });
      expect(account.statusCode).toBe(201);
      const id = account.json().id as string;
      const mail = (n: number) => crlf([`From: n${n}@example.net`, `To: ${outage}`, `Subject: Outage ${n}`, `Message-ID: <outage-${n}-${dialect}@example.net>`, '', `number ${n}`, '']);
      await append(peers.dovecot, outage, PASSWORD, 'INBOX', mail(1));
      await app.inbound.refresh();
      await until('the first message', async () => (await received()).find((m) => m.accountId === id));
      await proxy.down();
      const down = await until('the reader to fail', async () => {
        const b = await mailbox(id);
        return b?.state === 'failing' && b;
      });
      expect(down.lastError).toMatch(/ECONNREFUSED|closed|connect/i);
      await Promise.all([2, 3, 4, 5].map((n) => append(peers.dovecot, outage, PASSWORD, 'INBOX', mail(n))));
      await proxy.up();
      await until('every message once', async () => (await received()).filter((m) => m.accountId === id).length === 5, 30_000);
      await until('the reader to watch again', async () => (await mailbox(id))?.state === 'watching');
      const subjects = (await received()).filter((m) => m.accountId === id).map((m) => m.subject).sort();
      expect(subjects).toEqual(['Outage 1', 'Outage 2', 'Outage 3', 'Outage 4', 'Outage 5']);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('a deadlock while storing (the delivery worker held the same rows) is tried again, not quarantined', async () => {
    const store = app.t.app.ports.ctx.store;
    const transaction = store.transaction.bind(store);
    let deadlocks = 0;
    store.transaction = (async (fn: Parameters<typeof transaction>[0]) => {
      if (deadlocks === 0) {
        deadlocks += 1;
        throw Object.assign(new Error('deadlock detected'), { code: dialect === 'postgres' ? '40P01' : 'SQLITE_BUSY_SNAPSHOT' });
      }
      return transaction(fn);
    }) as typeof store.transaction;
    try {
      await append(peers.dovecot, main, PASSWORD, 'INBOX', crlf(['From: d@example.net', `To: ${main}`, 'Subject: Through a deadlock', `Message-ID: <deadlock-${dialect}@example.net>`, '', 'x', '']));
      const got = await until('the message', async () => (await received()).find((m) => m.subject.includes('Through a deadlock') || m.lastError?.includes('deadlock')));
      expect(deadlocks).toBe(1);
      expect(got).toMatchObject({ status: 'received', subject: 'Through a deadlock' });
    } finally {
      store.transaction = transaction;
    }
  });
});
