import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { queuedId, relaySuite } from '../helpers/relay.js';
import { expectCode, RawSmtp } from '../helpers/smtp-client.js';
import { haveSmtpSink } from '../helpers/smtp-sink.js';

/**
 * The Received field the relay writes quotes the client's HELO name, which is whatever the
 * client sent. A "(" in it opened a comment (RFC 5322 3.2.2) that swallowed the rest of the
 * field, its date too; a ")", ";", "\" or '"' bends it just as well. The field as delivered
 * must read as written: comments closed, and a date after the last ";".
 */
const sinkOk = haveSmtpSink();

/**
 * The Received field's text outside comments (nested, with quoted pairs), or null when a
 * comment is left open or closed without being opened: how a mail reader splits it.
 */
function outsideComments(value: string): string | null {
  let depth = 0;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (depth > 0 && ch === '\\') {
      i++;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) return null;
      depth--;
    } else if (depth === 0) out += ch;
  }
  return depth === 0 ? out : null;
}

await describeEachDialect('SMTP relay: the Received field reads as written whatever the HELO name', (dialect) => {
  if (!sinkOk) return;
  const suite = relaySuite(dialect);

  it.each([['a(b'], ['x)y'], ['semi;colon'], ['back\\slash"quote'], ['(((']])('EHLO %s', async (helo) => {
    const subject = `helo ${Buffer.from(helo).toString('hex')}`;
    const c = await RawSmtp.connect(suite.r.port);
    await c.reply();
    expectCode(await c.command(`EHLO ${helo}`), 250);
    expectCode(await c.command('STARTTLS'), 220);
    await c.upgrade();
    expectCode(await c.command(`EHLO ${helo}`), 250);
    const { username, password } = suite.r.credential;
    expectCode(await c.command(`AUTH PLAIN ${Buffer.from(`\0${username}\0${password}`).toString('base64')}`), 235);
    expectCode(await c.command('MAIL FROM:<app@example.com>'), 250);
    expectCode(await c.command('RCPT TO:<customer@example.net>'), 250);
    expectCode(await c.command('DATA'), 354);
    c.write(`From: app@example.com\r\nTo: customer@example.net\r\nSubject: ${subject}\r\n\r\nhello\r\n.\r\n`);
    const id = queuedId(expectCode(await c.reply(), 250));
    c.close();
    await expect.poll(async () => (await suite.r.message(id)).status, { timeout: 20_000 }).toBe('sent');
    const dump = suite.sink.messages().find((d) => d.includes(`Subject: ${subject}`));
    expect(dump).toBeDefined();
    // Mailroom's Received field is the first one after the sink's own (if it writes one): the one naming Mailroom.
    const fields = dump!.split(/\r?\n(?![ \t])/).filter((l) => /^Received:/i.test(l) && l.includes('(Mailroom)'));
    expect(fields, dump).toHaveLength(1);
    const value = fields[0].replace(/^Received:\s*/i, '').replace(/\r?\n[ \t]+/g, ' ');
    const outside = outsideComments(value);
    expect(outside, value).not.toBeNull();
    // received = *received-token ";" date-time: one semicolon, then the date.
    expect(outside!.split(';'), value).toHaveLength(2);
    const date = /;\s*([^;]+)$/.exec(outside!)?.[1];
    expect(date, value).toBeDefined();
    expect(Math.abs(Date.parse(date!) - Date.now())).toBeLessThan(10 * 60_000);
  });
});
