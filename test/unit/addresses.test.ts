import { describe, expect, it } from 'vitest';
import { parseMailbox, splitAddressList } from '../../src/core/kernel/addresses.js';
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

  it('names a label over 63 characters, or a domain over 253, as the fault (not the letters a label may have)', () => {
    const label = 'b'.repeat(70);
    const tooLong = () => parseMailbox('to', `a@${label}.example.net`);
    expect(tooLong).toThrowError(expect.objectContaining({ code: 'MAILROOM_E_INVALID_ADDRESS', message: `to: "a@${label}.example.net" is not accepted: the domain is not a valid host name: label ${label} is 70 characters; a label is at most 63` }));
    expect(tooLong).toThrowError(expect.objectContaining({ message: expect.not.stringContaining('letters, digits and hyphens') }));
    // 63 is the most a label may have.
    expect(parseMailbox('to', `a@${'b'.repeat(63)}.example.net`).domain).toBe(`${'b'.repeat(63)}.example.net`);
    // A label in Unicode is measured in its ASCII form, the one DNS has.
    const unicode = `bücher${'a'.repeat(60)}`;
    expect(() => parseMailbox('to', `a@${unicode}.example`)).toThrowError(expect.objectContaining({ message: expect.stringMatching(/label xn--bcher\S+ is 73 characters; a label is at most 63$/) }));
    // A label that is both too long and badly spelt: both faults.
    expect(() => parseMailbox('to', `a@${'b_'.repeat(35)}.example.net`)).toThrowError(
      expect.objectContaining({ message: expect.stringMatching(/each label is letters, digits and hyphens, not starting or ending with a hyphen; label (b_)+ is 70 characters; a label is at most 63$/) }),
    );
    // Four labels of 63 and "net": 259 characters; 253 is the most.
    const domain = `${Array.from({ length: 4 }, (_, i) => String(i).repeat(63)).join('.')}.net`;
    expect(() => parseMailbox('to', `a@${domain}`)).toThrowError(expect.objectContaining({ message: expect.stringMatching(/the domain is not a valid host name: it is 259 characters; a domain is at most 253$/) }));
    const longest = `${Array.from({ length: 3 }, (_, i) => String(i).repeat(63)).join('.')}.${'d'.repeat(61)}`;
    expect(longest).toHaveLength(253);
    expect(parseMailbox('to', `a@${longest}`).domain).toBe(longest);
  });

  it('refuses a domain whose last label is a number, as it is, instead of taking it as the IP address a URL parser makes of it', () => {
    // domainToASCII reads these as IPv4: 1.2.3 became a@1.2.0.3 and 0x7f.1 a@127.0.0.1.
    for (const [input, last] of [['a@1.2.3.4', '4'], ['a@1.2.3', '3'], ['a@0x7f.1', '1'], ['a@example.0x1F', '0x1F'], ['a@mail.123', '123']]) {
      expect(() => parseMailbox('to', input)).toThrowError(
        expect.objectContaining({ code: 'MAILROOM_E_INVALID_ADDRESS', message: `to: "${input}" is not accepted: the domain is not a valid host name: its last label ${last} is a number, which makes it an IP address (not accepted as a domain); a host name ends in a name` }),
      );
    }
    // Digits elsewhere are a host name's own.
    expect(parseMailbox('to', 'a@123.example.com').domain).toBe('123.example.com');
    expect(parseMailbox('to', 'a@mx1.b2').domain).toBe('mx1.b2');
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

describe('splitAddressList: one text with several addresses, split where RFC 5322 splits', () => {
  it.each([
    ['a@example.com', ['a@example.com']],
    ['a@example.com, b@example.net', ['a@example.com', 'b@example.net']],
    ['"Doe, John" <jd@example.com>', ['"Doe, John" <jd@example.com>']],
    ['"Doe, John" <jd@example.com>,Ann <ann@example.com> ', ['"Doe, John" <jd@example.com>', 'Ann <ann@example.com>']],
    ['"Q \\"x, y\\"" <q@example.com>, b@example.net', ['"Q \\"x, y\\"" <q@example.com>', 'b@example.net']],
    // A comment or group stays one item, for parseMailbox to refuse with its reason.
    ['Ann (a, b) <ann@example.com>, b@example.net', ['Ann (a, b) <ann@example.com>', 'b@example.net']],
    ['team: a@example.com, b@example.com;, c@example.com', ['team: a@example.com, b@example.com;', 'c@example.com']],
    // Commas around the list (a script's trailing separator) are not addresses.
    [', a@example.com, b@example.net,', ['a@example.com', 'b@example.net']],
    ['', []],
  ])('%s', (input, expected) => {
    expect(splitAddressList(input)).toEqual(expected);
  });

  it('gives a text that is no list of addresses back whole, so the parser names all of it', () => {
    expect(splitAddressList(' Doe, John <jd@example.com> ')).toEqual(['Doe, John <jd@example.com>']);
    expect(() => splitAddressList('Doe, John <jd@example.com>').map((a, i) => parseMailbox(`to[${i}]`, a))).toThrowError(
      expect.objectContaining({ code: 'MAILROOM_E_INVALID_ADDRESS', message: 'to[0]: "Doe, John <jd@example.com>" is not accepted: it is not a single valid address such as name@example.com' }),
    );
  });

  it('splits a list with a bad address at its commas when each bad part looks like an address, so that one is named', () => {
    expect(splitAddressList('ann@example.net, ann@')).toEqual(['ann@example.net', 'ann@']);
    expect(() => splitAddressList('ann@example.net, ann@').map((a, i) => parseMailbox(`to[${i}]`, a))).toThrowError(expect.objectContaining({ message: expect.stringMatching(/^to\[1\]: "ann@" is not accepted/) }));
    expect(splitAddressList('"Doe, J" <jd@example.com>, bob@@example.net')).toEqual(['"Doe, J" <jd@example.com>', 'bob@@example.net']);
  });

  it('every item parses back to the mailbox it was written as', () => {
    const items = splitAddressList('"Doe, John" <jd@example.com>, "a <b>" <ab@example.com>');
    expect(items.map((a) => parseMailbox('to', a))).toMatchObject([
      { name: 'Doe, John', address: 'jd@example.com' },
      { name: 'a <b>', address: 'ab@example.com' },
    ]);
  });
});
