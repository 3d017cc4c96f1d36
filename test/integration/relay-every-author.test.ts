import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { queuedId, relaySuite, sendWithAuthors, type RelayCredential } from '../helpers/relay.js';
import { expectCode } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * A message names its authors in From (one mailbox or several) and Sender: each of them is
 * someone the credential may send as (allowedFrom) and someone the sending account may send as
 * (its address and aliases), not just the first From mailbox. Otherwise a second From mailbox,
 * or a Sender, carries an address the account was never allowed to use.
 */
const sinkOk = haveSmtpSink();

await describeEachDialect('SMTP relay: every From mailbox and the Sender are checked', (dialect) => {
  if (!sinkOk) return;
  // The suite's account is app@example.com with the alias @example.com: example.org is not its.
  const suite = relaySuite(dialect);
  const count = async () => (await suite.r.t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length as number;

  async function send(c: RelayCredential, headers: string): Promise<string> {
    return sendWithAuthors(suite.r, c, headers);
  }

  it('the sending account must be able to send as every From mailbox and the Sender, in any order', async () => {
    // The credential may use example.org; the account it routes to may not.
    const wide = await suite.r.createCredential({ name: 'Wide', allowedFrom: ['@example.com', '@example.org'] });
    const before = await count();
    const refused = /^550 5\.7\.1 from: account app@example\.com may not send as x@example\.org/;
    expect(await send(wide, 'From: <billing@example.com>, <x@example.org>')).toMatch(refused);
    expect(await send(wide, 'From: <x@example.org>, <billing@example.com>')).toMatch(refused);
    expect(await send(wide, 'From: billing@example.com\r\nSender: x@example.org')).toMatch(/^550 5\.7\.1 sender: account app@example\.com may not send as x@example\.org/);
    expect(await count()).toBe(before);
    // Authors the account may all use pass.
    const id = queuedId(expectCode(await send(wide, 'From: <billing@example.com>, Ops <ops@example.com>\r\nSender: app@example.com'), 250));
    expect((await suite.r.message(id)).from).toBe('billing@example.com');
  });

  it("the credential's allowedFrom holds for every From mailbox and the Sender too", async () => {
    const narrow = await suite.r.createCredential({ name: 'Narrow', allowedFrom: ['billing@example.com'] });
    const before = await count();
    expect(await send(narrow, 'From: <billing@example.com>, <ops@example.com>')).toMatch(/^550 5\.7\.1 From ops@example\.com is not allowed for SMTP credential "Narrow"/);
    expect(await send(narrow, 'From: billing@example.com\r\nSender: ops@example.com')).toMatch(/^550 5\.7\.1 Sender ops@example\.com is not allowed for SMTP credential "Narrow"/);
    expect(await count()).toBe(before);
  });
});
