import { describe, expect, it } from 'vitest';
import { parseMailbox } from '../../src/core/kernel/addresses.js';
import { senderEntry } from '../../src/core/kernel/sender-entry.js';

describe('parseMailbox: one strict parse', () => {
  it.each([
    ['a@example.com', { address: 'a@example.com', domain: 'example.com' }],
    ['Bob Smith <Bob@Example.COM>', { name: 'Bob Smith', address: 'Bob@example.com', local: 'Bob' }],
    ['"Smith, Bob" <bob@example.com>', { name: 'Smith, Bob', address: 'bob@example.com' }],
    ['info@bücher.de', { address: 'info@xn--bcher-kva.de', domain: 'xn--bcher-kva.de' }],
  ])('accepts %s', (input, expected) => {
    expect(parseMailbox('to', input)).toMatchObject(expected);
  });

  it.each([
    ['', 'empty'],
    ['not an address', 'not a single valid address'],
    ['a@b.com, c@d.com', 'not a single valid address'],
    ['friends: a@b.com, c@d.com;', 'groups'],
    ['bob@example.com (the boss)', 'comments'],
    ['"evil@attacker.com"@example.com', 'quoted local parts'],
    ['root@[127.0.0.1]', 'IP address literals'],
    ['müller@example.com', 'ASCII'],
    ['a@localhost', 'not a single valid address'],
    ['a@-bad-.com', 'each label is letters, digits and hyphens'],
    ['a@a_b.com', 'each label is letters, digits and hyphens'],
    ['a@example.com.', 'not a single valid address'],
  ])('refuses %s', (input, why) => {
    expect(() => parseMailbox('to', input)).toThrowError(expect.objectContaining({ code: 'MAILROOM_E_INVALID_ADDRESS', message: expect.stringContaining(why) }));
  });

  it('refuses CR, LF and NUL as header injection', () => {
    for (const input of ['a@example.com\r\nBcc: x@evil.com', 'a@example.com\n', 'a\0@example.com']) {
      expect(() => parseMailbox('to', input)).toThrowError(expect.objectContaining({ code: 'MAILROOM_E_HEADER_INJECTION' }));
    }
  });
});

describe('senderEntry: an address or a whole domain, for aliases and allowedFrom alike', () => {
  it('takes an address or "@domain", lower-cased, the domain in ASCII', () => {
    expect(senderEntry('aliases[0]', ' Billing@Shop.Example ', 'aliases')).toBe('billing@shop.example');
    expect(senderEntry('aliases[0]', '@Bücher.de', 'aliases')).toBe('@xn--bcher-kva.de');
  });

  it.each([
    ['@', 'is not a domain such as "@example.com"'],
    ['@-bad-.com', 'is not a domain such as "@example.com"'],
    ['@a_b.com', 'is not a domain such as "@example.com"'],
    ['*@example.com', 'is a wildcard, which aliases does not take: write "@example.com"'],
    ['@*.example.com', 'is a wildcard, which aliases does not take'],
    ['%@example.com', 'is a wildcard'],
    ['Ann <ann@example.com>', 'give the address alone'],
  ])('refuses %s, naming the entry as written', (input, why) => {
    expect(() => senderEntry('aliases[0]', input, 'aliases')).toThrowError(expect.objectContaining({ message: expect.stringContaining(why), details: expect.objectContaining({ field: 'aliases[0]' }) }));
    try {
      senderEntry('aliases[0]', input, 'aliases');
    } catch (err) {
      const input_ = (err as { details: { input?: string } }).details.input;
      if (input_ !== undefined) expect(input_).toBe(input);
    }
  });
});
