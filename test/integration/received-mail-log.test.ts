import { Migrator, sql, type KyselyPlugin } from 'kysely';
import { expect, it } from 'vitest';
import type { MessageEvent } from '../../src/core/kernel/message-events.js';
import { messageIdTakenLine } from '../../src/core/inbound/receive.service.js';
import { fallbackMessageId } from '../../src/inbound/parse-mail.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { messagesRepository } from '../../src/store/repositories/messages.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { boundarylessReply, globalDsn, plainMail } from '../helpers/received-mail.js';
import { BED_ADDRESS, receivedMailBed } from '../helpers/received-mail-bed.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * Received mail in the email log, stored the way the IMAP reader stores it (the same parser,
 * the same core function, the same cursor; reading it from Dovecot is inbound-imap.test.ts):
 * - `GET /messages?recipient=` (and `?to=`) finds it by the addresses its To and Cc name, from an
 *   index, on its own with `direction=in` and beside outbound mail without; messages received
 *   before the upgrade are found too (migration 030);
 * - an RFC 6533 DSN (global-delivery-status) bounces the recipient it names in UTF-8;
 * - a different message reusing a stored Message-ID is stored under a derived id, the same
 *   message read again is counted as a duplicate, and the outcome says which;
 * - a body no MIME part can be read from is kept as sent, with the reason in lastError.
 */
const APP = BED_ADDRESS;
const sinkOk = haveSmtpSink();
if (!sinkOk && process.env.CI === 'true') throw new Error('CI=true but smtp-sink is not available');

await describeEachDialect('received mail in the email log', (dialect) => {
  if (!sinkOk) return;
  const bed = receivedMailBed(dialect);
  const { api, send, receive } = bed;
  const ids = async (query: string) => {
    const res = await api('GET', `/messages?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().items as { id: string }[]).map((m) => m.id);
  };
  const mailbox = async () => (await api('GET', '/inbound/status')).json().mailboxes.find((b: { accountId: string }) => b.accountId === bed.accountId);

  let invitation: { id: string; messageIdHeader: string };
  const received: string[] = [];

  it('finds received mail by To and Cc with ?recipient= and ?to=, whatever the case, beside outbound mail, newest first', async () => {
    invitation = await send([APP, 'ann@example.net']);
    for (let i = 0; i < 3; i++) {
      const out = await receive(plainMail({ from: `Guest ${i} <guest${i}@example.net>`, to: 'App <App@Example.com>', cc: i === 1 ? 'Carol <carol@bücher.example>' : undefined, subject: `Re: Your invitation ${i}`, messageId: `<r${i}-${dialect}@ext.example>`, inReplyTo: invitation.messageIdHeader, text: `Reply ${i}` }));
      expect(out).toMatchObject({ stored: true, kind: 'reply', messageIdTaken: null });
      received.push(out.id as string);
    }
    const newestFirst = [...received].reverse();
    expect(await ids('recipient=app%40example.com&direction=in')).toEqual(newestFirst);
    expect(await ids('to=APP%40example.com&direction=in')).toEqual(newestFirst);
    // Both directions: the received replies and the message sent to the same address.
    expect(await ids('recipient=app%40example.com')).toEqual([...newestFirst, invitation.id]);
    expect(await ids('recipient=app%40example.com&direction=out')).toEqual([invitation.id]);
    // Cc counts; an IDN domain is found as sent and in ASCII.
    expect(await ids('recipient=carol%40b%C3%BCcher.example')).toEqual([received[1]]);
    expect(await ids('recipient=carol%40xn--bcher-kva.example&direction=in')).toEqual([received[1]]);
    // Paged like any listing; the sender is no recipient.
    expect(await ids(`recipient=app%40example.com&direction=in&limit=1&cursor=${newestFirst[0]}`)).toEqual([newestFirst[1]]);
    expect(await ids('recipient=guest0%40example.net')).toEqual([]);
    // Read or unread is a state of received mail only: the sent invitation is neither.
    expect(await ids('recipient=app%40example.com&read=false')).toEqual(newestFirst);
    expect(await ids('recipient=app%40example.com&read=true')).toEqual([]);
  });

  it('answers the filter from the indexes on both sides, never by reading every message', async () => {
    const db = bed.t.app.infra.db;
    const plan = async (direction?: 'in') => {
      const sent: { sql: string; parameters: readonly unknown[] }[] = [];
      const capture: KyselyPlugin = {
        transformQuery: (args) => {
          sent.push(db.getExecutor().compileQuery(args.node, args.queryId));
          return args.node;
        },
        transformResult: async (args) => args.result,
      };
      await messagesRepository(db.withPlugin(capture), { ...bed.t.app.infra.capabilities, dialect }).list({ recipient: 'app@example.com', direction, limit: 50 });
      // Subqueries pass the plugin too, when they are built: the statement sent is the last one.
      const { sql: text, parameters } = sent[sent.length - 1];
      const pieces = text.split(/\?|\$\d+/);
      const bound = sql.join(pieces.map((piece, i) => (i < parameters.length ? sql`${sql.raw(piece)}${parameters[i]}` : sql.raw(piece))), sql.raw(''));
      if (dialect === 'sqlite') return (await sql<{ detail: string }>`explain query plan ${bound}`.execute(db)).rows.map((r) => r.detail).join('\n');
      return db.connection().execute(async (c) => {
        await sql`set enable_seqscan = off`.execute(c);
        const rows = (await sql<{ 'QUERY PLAN': string }>`explain ${bound}`.execute(c)).rows;
        await sql`reset enable_seqscan`.execute(c);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    };
    const both = await plan();
    expect(both).toMatch(/received_addressees_address_idx/);
    expect(both).toMatch(/message_recipients_lower_address_idx/);
    const inbound = await plan('in');
    expect(inbound).toMatch(/received_addressees_address_idx/);
    expect(inbound).not.toMatch(/message_recipients/);
  });

  it('finds the mail received before the upgrade: migration 030 indexes it from its stored To and Cc', async () => {
    const db = bed.t.app.infra.db;
    const migrator = new Migrator({ db, provider: migrationProvider, migrationTableName: 'mailroom_migrations', migrationLockTableName: 'mailroom_migrations_lock' });
    expect((await migrator.migrateTo('029_oauth2_sign_ins')).error).toBeUndefined();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await ids('recipient=app%40example.com&direction=in')).toEqual([...received].reverse());
    expect(await ids('recipient=carol%40xn--bcher-kva.example')).toEqual([received[1]]);
  });

  it('bounces the recipient an RFC 6533 DSN names in UTF-8 (global-delivery-status), suppresses it and announces message.bounced', async () => {
    const sent = await send(['gone@bücher.example', 'kept@example.net'], 'Ihre Einladung');
    const bounced: MessageEvent[] = [];
    const stop = bed.t.app.ports.ctx.events.subscribe((e) => void bounced.push(e), ['message.bounced']);
    // Only the envelope id names the message: the report returns nothing of it.
    const out = await receive(globalDsn({ to: APP, id: `g-${dialect}`, finalRecipient: 'Gone@Bücher.example', status: '5.1.1', diagnostic: '550 5.1.1 <gone@bücher.example>: Benutzer unbekannt', envelopeId: sent.id }));
    stop();
    expect(out).toMatchObject({ stored: true, kind: 'bounce' });
    const detail = (await api('GET', `/messages/${sent.id}`)).json();
    expect(detail.recipients.map((r: { address: string; status: string; enhancedCode: string | null }) => [r.address, r.status, r.enhancedCode])).toEqual([
      ['gone@xn--bcher-kva.example', 'bounced', '5.1.1'],
      ['kept@example.net', 'accepted', '2.0.0'],
    ]);
    expect((await api('GET', '/suppressions?q=bcher')).json().items).toMatchObject([{ address: 'gone@xn--bcher-kva.example', reason: 'hard_bounce', sourceMessageId: out.id }]);
    expect(bounced).toMatchObject([{ type: 'message.bounced', messageId: sent.id }]);
    expect((await api('GET', `/messages/${out.id}`)).json()).toMatchObject({ kind: 'bounce', inReplyTo: sent.id });
  });

  it('stores a different message reusing a stored Message-ID under a derived id, and counts the same message read again as a duplicate', async () => {
    const before = await mailbox();
    const messageId = `<r0-${dialect}@ext.example>`;
    // Another sender, other content, the Message-ID of the first reply above.
    const mallory = plainMail({ from: 'mallory@evil.example', to: APP, subject: 'Re: Your invitation 0', messageId, inReplyTo: invitation.messageIdHeader, text: 'Pay here' });
    const other = await receive(mallory);
    expect(other).toMatchObject({ stored: true, kind: 'reply', messageIdTaken: { messageId, existingId: received[0], from: 'mallory@evil.example' } });
    expect(other.messageIdTaken?.storedAs).toMatch(new RegExp(`^<r0-${dialect}@ext\\.example>#[0-9a-f]{16}$`));
    expect(messageIdTakenLine(other.messageIdTaken!).level).toBe('warn');
    const stored = (await api('GET', `/messages/${other.id}`)).json();
    expect(stored).toMatchObject({ from: 'mallory@evil.example', messageIdHeader: other.messageIdTaken?.storedAs, text: 'Pay here\n' });
    expect(stored.headers['Message-ID']).toBe(messageId);

    // Read again (a resync, a copy in another folder): neither is stored twice.
    const again = await receive(mallory);
    expect(again).toMatchObject({ stored: false, id: null, messageIdTaken: { messageId, existingId: received[0], storedAs: null } });
    expect(messageIdTakenLine(again.messageIdTaken!).level).toBe('debug');
    const first = await receive(plainMail({ from: 'Guest 0 <guest0@example.net>', to: 'App <App@Example.com>', subject: 'Re: Your invitation 0', messageId, inReplyTo: invitation.messageIdHeader, text: 'Reply 0' }));
    expect(first).toMatchObject({ stored: false, messageIdTaken: { messageId, existingId: received[0], from: 'guest0@example.net', storedAs: null } });
    // Without a Message-ID the bytes are the id: the same bytes are the same message.
    const anonymous = Buffer.from(`From: x@example.net\r\nTo: ${APP}\r\nSubject: no id\r\n\r\nHi\r\n`);
    expect(await receive(anonymous)).toMatchObject({ stored: true, messageIdTaken: null });
    expect(await receive(anonymous)).toMatchObject({ stored: false, messageIdTaken: { messageId: fallbackMessageId(anonymous), storedAs: null } });

    const after = await mailbox();
    expect({ stored: after.storedCount - before.storedCount, duplicates: after.duplicateCount - before.duplicateCount, lastUid: after.lastUid }).toEqual({ stored: 2, duplicates: 3, lastUid: bed.lastUid });
  });

  it('keeps the body of a message no MIME part can be read from, as sent, with the reason in lastError', async () => {
    const out = await receive(boundarylessReply({ from: 'ann@example.net', to: APP, messageId: `<broken-${dialect}@example.net>`, inReplyTo: invitation.messageIdHeader, text: 'See you on Monday.' }));
    expect(out).toMatchObject({ stored: true, kind: 'reply' });
    const m = (await api('GET', `/messages/${out.id}`)).json();
    expect(m).toMatchObject({ status: 'received', text: 'See you on Monday.\r\n', replyText: 'See you on Monday.', html: null });
    expect(m.lastError).toBe('the body could not be read as MIME (multipart/alternative without a boundary): it is kept as sent, as plain text');
  });

  it('forgets the addresses with the messages the retention deletes', async () => {
    const repos = bed.t.app.ports.ctx.store.repos;
    const now = bed.t.app.ports.ctx.clock.now();
    await repos.messages.deleteFinished({ statuses: ['received'], before: now + 86_400_000, limit: 1000 });
    const orphans = await sql<{ n: number | string }>`select count(*) as n from received_addressees a where not exists (select 1 from messages m where m.id = a.message_id)`.execute(bed.t.app.infra.db);
    expect(Number(orphans.rows[0].n)).toBe(0);
    // SQLite keeps the newest row (subject-search.ts); the rest are gone, and their addresses with them.
    expect((await ids('recipient=app%40example.com&direction=in')).length).toBeLessThanOrEqual(1);
  });
});
