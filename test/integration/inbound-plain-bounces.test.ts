import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { inboundApp } from '../helpers/inbound-app.js';
import { append } from '../helpers/inbound-mail.js';
import { mailPeers } from '../helpers/mail-peers.js';
import { eximBounce, eximSmtpFailure, gatewayNotice } from '../helpers/plain-bounce-mail.js';

/**
 * Bounces that are not RFC 3464, read from a private Dovecot the way an account's mailbox
 * receives them: Exim's plain-text "Mail delivery failed: returning message to sender" marks
 * the failed recipient of the message it quotes `bounced` and suppresses it (Exim says "This is
 * a permanent error"); a notice that does not say so marks without suppressing; a forged one
 * naming an address the message was never sent to changes nothing; one that is not from a
 * mailer daemon is no bounce; one larger than the body limit still bounces.
 */
const PASSWORD = 'Plain-Bounce-Secret-3';
const account = (d: string) => `bounces-${d}@example.com`;
const peers = mailPeers('mailroom-plain-bounce-', () => ({ [account('sqlite')]: PASSWORD, [account('postgres')]: PASSWORD }));

await describeEachDialect('plain-text bounces (Exim, X-Failed-Recipients) from Dovecot', (dialect) => {
  if (!peers.ready) return;
  const main = account(dialect);
  type Summary = { id: string; kind: string; status: string; inReplyTo: string | null; subject: string };
  const { api, until, send, received } = inboundApp<Summary>(dialect, {
    peers,
    address: main,
    password: PASSWORD,
    tuning: { maxBodyBytes: 200_000, pollMs: 300, refreshMs: 60_000, backoffBaseMs: 200, backoffMaxMs: 400, leaseMs: 10_000 },
    diagnose: 'status',
  });
  const message = async (id: string) => (await api('GET', `/messages/${id}`)).json() as { status: string; recipients: { address: string; status: string; enhancedCode: string | null; response: string | null }[]; lastError: string | null };
  const suppressed = async (q: string) => (await api('GET', `/suppressions?q=${encodeURIComponent(q)}`)).json().items as { address: string; reason: string; detail: string | null }[];
  const bounceOf = (outId: string) => until('the bounce to be stored', async () => (await received()).find((m) => m.inReplyTo === outId));

  it("Exim's bounce marks the failed recipient bounced and suppresses it; the other recipient keeps its delivery", async () => {
    const gone = `gone-${dialect}@example.org`;
    const fine = `fine-${dialect}@example.org`;
    const out = await send([gone, fine]);
    const reply = `550 5.1.1 <${gone}>: Recipient address rejected: User unknown in virtual mailbox table`;
    // An older Exim: no References, the message is found by the Message-ID of the copy it quotes.
    await append(peers.dovecot, main, PASSWORD, 'INBOX', eximBounce({ to: main, id: `exim-${dialect}`, failed: [eximSmtpFailure(gone, reply)], returned: { messageId: out.messageIdHeader, from: main, to: `${gone}, ${fine}` }, references: false }));
    const bounce = await bounceOf(out.id);
    expect(bounce).toMatchObject({ kind: 'bounce', subject: 'Mail delivery failed: returning message to sender' });
    const m = await until('the recipient to be marked', async () => {
      const d = await message(out.id);
      return d.recipients.some((r) => r.status === 'bounced') && d;
    });
    expect(m.recipients.find((r) => r.address === gone)).toMatchObject({ status: 'bounced', enhancedCode: '5.1.1' });
    expect(m.recipients.find((r) => r.address === gone)?.response).toContain('User unknown');
    expect(m.recipients.find((r) => r.address === fine)?.status).toBe('accepted');
    expect(m.status).toBe('sent');
    expect(await suppressed(gone)).toEqual([expect.objectContaining({ address: gone, reason: 'hard_bounce' })]);
    expect(await suppressed(fine)).toEqual([]);
  });

  it('a forged plain bounce naming an address the message was not sent to suppresses nobody', async () => {
    const out = await send([`attacker-${dialect}@evil.example`]);
    const stranger = `ceo-${dialect}@victim.example`;
    await append(peers.dovecot, main, PASSWORD, 'INBOX', eximBounce({ to: main, id: `forged-${dialect}`, failed: [eximSmtpFailure(stranger, '550 5.1.1 User unknown')], returned: { messageId: out.messageIdHeader, from: main, to: stranger } }));
    expect((await bounceOf(out.id)).kind).toBe('bounce');
    expect(await suppressed(stranger)).toEqual([]);
    const m = await message(out.id);
    expect([m.status, m.recipients[0].status]).toEqual(['sent', 'accepted']);
  });

  it('after an alias forwarded the message, the address Mailroom sent to ("generated from") is marked and suppressed', async () => {
    const alias = `info-${dialect}@alias.example`;
    const forwarded = `bob-${dialect}@forward.example`;
    const out = await send([alias]);
    const failed = { address: forwarded, lines: [`(generated from ${alias})`, 'host mx.forward.example [192.0.2.9]', `SMTP error from remote mail server after RCPT TO:<${forwarded}>:`, '550 5.1.1 No such user'] };
    await append(peers.dovecot, main, PASSWORD, 'INBOX', eximBounce({ to: main, id: `alias-${dialect}`, failed: [failed], returned: { messageId: out.messageIdHeader, from: main, to: alias } }));
    await until('the message to be bounced', async () => (await message(out.id)).status === 'bounced');
    expect((await message(out.id)).recipients[0]).toMatchObject({ address: alias, status: 'bounced', enhancedCode: '5.1.1' });
    expect((await suppressed(alias)).map((s) => s.reason)).toEqual(['hard_bounce']);
    expect(await suppressed(forwarded)).toEqual([]);
  });

  it('a notice that does not say the failure is permanent marks the recipient without suppressing it', async () => {
    const who = `maybe-${dialect}@example.org`;
    const out = await send([who]);
    await append(peers.dovecot, main, PASSWORD, 'INBOX', gatewayNotice({ to: main, id: `gw-${dialect}`, recipient: who, reply: '550 5.1.1 User unknown', returned: { messageId: out.messageIdHeader, from: main, to: who } }));
    const m = await until('the message to be bounced', async () => {
      const d = await message(out.id);
      return d.status === 'bounced' && d;
    });
    expect(m.recipients[0]).toMatchObject({ address: who, status: 'bounced', enhancedCode: null });
    expect(m.recipients[0].response).toContain('550 5.1.1 User unknown');
    expect(await suppressed(who)).toEqual([]);
  });

  it('the same notice from someone who is no mailer daemon is no bounce', async () => {
    const who = `kept-${dialect}@example.org`;
    const out = await send([who]);
    const raw = gatewayNotice({ to: main, id: `nodaemon-${dialect}`, recipient: who, reply: '550 5.1.1 User unknown', returned: { messageId: out.messageIdHeader, from: main, to: who }, from: `Kim <kim-${dialect}@example.net>`, returnPath: `<kim-${dialect}@example.net>` });
    await append(peers.dovecot, main, PASSWORD, 'INBOX', Buffer.concat([Buffer.from(`In-Reply-To: ${out.messageIdHeader}\r\n`), raw]));
    const got = await bounceOf(out.id);
    expect(got.kind).toBe('reply');
    expect((await message(out.id)).recipients[0].status).toBe('accepted');
    expect(await suppressed(who)).toEqual([]);
  });

  it('an Exim bounce larger than the body limit (it returns a large message whole) still bounces', async () => {
    const big = `big-${dialect}@example.org`;
    const out = await send([big]);
    const body = Array.from({ length: 4000 }, () => 'y'.repeat(76)); // ~300 kB, above this reader's 200 kB body limit
    const raw = eximBounce({ to: main, id: `big-${dialect}`, failed: [eximSmtpFailure(big, '552 5.2.2 Mailbox full')], returned: { messageId: out.messageIdHeader, from: main, to: big, body }, references: false });
    expect(raw.length).toBeGreaterThan(200_000);
    await append(peers.dovecot, main, PASSWORD, 'INBOX', raw);
    const bounce = await bounceOf(out.id);
    expect(bounce.kind).toBe('bounce');
    expect((await message(out.id)).recipients[0]).toMatchObject({ status: 'bounced', enhancedCode: '5.2.2' });
    expect((await suppressed(big)).map((s) => s.reason)).toEqual(['hard_bounce']);
    expect((await message(bounce.id)).lastError).toContain('larger than the body limit');
  });
});
