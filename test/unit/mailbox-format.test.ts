import { describe, expect, it } from 'vitest';
import { formatMailbox, parseMailbox } from '../../src/core/kernel/addresses.js';
import { displayMailbox } from '../../src/core/outbox/messages.js';
import { ruleRecipients } from '../../src/core/notify/recipients.js';
import { parseRuleInput } from '../../src/core/notify/rules.js';

/** A mailbox written back as text (a rule's fixed addresses, the log) must parse back to itself. */
describe('formatMailbox', () => {
  const address = 'jd@example.com';

  it('quotes a display name with specials (RFC 5322), escaping " and \\, and leaves plain names alone', () => {
    expect(formatMailbox({ name: 'Doe, John', address })).toBe('"Doe, John" <jd@example.com>');
    expect(formatMailbox({ name: 'Ann "Boss" Smith', address })).toBe('"Ann \\"Boss\\" Smith" <jd@example.com>');
    expect(formatMailbox({ name: 'back\\slash', address })).toBe('"back\\\\slash" <jd@example.com>');
    expect(formatMailbox({ name: 'John Doe', address })).toBe('John Doe <jd@example.com>');
    expect(formatMailbox({ name: 'Jöhn Dœ', address })).toBe('Jöhn Dœ <jd@example.com>');
    expect(formatMailbox({ address })).toBe('jd@example.com');
    expect(formatMailbox({ name: '', address })).toBe('jd@example.com');
    // An encoded word's look-alike stays text: quoted, a decoder of RFC 2047 words leaves it as it is.
    expect(formatMailbox({ name: '=?utf-8?q?x?=', address })).toBe('"=?utf-8?q?x?=" <jd@example.com>');
  });

  it('round-trips every name through parseMailbox', () => {
    const names = ['Ann 😀', 'Doe, John', 'Ann "Boss" Smith', 'back\\slash', 'John Q. Public', 'Jöhn Dœ', "O'Neil", 'Ann (x)', 'x <y>', 'a@b', 'a;b:c', '[ops]', 'end\\', '"', 'Support Team', '=?utf-8?b?c3VwcG9ydEBiYW5rLmNvbQ==?='];
    for (const name of names) {
      const text = formatMailbox({ name, address });
      const back = parseMailbox('to', text);
      expect({ name: back.name, address: back.address }, text).toEqual({ name, address });
    }
  });

  it('reads quoted words as the words they are (RFC 5322 phrase), one space between', () => {
    expect(parseMailbox('to', 'Ann "Boss" Smith <a@example.com>').name).toBe('Ann Boss Smith');
    expect(parseMailbox('to', '"Ann" "Boss" <a@example.com>').name).toBe('Ann Boss');
    expect(parseMailbox('to', '"Doe, \\"JD\\" John"   Jr <a@example.com>').name).toBe('Doe, "JD" John Jr');
    expect(parseMailbox('to', 'John Q. Public <a@example.com>').name).toBe('John Q. Public');
  });

  it('is what the log shows (one formatter)', () => {
    expect(displayMailbox({ name: 'Doe, John', address })).toBe('"Doe, John" <jd@example.com>');
    expect(displayMailbox({ address })).toBe(address);
  });
});

describe("a rule's fixed addresses", () => {
  const base = { name: 'r', events: ['a.*'], template: 'alert' };

  it('are stored so they parse back with their display name', () => {
    const input = { ...base, recipients: { addresses: ['"Doe, John" <jd@example.com>', '"Ann \\"Boss\\" Smith" <ann@example.com>', 'plain@example.com'] } };
    const rule = parseRuleInput(input, { partial: false });
    expect(rule.recipients!.addresses).toEqual(['"Doe, John" <jd@example.com>', '"Ann \\"Boss\\" Smith" <ann@example.com>', 'plain@example.com']);
    const people = ruleRecipients({ recipients: rule.recipients! }, { recipients: {} });
    expect(people.map((p) => [p.mailbox.name, p.mailbox.address])).toEqual([
      ['Doe, John', 'jd@example.com'],
      ['Ann "Boss" Smith', 'ann@example.com'],
      [undefined, 'plain@example.com'],
    ]);
  });

  it('stored unquoted by earlier versions still reach their people', () => {
    const people = ruleRecipients({ recipients: { roles: [], addresses: ['Doe, John <jd@example.com>'] } }, { recipients: {} });
    expect(people.map((p) => [p.mailbox.name, p.mailbox.address])).toEqual([['Doe, John', 'jd@example.com']]);
  });
});
