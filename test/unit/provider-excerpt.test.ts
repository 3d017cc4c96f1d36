import { describe, expect, it } from 'vitest';
import { excerpt } from '../../src/secrets/providers/http.js';

/**
 * A provider's error text (Key Vault, Vault, a token endpoint: Check token, Test) is shown to the
 * admin: one line, and none of the invisible characters that reorder or hide text.
 */
describe("a provider's error text", () => {
  it('is one line without control, bidi-override or zero-width characters, at most 300 characters', () => {
    expect(excerpt('AADSTS7000215: Invalid client secret.\r\nTrace ID: 1\u0000')).toBe('AADSTS7000215: Invalid client secret. Trace ID: 1');
    expect(excerpt('refused \u202Edesrever\u202C by\u200B policy')).toBe('refused desrever by policy');
    expect([...excerpt('x'.repeat(400))].length).toBe(300);
    expect(excerpt(undefined)).toBe('');
  });
});
