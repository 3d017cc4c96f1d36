import { describe, expect, it } from 'vitest';
import { providerText } from '../../src/core/kernel/provider-text.js';
import { connectFailed } from '../../src/core/senders/oauth2-connect-outcome.js';

/**
 * A provider's words on the way back from "Connect" are untrusted text: one line, at most so
 * many characters, nothing that hides or reorders text; and the reason the address carries is
 * Mailroom's own word or an error name from OAuth2's registered list, never the provider's text.
 */
describe('providerText: what a provider wrote, as one plain line', () => {
  it.each([
    ['AADSTS65004: declined.\r\nTrace ID: 1\r\nCorrelation ID: 2', 'AADSTS65004: declined. Trace ID: 1 Correlation ID: 2'],
    ['a\u0000b\tc\u007fd\u0085e', 'a b c d e'],
    ['left\u202eright\u2066x\u2069\u200by\ufeff', 'left right x y'],
    ['line\u2028para\u2029end', 'line para end'],
    ['lone \ud800 surrogate \udc00', 'lone \ufffd surrogate \ufffd'],
    ['  spaced   out  ', 'spaced out'],
    ['<script>alert(1)</script>', '<script>alert(1)</script>'],
  ])('%j → %j', (given, shown) => expect(providerText(given, 300)).toBe(shown));

  it('cuts at the bound, counting characters as code points, with "…"', () => {
    expect(providerText('x'.repeat(301), 300)).toBe(`${'x'.repeat(299)}…`);
    expect([...providerText('😀'.repeat(400), 300)]).toHaveLength(300);
    expect(providerText('x'.repeat(300), 300)).toBe('x'.repeat(300));
  });

  it('is none for anything but one string (left out, given twice)', () => {
    expect(providerText(undefined, 300)).toBe('');
    expect(providerText(['a', 'b'], 300)).toBe('');
    expect(providerText({ a: 1 }, 300)).toBe('');
  });
});

describe('connectFailed: the words and the reason', () => {
  it('keeps registered error names as the reason and puts any other behind provider_error', () => {
    expect(connectFailed('google', { kind: 'refused', error: 'access_denied', description: undefined })).toEqual({
      outcome: 'failed',
      reason: 'access_denied',
      message: 'Google refused the sign-in: access_denied',
      hint: expect.stringContaining('accept the permissions'),
    });
    const odd = connectFailed('generic', { kind: 'refused', error: 'x\r\nLocation: /evil', description: 'd' });
    expect(odd).toMatchObject({ reason: 'provider_error', message: 'The provider refused the sign-in: x Location: /evil: "d"' });
    expect(connectFailed('microsoft', { kind: 'refused', error: ['a', 'b'], description: undefined })).toMatchObject({ reason: 'provider_error', message: 'Microsoft refused the sign-in.' });
  });

  it('says the minutes and what to press', () => {
    expect(connectFailed('generic', { kind: 'expired', minutes: 10 }).message).toBe('The sign-in link expired after 10 minutes: press Connect with the provider again and finish signing in within 10 minutes.');
    expect(connectFailed('google', { kind: 'used' }).message).toBe('This sign-in link was already used (each works once): if the account still needs connecting, press Connect with Google again.');
  });

  it("cleans the token endpoint's words quoted in an exchange failure too", () => {
    const f = connectFailed('microsoft', { kind: 'exchange', code: 'MAILROOM_E_SECRET_UNRESOLVED', message: 'answered 400: invalid_grant\u202e\r\nx', hint: 'connect again' });
    expect(f).toEqual({ outcome: 'failed', reason: 'MAILROOM_E_SECRET_UNRESOLVED', message: 'Microsoft did not exchange the sign-in for a refresh token: answered 400: invalid_grant x', hint: 'connect again' });
  });
});
