import { expect, it } from 'vitest';
import { applyRetention } from '../../src/core/outbox/retention.service.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { inboundApp } from '../helpers/inbound-app.js';
import { mailPeers } from '../helpers/mail-peers.js';
import { composeReply, imapSession, postfixDsn } from '../helpers/inbound-mail.js';
import { enableWebhookEndpoint } from '../helpers/test-app.js';

/**
 * A folder restored with a new UIDVALIDITY is read again from its first message. Mail that
 * arrived before the retention's cut-off was stored at its time and the retention may have
 * deleted it since: the Message-ID dedupe no longer finds it. It must not be stored (and its
 * bounce or reply acted on and announced) again; mail that arrived since still is.
 */
const PASSWORD = 'Inbound-Resync-7';
const DAY = 86_400_000;
const peers = mailPeers('mailroom-inbound-resync-', () => ({ 'resync-sqlite@example.com': PASSWORD, 'resync-postgres@example.com': PASSWORD }), 'inbound resync after retention');

type Summary = { id: string; kind: string; subject: string };

await describeEachDialect('a new UIDVALIDITY after the retention deleted what was read (Dovecot)', (dialect) => {
  if (!peers.ready) return;
  const user = `resync-${dialect}@example.com`;
  // Real time, plus the jump that lets the retention see the stored rows as old.
  const clock = { ahead: 0, now: () => Date.now() + clock.ahead };
  const app = inboundApp<Summary>(dialect, {
    peers,
    address: user,
    password: PASSWORD,
    inbound: { folders: ['Bounces'] },
    tuning: { pollMs: 300, refreshMs: 200, backoffBaseMs: 200, leaseMs: 10_000 },
    diagnose: 'status and log',
    app: { clock },
  });
  const { api, until, send, received } = app;
  const status = async () => (await api('GET', '/inbound/status')).json().mailboxes.find((b: { folder: string }) => b.folder === 'Bounces');
  const journal = async () => (await app.t.app.infra.db.selectFrom('event_journal').select(['type', 'message_id']).orderBy('id').execute()).map((j) => `${j.type} ${j.message_id}`);

  it('stores again neither the bounce nor the reply the retention deleted, and stores what arrived since', async () => {
    await enableWebhookEndpoint(app.t);
    const out = await send(['gone@example.net']);
    // Both arrived a month ago (IMAP's INTERNALDATE), and were read then, with the log kept forever.
    const monthAgo = new Date(Date.now() - 30 * DAY);
    const dsn = postfixDsn({ to: user, recipient: 'gone@example.net', status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalMessageId: out.messageIdHeader, id: `gone-${dialect}` });
    const reply = await composeReply({ from: 'gone@example.net', to: user, subject: 'Re: Your invitation', inReplyTo: out.messageIdHeader, text: 'Who is this?' });
    await imapSession(peers.dovecot, user, PASSWORD, async (c) => {
      await c.append('Bounces', dsn, [], monthAgo);
      await c.append('Bounces', reply, [], monthAgo);
    });
    const first = await until('the bounce and the reply', async () => {
      const r = await received();
      return r.length === 2 && r;
    });
    expect(first.map((m) => m.kind).sort()).toEqual(['bounce', 'reply']);
    expect((await api('GET', `/messages/${out.id}`)).json().status).toBe('bounced');
    // The newest message stays on SQLite whatever its age: one sent after them.
    await send(['newest@example.net'], 'Newest');
    // The retention is set after that first read: set before, the first read would not have
    // stored mail a month old either (inbound-first-read-retention.test.ts).
    expect((await api('PATCH', '/settings', { retention: { days: 7 } })).statusCode).toBe(200);

    // Forty days on, the retention deletes them (and the message they answered).
    clock.ahead = 40 * DAY;
    try {
      const pass = await applyRetention(app.t.app.ports.ctx);
      expect(pass.messages).toBeGreaterThanOrEqual(3);
    } finally {
      clock.ahead = 0;
    }
    for (const id of [out.id, ...first.map((m) => m.id)]) expect((await api('GET', `/messages/${id}`)).statusCode).toBe(404);
    expect(await received()).toEqual([]);
    const journalBefore = await journal();
    const old = await status();

    // The folder is restored (a new UIDVALIDITY; INTERNALDATEs kept, as a restore keeps them),
    // and a new bounce arrives today beside the old mail.
    await imapSession(peers.dovecot, user, PASSWORD, async (c) => {
      await c.mailboxOpen('Bounces');
      const all: { source: Buffer; date: Date }[] = [];
      for await (const m of c.fetch('1:*', { source: true, internalDate: true })) if (m.source) all.push({ source: m.source, date: new Date(m.internalDate as Date) });
      await c.mailboxClose();
      await c.mailboxDelete('Bounces');
      await c.mailboxCreate('Restored');
      for (const m of all) await c.append('Restored', m.source, [], m.date);
      await c.append('Restored', await composeReply({ from: 'fresh@example.net', to: user, subject: 'Today', inReplyTo: '<unrelated@example.net>', text: 'new mail' }));
      await c.mailboxRename('Restored', 'Bounces');
    });
    await until('the reader to read the restored folder', async () => {
      const b = await status();
      return b.uidValidity !== old.uidValidity && b.lastUid === 3 && b.state === 'watching';
    });
    const after = await received();
    expect(after.map((m) => m.subject)).toEqual(['Today']);
    // Nothing but the new message announced: no second message.received, replied or bounced.
    expect((await journal()).slice(journalBefore.length)).toEqual([`message.received ${after[0].id}`]);
  });
});
