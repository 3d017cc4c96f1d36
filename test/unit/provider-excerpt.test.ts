import { describe, expect, it } from 'vitest';
import { bodyExcerpt, excerpt } from '../../src/secrets/providers/http.js';

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

describe("an answer that is not JSON (an error page), quoted briefly", () => {
  it('keeps the text of an HTML page without its markup, scripts, styles and comments, entities decoded', () => {
    const page = '<html><head><style>p { color: red }</style><script>var token = "x";</script></head><body><!-- note --><h1>Service &amp; sign-in</h1><p>Try&#32;again&nbsp;later</p></body></html>';
    expect(bodyExcerpt(page)).toBe('Service & sign-in Try again later');
  });

  it('hides the secrets the request carried, also when the page quotes them entity-encoded', () => {
    expect(bodyExcerpt('<p>bad secret s3cr&#101;t-value-1</p>', ['s3cret-value-1'])).not.toContain('s3cret-value-1');
  });

  it('reads a hostile page in one pass: a megabyte of openings never closed', () => {
    // The regular expressions before went over the rest of the page for each opening: 50 s here.
    expect(bodyExcerpt(`<p>refused</p>${'<script>'.repeat(120_000)}`)).toBe('refused');
    expect(bodyExcerpt(`<p>refused</p>${'<b'.repeat(500_000)}`)).toBe('refused');
    expect(bodyExcerpt(`<p>refused</p>${'<!--'.repeat(250_000)}`)).toBe('refused');
    // No tag at all: the look for one went over the rest of the text from each `<a` (4 min a megabyte).
    expect(bodyExcerpt('<a'.repeat(500_000))).toMatch(/^(<a)+<?…$/);
  });
});
