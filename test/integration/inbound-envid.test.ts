import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { haveDovecot, type Cert, type DovecotInstance } from '../helpers/diagnostics-peers.js';
import { withMailPeers } from '../helpers/mail-peers.js';
import { append, reportOnlyDsn, until } from '../helpers/inbound-mail.js';
import { haveSmtpSink, messageIdOf, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Bounces matched by the envelope id (RFC 3461 ENVID) when the DSN returns nothing of the
 * message: Mailroom sends each message with its log id as ENVID (the relay, Postfix's smtp-sink,
 * offers DSN and records it), and a report-only DSN read from a private Dovecot, carrying that id
 * as Original-Envelope-Id, bounces the right recipient and suppresses it. An envelope id that is
 * not one of Mailroom's, or names no message it sent, changes nothing.
 */
const PASSWORD = 'Envid-Secret-9';
const missing = !haveDovecot();
if (missing && process.env.CI === 'true') throw new Error('CI=true but Dovecot (run as root) is not available');
const sinkOk = haveSmtpSink();

let cert: Cert;
let dovecot: DovecotInstance;
let sink: SmtpSink;
withMailPeers('mailroom-envid-', () => ({ 'envid-sqlite@example.com': PASSWORD, 'envid-postgres@example.com': PASSWORD }), !missing && sinkOk, (p) => ({ cert, dovecot, sink } = p));

type Summary = { id: string; kind: string; inReplyTo: string | null; subject: string };

await describeEachDialect('bounces matched by the envelope id (ENVID)', (dialect) => {
  if (missing || !sinkOk) return;
  const user = `envid-${dialect}@example.com`;
  let t: TestApp;
  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const received = async (): Promise<Summary[]> => (await api('GET', '/messages?direction=in&limit=100')).json().items;

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    const server = await api('POST', '/servers', {
      name: 'internal relay',
      smtp: { host: '127.0.0.1', port: sink.port, security: 'none', tlsTrust: { mode: 'pinned', certificate: cert.cert } },
      imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' },
    });
    expect(server.statusCode).toBe(201);
    const account = await api('POST', '/accounts', { serverId: server.json().id, address: user, password: PASSWORD, inbound: { folders: ['INBOX'] } });
    expect(account.statusCode).toBe(201);
    await t.app.startDelivery();
    await t.app.startInbound({ pollMs: 300, refreshMs: 200, backoffBaseMs: 200, leaseMs: 10_000 });
  }, 60_000);
  afterAll(async () => t?.close());

  it('sends ENVID, and a DSN that returns no headers bounces and suppresses the recipient it names', async () => {
    const res = await api('POST', '/messages', { to: ['kept@example.org', 'gone@example.org'], subject: 'Your invoice', text: 'Hello' });
    expect(res.statusCode).toBe(202);
    const id = res.json().id as string;
    const out = await until('the message to be sent', async () => {
      const d = (await api('GET', `/messages/${id}`)).json();
      return d.status === 'sent' && (d as { messageIdHeader: string });
    });
    // The relay offers DSN: MAIL FROM carried the message's log id.
    const dump = sink.messages().find((d) => messageIdOf(d) === out.messageIdHeader);
    expect(/^X-Mail-Args: (.*)$/m.exec(dump ?? '')?.[1]).toBe(`<${user}> ENVID=${id}`);

    await append(
      dovecot,
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
      dovecot,
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
