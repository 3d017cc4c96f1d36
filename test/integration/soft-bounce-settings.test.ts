import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { postfixDsn } from '../helpers/inbound-mail.js';
import { BED_ADDRESS, receivedMailBed } from '../helpers/received-mail-bed.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * The soft-bounce policy is an admin setting (`settings.softBounces`): validated through
 * PATCH /settings, and the bounce handling suppresses an address at the count set there, not
 * a built-in one. Bounces are stored the way the IMAP reader stores them (the same parser, the
 * same core function and cursor); reading them from Dovecot is inbound-imap.test.ts.
 */
const sinkOk = haveSmtpSink();
if (!sinkOk && process.env.CI === 'true') throw new Error('CI=true but smtp-sink is not available');

await describeEachDialect('soft-bounce policy from the settings', (dialect) => {
  if (!sinkOk) return;
  const { api, send, receive } = receivedMailBed(dialect);

  /** Sends one message to `to` and stores a soft bounce (4.2.2, Action: failed) of it. */
  let dsns = 0;
  const softBounce = async (to: string) => {
    const sent = await send([to], 'Newsletter');
    const raw = postfixDsn({ to: BED_ADDRESS, recipient: to, status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full', originalMessageId: sent.messageIdHeader, id: `soft-${dialect}-${++dsns}` });
    expect(await receive(raw)).toMatchObject({ stored: true, kind: 'bounce' });
    expect((await api('GET', `/messages/${sent.id}`)).json().recipients[0]).toMatchObject({ status: 'bounced', enhancedCode: '4.2.2' });
  };
  const suppressed = async (q: string) => (await api('GET', `/suppressions?q=${encodeURIComponent(q)}`)).json().items as { address: string; reason: string }[];

  it('reads 3 within 7 days by default and refuses values it cannot use', async () => {
    expect((await api('GET', '/settings')).json().softBounces).toEqual({ value: { count: 3, windowDays: 7 }, source: 'default', locked: false, version: 0 });
    for (const [softBounces, field] of [
      [{ count: 0 }, 'softBounces.count'],
      [{ count: 2.5 }, 'softBounces.count'],
      [{ windowDays: 366 }, 'softBounces.windowDays'],
    ] as const) {
      const res = await api('PATCH', '/settings', { softBounces });
      expect(res.statusCode, JSON.stringify(softBounces)).toBe(400);
      expect(res.json().error.code).toBe('MAILROOM_E_VALIDATION');
      expect(res.json().error.message).toContain(field.split('.')[1]);
    }
    const unknown = await api('PATCH', '/settings', { softBounces: { limit: 2 } });
    expect(unknown.json().error.code).toBe('MAILROOM_E_UNKNOWN_FIELD');
    // Nothing was stored by the refused writes.
    expect((await api('GET', '/settings')).json().softBounces.source).toBe('default');
  });

  it('suppresses at the count an admin set (fields left out keep their value), and the change is audited', async () => {
    const res = await api('PATCH', '/settings', { softBounces: { count: 2 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().softBounces).toMatchObject({ value: { count: 2, windowDays: 7 }, source: 'database' });
    const entry = (await api('GET', '/audit?action=settings.update')).json().items[0];
    expect(entry).toMatchObject({ action: 'settings.update', after: { softBounces: { count: 2, windowDays: 7 } } });

    await softBounce('full@example.net');
    expect(await suppressed('full@')).toEqual([]);
    await softBounce('full@example.net');
    expect(await suppressed('full@')).toEqual([expect.objectContaining({ address: 'full@example.net', reason: 'soft_bounce' })]);
  });

  it('a higher count lets an address bounce softly more often before it is suppressed', async () => {
    expect((await api('PATCH', '/settings', { softBounces: { count: 4, windowDays: 30 } })).json().softBounces.value).toEqual({ count: 4, windowDays: 30 });
    for (let i = 0; i < 3; i++) await softBounce('greylisted@example.net');
    expect(await suppressed('greylisted@')).toEqual([]);
    await softBounce('greylisted@example.net');
    expect(await suppressed('greylisted@')).toEqual([expect.objectContaining({ address: 'greylisted@example.net', reason: 'soft_bounce' })]);
  });
});
