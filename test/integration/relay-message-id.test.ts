import { expect, it } from 'vitest';
import { parseMail } from '../../src/inbound/parse-mail.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { queuedId, relaySuite } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * An application's Message-ID written without angle brackets (`Message-ID: abc@host`, which
 * RFC 5322 does not allow but some programs write) goes out as written: the relay never
 * changes the application's bytes. The log keeps it bracketed (`<abc@host>`), the form every
 * received message's In-Reply-To and References are read in, with or without brackets, so a
 * reply to it is matched (docs/relay.md, "What happens to a message").
 */
const sinkOk = haveSmtpSink();

await describeEachDialect('SMTP relay: a Message-ID without angle brackets', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect);

  it('is sent as written and logged in the bracketed form a reply is matched by', async () => {
    const own = `order-${dialect}-77@billing.example.com`;
    const c = await RawSmtp.connect(suite.r.port);
    await c.login(suite.r.credential.username, suite.r.credential.password!);
    expectCode(await c.command('MAIL FROM:<billing@example.com>'), 250);
    expectCode(await c.command('RCPT TO:<customer@example.net>'), 250);
    expectCode(await c.command('DATA'), 354);
    c.write(`From: billing@example.com\r\nTo: customer@example.net\r\nSubject: bare id ${dialect}\r\nMessage-ID: ${own}\r\n\r\nhello\r\n.\r\n`);
    const id = queuedId(expectCode(await c.reply(), 250));
    c.close();
    await expect.poll(async () => (await suite.r.message(id)).status, { timeout: 20_000 }).toBe('sent');
    const [dump] = suite.sink.messages().filter((d) => d.includes(`Subject: bare id ${dialect}`));
    expect(dump.match(/^Message-ID:.*$/gim)).toEqual([`Message-ID: ${own}`]);
    const logged = (await suite.r.message(id)).messageIdHeader;
    expect(logged).toBe(`<${own}>`);
    // A reply names it as the recipient's program read it: bare or bracketed, it reads the same.
    for (const named of [own, `<${own}>`]) {
      const reply = Buffer.from(`From: customer@example.net\r\nTo: billing@example.com\r\nSubject: Re: bare id\r\nMessage-ID: <re-1@example.net>\r\nIn-Reply-To: ${named}\r\nReferences: ${named}\r\n\r\nthanks\r\n`);
      const parsed = await parseMail(reply, reply.byteLength, false);
      expect(parsed.inReplyTo).toEqual([logged]);
      expect(parsed.references).toEqual([logged]);
    }
  });
});
