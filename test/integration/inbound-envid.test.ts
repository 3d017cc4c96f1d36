import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { mailPeers } from '../helpers/mail-peers.js';
import { inboundApp } from '../helpers/inbound-app.js';
import { append, reportOnlyDsn } from '../helpers/inbound-mail.js';
import { messageIdOf } from '../helpers/smtp-sink.js';

/**
 * Bounces matched by the envelope id (RFC 3461 ENVID) when the DSN returns nothing of the
 * message: Mailroom sends each message with its log id as ENVID (the relay, Postfix's smtp-sink,
 * offers DSN and records it), and a report-only DSN read from a private Dovecot, carrying that id
 * as Original-Envelope-Id, bounces the right recipient and suppresses it. An envelope id that is
 * not one of Mailroom's, or names no message it sent, changes nothing.
 */
const PASSWORD = 'Envid-Secret-9';
const peers = mailPeers('mailroom-envid-', () => ({ 'envid-sqlite@example.com': PASSWORD, 'envid-postgres@example.com': PASSWORD }));

type Summary = { id: string; kind: string; inReplyTo: string | null; subject: string };

await describeEachDialect('bounces matched by the envelope id (ENVID)', (dialect) => {
  if (!peers.ready) return;
  const user = `envid-${dialect}@example.com`;
  const { api, until, send, received } = inboundApp<Summary>(dialect, {
    peers,
    address: user,
    password: PASSWORD,
    tuning: { pollMs: 300, refreshMs: 200, backoffBaseMs: 200, leaseMs: 10_000 },
    limit: 100,
  });

  it('sends ENVID, and a DSN that returns no headers bounces and suppresses the recipient it names', async () => {
    const out = await send(['kept@example.org', 'gone@example.org'], 'Your invoice');
    const id = out.id;
    // The relay offers DSN: MAIL FROM carried the message's log id.
    const dump = peers.sink.messages().find((d) => messageIdOf(d) === out.messageIdHeader);
    expect(/^X-Mail-Args: (.*)$/m.exec(dump ?? '')?.[1]).toBe(`<${user}> ENVID=${id}`);

    await append(
      peers.dovecot,
      user,
      PASSWORD,
      'INBOX',
      reportOnlyDsn({ to: user, recipient: 'gone@example.org', status: '5.1.1', diagnostic: '550 5.1.1 mailbox unavailable', envelopeId: id, id: `envid-${dialect}` }),
    );
    const bounce = await until('the bounce', async () => (await received()).find((m) => m.subject === 'Delivery Status Notification (Failure)'));
    expect(bounce).toMatchObject({ kind: 'bounce', inReplyTo: id });
    const m = (await api('GET', `/messages/${id}`)).json();
    const rcpt = Object.fromEntries(m.recipients.map((r: { address: string }) => [r.address, r]));
    expect(rcpt['gone@example.org']).toMatchObject({ status: 'bounced', code: 550, enhancedCode: '5.1.1' });
    expect(rcpt['kept@example.org'].status).toBe('accepted');
    expect(m.bounces.map((b: Summary) => b.id)).toEqual([bounce.id]);
    expect((await api('GET', '/suppressions?q=gone@example.org')).json().items).toEqual([expect.objectContaining({ address: 'gone@example.org', reason: 'hard_bounce', sourceMessageId: bounce.id })]);
  });

  it('changes nothing for an envelope id that is not one of its own, or names no message it sent', async () => {
    await append(
      peers.dovecot,
      user,
      PASSWORD,
      'INBOX',
      // Another sender's ENVID, in xtext ("+2B" is "+").
      reportOnlyDsn({ to: user, recipient: 'stranger@example.org', status: '5.1.1', diagnostic: '550 5.1.1 no such user', envelopeId: 'QID+2B8F1A13E0C2', id: `foreign-${dialect}` }),
      // Mailroom's form, but no message of the log has it.
      reportOnlyDsn({ to: user, recipient: 'other@example.org', status: '5.1.1', diagnostic: '550 5.1.1 no such user', envelopeId: 'msg_01aaaaaaaaaaaaaaaaaaaaaaaa', id: `unknown-${dialect}` }),
    );
    const bounces = await until('both reports', async () => {
      const list = (await received()).filter((m) => m.kind === 'bounce');
      return list.length === 3 && list;
    });
    expect(bounces.filter((b) => b.inReplyTo === null)).toHaveLength(2);
    const listed = (await api('GET', '/suppressions')).json().items.map((s: { address: string }) => s.address);
    expect(listed).not.toContain('stranger@example.org');
    expect(listed).not.toContain('other@example.org');
  });
});
