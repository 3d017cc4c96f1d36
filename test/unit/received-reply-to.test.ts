import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/inbound/parse-mail.js';
import { parseMailbox } from '../../src/core/kernel/addresses.js';

/** A received message's Reply-To is kept with its name, in the text form a sent message's is stored in. */
const replyTo = async (field: string) => {
  const raw = Buffer.from(`From: bea@example.net\r\nReply-To: ${field}\r\nSubject: hi\r\n\r\nHello\r\n`, 'utf8');
  return (await parseMail(raw, raw.length, false)).replyTo;
};

describe("a received message's Reply-To", () => {
  it('keeps the display name, quoted where it needs it, and reads back to the same mailbox', async () => {
    expect(await replyTo('Help Desk <help@example.net>')).toBe('Help Desk <help@example.net>');
    const quoted = await replyTo('"Doe, John" <john@example.net>');
    expect(quoted).toBe('"Doe, John" <john@example.net>');
    expect(parseMailbox('replyTo', quoted as string)).toMatchObject({ name: 'Doe, John', address: 'john@example.net' });
    expect(await replyTo('=?UTF-8?Q?J=C3=BCrgen?= <j@example.net>')).toBe('Jürgen <j@example.net>');
  });

  it('is the address alone without a name, and null without the field', async () => {
    expect(await replyTo('help@example.net')).toBe('help@example.net');
    const raw = Buffer.from('From: bea@example.net\r\nSubject: hi\r\n\r\nHello\r\n');
    expect((await parseMail(raw, raw.length, false)).replyTo).toBeNull();
  });

  it('fits the column: a name too long to keep leaves the address', async () => {
    expect(await replyTo(`${'N'.repeat(400)} <help@example.net>`)).toBe('help@example.net');
  });
});
