/**
 * What `new Mailroom({ url, apiKey })` is given, checked when the client is made: a wrong or
 * missing value (an unset environment variable, the /api/v1 every API example shows) is a
 * TypeError naming it at once, not a 404 "no route for GET /api/v1/api/v1/…", "Failed to
 * parse URL" or "fetch failed" at the first call, nor a key sent as "Bearer undefined".
 */
const WHERE = 'the address Mailroom listens at, e.g. "http://127.0.0.1:8025", without /api/v1';

/** The base the SDK's paths (/api/v1/…) are appended to: an http(s) URL without a trailing slash. */
export function baseUrlOf(url: unknown): string {
  if (typeof url !== 'string' || url.trim() === '') throw new TypeError(`Mailroom: url is required: ${WHERE}`);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new TypeError(`Mailroom: url ${JSON.stringify(url)} is not an http:// or https:// address: ${WHERE}`);
  }
  if (/\/api\/v1\/*$/i.test(parsed.pathname)) throw new TypeError(`Mailroom: url ${JSON.stringify(url)} ends in /api/v1, which the SDK adds itself: ${WHERE}`);
  return url.replace(/\/+$/, '');
}

export function apiKeyOf(apiKey: unknown): string {
  if (typeof apiKey !== 'string' || apiKey.trim() === '') throw new TypeError('Mailroom: apiKey is required: an API key (mrk_…) with the scopes the calls need');
  return apiKey;
}
