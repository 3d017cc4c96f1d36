import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { inboundApp } from '../helpers/inbound-app.js';
import { mailPeers } from '../helpers/mail-peers.js';
import { composeReply, folderState, imapSession, postfixDsn } from '../helpers/inbound-mail.js';
import { enableWebhookEndpoint } from '../helpers/test-app.js';

/**
 * Connecting an account whose INBOX holds years of mail: its first read (no cursor yet) stores
 * only what arrived since the retention's cut-off. The rest would be received, acted on (an old
 * bounce suppressing an address, an old reply announced to webhooks) and deleted at the next
 * retention pass. The mail passed over is flagged like the rest (afterProcessing "flag").
 */
const PASSWORD = 'Inbound-First-Read-3';
const DAY = 86_400_000;
const peers = mailPeers('mailroom-inbound-first-read-', () => ({ 'first-sqlite@example.com': PASSWORD, 'first-postgres@example.com': PASSWORD }), 'inbound first read and retention');

type Summary = { id: string; kind: string; subject: string };

await describeEachDialect('a first read of a mailbox holding mail older than the retention (Dovecot)', (dialect) => {
  if (!peers.ready) return;
  const user = `first-${dialect}@example.com`;
  const app = inboundApp<Summary>(dialect, {
    peers,
    address: user,
    password: PASSWORD,
    inbound: { folders: ['INBOX'], afterProcessing: 'flag' },
    tuning: { pollMs: 300, refreshMs: 200, backoffBaseMs: 200, leaseMs: 10_000 },
    diagnose: 'status and log',
  });
  const { api, until, send, received } = app;
  const status = async () => (await api('GET', '/inbound/status')).json().mailboxes.find((b: { folder: string }) => b.folder === 'INBOX');
  const journal = async () => (await app.t.app.infra.db.selectFrom('event_journal').select(['type', 'message_id']).orderBy('id').execute()).map((j) => `${j.type} ${j.message_id}`);

  it('stores only what arrived since the cut-off, acts on nothing older, and flags all of it', async () => {
    await enableWebhookEndpoint(app.t);
    expect((await api('PATCH', '/settings', { retention: { days: 7 } })).statusCode).toBe(200);
    const out = await send(['gone@example.net']);
    const journalBefore = await journal();
    // The INBOX the account brings: a bounce and a reply from a month ago (IMAP's INTERNALDATE),
    // and a reply from today.
    const monthAgo = new Date(Date.now() - 30 * DAY);
    const dsn = postfixDsn({ to: user, recipient: 'gone@example.net', status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalMessageId: out.messageIdHeader, id: `first-${dialect}` });
    const reply = await composeReply({ from: 'gone@example.net', to: user, subject: 'Re: Your invitation', inReplyTo: out.messageIdHeader, text: 'Who is this?' });
    // Appended elsewhere and moved into INBOX in one command, so the three arrive together as
    // the mailbox an account brings: appended one by one, the reader (IDLE) could read the first
    // alone, and the two after it would be new mail arriving after the first read.
    await imapSession(peers.dovecot, user, PASSWORD, async (c) => {
      await c.mailboxCreate('Brought');
      await c.append('Brought', dsn, [], monthAgo);
      await c.append('Brought', reply, [], monthAgo);
      await c.append('Brought', await composeReply({ from: 'fresh@example.net', to: user, subject: 'Today', inReplyTo: '<unrelated@example.net>', text: 'new mail' }));
      await c.mailboxOpen('Brought');
      await c.messageMove('1:*', 'INBOX');
    });
    await until('the reader to read the whole INBOX', async () => {
      const b = await status();
      return b.uidValidity !== null && b.lastUid === 3 && b.state === 'watching' && b;
    });
    const after = await received();
    expect(after.map((m) => m.subject)).toEqual(['Today']);
    // The old bounce bounced nothing and suppressed nobody; only the new mail was announced.
    expect((await api('GET', `/messages/${out.id}`)).json().status).toBe('sent');
    expect((await api('GET', '/suppressions?q=gone@example.net')).json().items).toEqual([]);
    expect((await journal()).slice(journalBefore.length)).toEqual([`message.received ${after[0].id}`]);
    // Passed over like the rest: flagged read, and the log says how many and before when.
    expect(await folderState(peers.dovecot, user, PASSWORD, 'INBOX')).toMatchObject({ count: 3, seen: 3 });
    expect(app.t.logLines.some((l) => l.includes('first read of the folder') && l.includes('"skipped":2'))).toBe(true);
  });
});
