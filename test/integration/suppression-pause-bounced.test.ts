import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { postfixDsn } from '../helpers/inbound-mail.js';
import { BED_ADDRESS, receivedMailBed } from '../helpers/received-mail-bed.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * An admin paused an address until a date; then a hard bounce for it was read. The pause would
 * end and mail go again to a mailbox the bounce says does not exist: the bounce's entry, for
 * good, replaces it. An entry for good (an admin's without a date) keeps its first reason.
 * Bounces are stored as the IMAP reader stores them (received-mail-bed.ts).
 */
const sinkOk = haveSmtpSink();
if (!sinkOk && process.env.CI === 'true') throw new Error('CI=true but smtp-sink is not available');

await describeEachDialect('a hard bounce for an address paused until a date', (dialect) => {
  if (!sinkOk) return;
  const { api, send, receive } = receivedMailBed(dialect);
  let dsns = 0;

  /** Stores a hard bounce (5.1.1) of that message for `to`. */
  const hardBounce = async (to: string, messageIdHeader: string) => {
    const raw = postfixDsn({ to: BED_ADDRESS, recipient: to, status: '5.1.1', diagnostic: '550 5.1.1 User unknown', originalMessageId: messageIdHeader, id: `hard-${dialect}-${++dsns}` });
    expect(await receive(raw)).toMatchObject({ stored: true, kind: 'bounce' });
  };
  const entry = async (address: string) => (await api('GET', `/suppressions?q=${encodeURIComponent(address)}`)).json().items.find((s: { address: string }) => s.address === address);

  it('replaces the pause with a hard_bounce entry for good, audited with the pause as before', async () => {
    const { messageIdHeader } = await send(['paused@example.org'], 'Invoice');
    const pause = await api('POST', '/suppressions', { address: 'paused@example.org', detail: 'pause for a day', expiresAt: '2999-01-01T00:00:00Z' });
    expect(pause.statusCode, pause.body).toBe(201);
    await hardBounce('paused@example.org', messageIdHeader);
    expect(await entry('paused@example.org')).toMatchObject({ reason: 'hard_bounce', expiresAt: null, createdBy: 'system', detail: expect.stringContaining('5.1.1') });
    const audit = (await api('GET', '/audit?action=suppression.add')).json().items.find((a: { targetId: string; after?: { reason?: string } }) => a.targetId === 'paused@example.org' && a.after?.reason === 'hard_bounce');
    expect(audit).toMatchObject({ actor: 'system', before: { reason: 'manual', detail: 'pause for a day', expiresAt: '2999-01-01T00:00:00.000Z' }, after: { reason: 'hard_bounce', expiresAt: null } });
  });

  it("keeps an admin's entry for good as it is (its first reason)", async () => {
    const { messageIdHeader } = await send(['listed@example.org'], 'Invoice');
    expect((await api('POST', '/suppressions', { address: 'listed@example.org', detail: 'left the company' })).statusCode).toBe(201);
    await hardBounce('listed@example.org', messageIdHeader);
    expect(await entry('listed@example.org')).toMatchObject({ reason: 'manual', detail: 'left the company', expiresAt: null });
  });
});
