import { describe, expect, it } from 'vitest';
import { formatMailbox } from '../../src/core/kernel/addresses.js';
import { splitAddresses } from '../../web/src/format.js';

/**
 * The admin UI's address inputs (a rule's fixed addresses, the global CC and BCC) show a list the
 * API gave, joined by ", ", and send back what the admin left there: a name with a comma (which
 * the API shows quoted) must come back as the one address it is.
 */
describe('splitAddresses: an address list typed into one input', () => {
  it.each([
    ['a@example.com, b@example.net', ['a@example.com', 'b@example.net']],
    ['a@example.com; b@example.net\nc@example.org', ['a@example.com', 'b@example.net', 'c@example.org']],
    ['"Doe, John" <jd@example.com>, Ann <ann@example.com>', ['"Doe, John" <jd@example.com>', 'Ann <ann@example.com>']],
    ['"Q \\"x, y\\"" <q@example.com>,b@example.net', ['"Q \\"x, y\\"" <q@example.com>', 'b@example.net']],
    ['Odd <a,b@example.com>', ['Odd <a,b@example.com>']],
    [' , a@example.com ,, ', ['a@example.com']],
    ['', []],
  ])('%s', (input, expected) => {
    expect(splitAddresses(input)).toEqual(expected);
  });

  it('splits a list the API formatted back into the same addresses', () => {
    const shown = [formatMailbox({ name: 'Doe, John', address: 'jd@example.com' }), formatMailbox({ name: 'Ann "Boss" Smith', address: 'ann@example.com' }), 'b@example.net'];
    expect(splitAddresses(shown.join(', '))).toEqual(shown);
  });
});
