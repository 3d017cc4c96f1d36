import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { queuedId, relaySuite, sendWithAuthors, type RelayCredential } from '../helpers/relay.js';
import { expectCode } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * Routing picks the sending account for all of a relay message's authors (each From mailbox and
 * the Sender), not for its first From alone: a purpose's account that may not send as one of them
 * is passed over for the next, the failover list keeps only accounts that may send as every one,
 * and a message none of them may send is refused with the author no account may use.
 */
const sinkOk = haveSmtpSink();

interface Routed {
  id: string;
  accountId: string;
  routing: { accountId: string; reason: string; reasonCode: string; failoverAccountIds: string[] };
}

await describeEachDialect('SMTP relay: routing by every author', (dialect) => {
  if (!sinkOk) return;
  // The suite's account app@example.com (alias @example.com) is the purpose's primary; desk@example.org,
  // its failover, may also send as @example.com. Only desk@example.org may send as @example.org.
  const suite = relaySuite(dialect);
  const ids = {} as { primary: string; failover: string };
  let credential: RelayCredential;
  /** The message a "250 … queued as msg_…" reply names, as the log shows its routing. */
  const routed = async (reply: string) => (await suite.r.t.request({ method: 'GET', url: `/api/v1/messages/${queuedId(expectCode(reply, 250))}` })).json() as Routed;
  const count = async () => (await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length as number;

  async function send(headers: string): Promise<string> {
    return sendWithAuthors(suite.r, credential, headers);
  }

  it('sets up a purpose with a primary and a failover account', async () => {
    ids.primary = suite.r.accountId;
    const desk = await suite.r.t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: suite.r.serverId, address: 'desk@example.org', aliases: ['@example.com', '@example.org'] } });
    expect(desk.statusCode, desk.body).toBe(201);
    ids.failover = desk.json().id;
    const purpose = await suite.r.t.request({ method: 'POST', url: '/api/v1/purposes', payload: { key: 'statements', accountIds: [ids.primary, ids.failover] } });
    expect(purpose.statusCode, purpose.body).toBe(201);
    credential = await suite.r.createCredential({ name: 'Statements', allowedFrom: ['@example.com', '@example.org', '@example.net'], purpose: 'statements' });
  });

  it('a second From only the failover account may use routes the message to it, and only it', async () => {
    const m = await routed(await send('From: <billing@example.com>, <x@example.org>'));
    expect(m.accountId).toBe(ids.failover);
    expect(m.routing).toMatchObject({ accountId: ids.failover, reasonCode: 'purpose', failoverAccountIds: [ids.failover] });
    expect(m.routing.reason).toBe('purpose "statements" → account desk@example.org (passed over: app@example.com may not send as x@example.org)');
    // It leaves from the failover account.
    await expect.poll(async () => (await suite.r.message(m.id)).status, { timeout: 20_000 }).toBe('sent');
  });

  it('so does a Sender only the failover account may use; authors both may use keep the primary first', async () => {
    expect((await routed(await send('From: billing@example.com\r\nSender: x@example.org'))).accountId).toBe(ids.failover);
    const both = await routed(await send('From: <billing@example.com>, <ops@example.com>'));
    expect(both.accountId).toBe(ids.primary);
    expect(both.routing).toMatchObject({ reasonCode: 'purpose', failoverAccountIds: [ids.primary, ids.failover] });
  });

  it('an author neither account may use is refused with 550 naming it, and nothing is queued', async () => {
    const before = await count();
    expect(await send('From: <billing@example.com>, <y@example.net>')).toMatch(
      /^550 5\.7\.1 from: none of the accounts purpose "statements" sends through \(app@example\.com, desk@example\.org\) may send as y@example\.net;/,
    );
    expect(await send('From: billing@example.com\r\nSender: y@example.net')).toMatch(/^550 5\.7\.1 sender: none of the accounts purpose "statements" sends through \(app@example\.com, desk@example\.org\) may send as y@example\.net;/);
    expect(await count()).toBe(before);
  });

  it('the API is unchanged: its from is checked on the purpose\'s first active account, which is not passed over', async () => {
    const res = await suite.r.t.request({ method: 'POST', url: '/api/v1/messages', payload: { purpose: 'statements', from: 'x@example.org', to: ['customer@example.net'], subject: 'api', text: 'hello' } });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_FROM_NOT_ALLOWED' });
    expect(res.json().error.message).toMatch(/^from: account app@example\.com may not send as x@example\.org;/);
  });
});
