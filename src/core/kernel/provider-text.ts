// Control characters, line and paragraph separators, and the invisible format characters that
// reorder or hide text (bidi overrides, zero-width): a provider's text is shown as one plain line.
const UNSHOWABLE = /[\p{Cc}\p{Zl}\p{Zp}\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]+/gu;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * What an outside service wrote (an OAuth2 provider's error on the way back from Connect, a
 * secret provider's or token endpoint's error text), as one line of at most `max` characters to
 * show the admin: anything but a single string (left out, given twice) is none; control and
 * invisible characters become a space (Microsoft separates "Trace ID:" and "Correlation ID:"
 * with CR LF), and a longer text is cut with "…".
 */
export function providerText(v: unknown, max: number): string {
  if (typeof v !== 'string') return '';
  const line = v.replace(LONE_SURROGATE, '\ufffd').replace(UNSHOWABLE, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...line];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line;
}
