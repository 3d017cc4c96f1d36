import { expect, it } from 'vitest';
import { normalizeCredential } from '../../src/core/relay/credentials.js';

/** A domain entry of allowedFrom that does not parse is refused naming what was written, never the probe address used to check it. */
it('names the domain entry as written when it is not a domain', () => {
  for (const entry of ['@', '@exa mple.com', '@[127.0.0.1]']) {
    let err: unknown;
    try {
      normalizeCredential({ name: 'a', allowedFrom: [entry] });
    } catch (e) {
      err = e;
    }
    expect(err, entry).toMatchObject({ code: 'MAILROOM_E_INVALID_ADDRESS', details: { field: 'allowedFrom[0]', input: entry } });
    expect((err as Error).message).toContain(`"${entry}" is not a domain`);
    expect((err as Error).message).not.toContain('x@');
  }
  expect(normalizeCredential({ name: 'a', allowedFrom: ['@Example.COM'] }).allowedFrom).toEqual(['@example.com']);
});
