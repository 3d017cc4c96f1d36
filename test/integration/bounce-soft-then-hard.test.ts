import { expect, it } from 'vitest';
import type { MessageEvent } from '../../src/core/kernel/message-events.js';
import type { ReceiveOutcome } from '../../src/core/inbound/receive.service.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { postfixDsn } from '../helpers/inbound-mail.js';
import { gatewayNotice } from '../helpers/plain-bounce-mail.js';
import { BED_ADDRESS, receivedMailBed } from '../helpers/received-mail-bed.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';
import { enableWebhookEndpoint } from '../helpers/test-app.js';

/**
 * Two bounces of the same message for the same recipient, stored the way the IMAP reader stores
 * them (the same parser, the same core function): a permanent failure (5.x.x) after a temporary
 * one (4.x.x) replaces it on the recipient (and in the message's lastError where that showed the
 * temporary one) and raises `message.bounced` for it, with the payload webhooks.md describes; a
 * second temporary failure after a temporary one, or anything after a permanent one, changes
 * nothing and raises nothing. (Found against Dovecot: the address was suppressed as hard_bounce
 * while the message still showed "bounced 4.2.2", and no event said so.)
 */
const APP = BED_ADDRESS;
const sinkOk = haveSmtpSink();
if (!sinkOk && process.env.CI === 'true') throw new Error('CI=true but smtp-sink is not available');

type Recipient = { address: string; status: string; code: number | null; enhancedCode: string | null; response: string | null };

await describeEachDialect('a hard bounce after a soft bounce of the same recipient', (dialect) => {
  if (!sinkOk) return;
  const bed = receivedMailBed(dialect, {
    folder: 'Bounces',
    app: { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } },
    // Events are journaled (for webhooks) while an endpoint is enabled.
    prepare: (t) => enableWebhookEndpoint(t),
  });
  const { api } = bed;

  /** Stores one message as the reader would, and the message.bounced events it raised. */
  const receive = async (raw: Buffer): Promise<{ out: ReceiveOutcome; bounced: MessageEvent[] }> => {
    const bounced: MessageEvent[] = [];
    const stop = bed.t.app.ports.ctx.events.subscribe((e) => void bounced.push(e), ['message.bounced']);
    try {
      const out = await bed.receive(raw);
      expect(out).toMatchObject({ stored: true, kind: 'bounce', leaseLost: false });
      return { out, bounced };
    } finally {
      stop();
    }
  };
  let dsns = 0;
  const dsn = (sent: { messageIdHeader: string }, recipient: string, status: string, diagnostic: string) =>
    postfixDsn({ to: APP, recipient, status, diagnostic, originalMessageId: sent.messageIdHeader, id: `dsn-${dialect}-${++dsns}` });
  const send = (to: string[]) => bed.send(to);
  const detail = async (id: string) => (await api('GET', `/messages/${id}`)).json() as { status: string; lastError: string | null; recipients: Recipient[] };
  const recipient = async (id: string, address: string) => (await detail(id)).recipients.find((r) => r.address === address);
  const journaled = async (id: string) =>
    (await bed.t.app.infra.db.selectFrom('event_journal').selectAll().where('message_id', '=', id).where('type', '=', 'message.bounced').orderBy('id').execute()).map((j) => JSON.parse(j.data));

  it('replaces a soft bounce with the hard one that follows, and announces it', async () => {
    const sent = await send(['twice@example.org', 'kept@example.net']);
    const soft = await receive(dsn(sent, 'twice@example.org', '4.2.2', '452 4.2.2 Mailbox full'));
    expect(soft.bounced).toHaveLength(1);
    expect(await recipient(sent.id, 'twice@example.org')).toMatchObject({ status: 'bounced', code: 452, enhancedCode: '4.2.2' });

    const hard = await receive(dsn(sent, 'twice@example.org', '5.1.1', '550 5.1.1 <twice@example.org>: Recipient address rejected: User unknown'));
    const now = await recipient(sent.id, 'twice@example.org');
    expect(now).toMatchObject({ status: 'bounced', code: 550, enhancedCode: '5.1.1' });
    expect(now?.response).toContain('User unknown');
    // The other recipient still got it: the message as a whole stays sent.
    expect(await recipient(sent.id, 'kept@example.net')).toMatchObject({ status: 'accepted' });
    expect((await detail(sent.id)).status).toBe('sent');
    expect(hard.bounced).toMatchObject([{ type: 'message.bounced', messageId: sent.id, inbound: { id: hard.out.id, kind: 'bounce' } }]);
    expect((await api('GET', '/suppressions?q=twice')).json().items).toMatchObject([{ address: 'twice@example.org', reason: 'hard_bounce', sourceMessageId: hard.out.id }]);
    // The webhook payload: the recipient with the permanent failure's codes, the reason, the bounce.
    const payloads = await journaled(sent.id);
    expect(payloads).toHaveLength(2);
    expect(payloads[1]).toMatchObject({
      status: 'bounced',
      recipients: [{ address: 'twice@example.org', status: 'bounced', code: 550, enhancedCode: '5.1.1' }],
      inbound: { id: hard.out.id, kind: 'bounce' },
    });
    expect(payloads[1].reason).toContain('twice@example.org: 550 5.1.1');
  });

  it('changes nothing and raises nothing for a second soft bounce, or for anything after the hard one', async () => {
    const sent = await send(['again@example.org']);
    await receive(dsn(sent, 'again@example.org', '4.2.2', '452 4.2.2 Mailbox full'));
    const first = await recipient(sent.id, 'again@example.org');
    const softAgain = await receive(dsn(sent, 'again@example.org', '4.4.1', '451 4.4.1 No answer from host'));
    expect(softAgain.bounced).toEqual([]);
    expect(await recipient(sent.id, 'again@example.org')).toEqual(first);

    const hard = await receive(dsn(sent, 'again@example.org', '5.1.1', '550 5.1.1 User unknown'));
    expect(hard.bounced).toHaveLength(1);
    const final = await recipient(sent.id, 'again@example.org');
    expect(final).toMatchObject({ enhancedCode: '5.1.1' });
    for (const [status, diagnostic] of [['5.2.1', '550 5.2.1 Mailbox disabled'], ['4.2.2', '452 4.2.2 Mailbox full']]) {
      const later = await receive(dsn(sent, 'again@example.org', status, diagnostic));
      expect(later.bounced).toEqual([]);
      expect(await recipient(sent.id, 'again@example.org')).toEqual(final);
    }
    expect(await journaled(sent.id)).toHaveLength(2);
  });

  it('replaces a bounce that gave no status (a plain-text notice) with the hard one that follows', async () => {
    const sent = await send(['vague@example.org']);
    const vague = await receive(gatewayNotice({ to: APP, id: `gw-${dialect}`, recipient: 'vague@example.org', reply: '550 User unknown', returned: { messageId: sent.messageIdHeader, from: APP, to: 'vague@example.org' } }));
    expect(vague.bounced).toHaveLength(1);
    expect(await recipient(sent.id, 'vague@example.org')).toMatchObject({ status: 'bounced', enhancedCode: null });
    const hard = await receive(dsn(sent, 'vague@example.org', '5.1.1', '550 5.1.1 User unknown'));
    expect(hard.bounced).toHaveLength(1);
    expect(await recipient(sent.id, 'vague@example.org')).toMatchObject({ status: 'bounced', code: 550, enhancedCode: '5.1.1' });
    // Another notice without a status after it changes nothing.
    const again = await receive(gatewayNotice({ to: APP, id: `gw2-${dialect}`, recipient: 'vague@example.org', reply: '550 User unknown', returned: { messageId: sent.messageIdHeader, from: APP, to: 'vague@example.org' } }));
    expect(again.bounced).toEqual([]);
    expect(await recipient(sent.id, 'vague@example.org')).toMatchObject({ enhancedCode: '5.1.1' });
  });

  it('shows the permanent failure as the lastError of a message bounced as a whole', async () => {
    const sent = await send(['only@example.org']);
    await receive(dsn(sent, 'only@example.org', '4.2.2', '452 4.2.2 Mailbox full'));
    expect(await detail(sent.id)).toMatchObject({ status: 'bounced', lastError: '452 4.2.2 Mailbox full' });
    await receive(dsn(sent, 'only@example.org', '5.1.1', '550 5.1.1 User unknown'));
    expect(await detail(sent.id)).toMatchObject({ status: 'bounced', lastError: '550 5.1.1 User unknown' });
  });
});
