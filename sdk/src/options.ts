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
  // The paths are appended to the text: "…/?x=1" would become "…/?x=1/api/v1/…", and "#…" drop them.
  if (parsed.search || parsed.hash || /[?#]/.test(url)) throw new TypeError(`Mailroom: url ${JSON.stringify(url)} holds a query or fragment (? or #), which the SDK's paths cannot follow: ${WHERE}`);
  // fetch refuses a URL with credentials at every call; the API key is how the SDK signs in.
  if (parsed.username || parsed.password) throw new TypeError(`Mailroom: url ${JSON.stringify(url)} holds a user name or password: give the API key as apiKey, and ${WHERE}`);
  // The parsed form: no spaces around it, and the path as URL writes it.
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
}

export function apiKeyOf(apiKey: unknown): string {
  if (typeof apiKey !== 'string' || apiKey.trim() === '') throw new TypeError('Mailroom: apiKey is required: an API key (mrk_…) with the scopes the calls need');
  return apiKey;
}
