import { expect, it } from 'vitest';
import { Mailroom } from '../../sdk/src/index.js';

/**
 * `new Mailroom({ url, apiKey })` checks what an application gives it. Before, a url that
 * ended in /api/v1 (the path every API example shows) answered each call with a 404 "no route
 * for GET /api/v1/api/v1/messages", one without a scheme with "Failed to parse URL" or, for
 * "localhost:8025", "fetch failed" after the retries; a missing one (an unset environment
 * variable) threw "Cannot read properties of undefined"; a missing key reached the server as
 * "Bearer undefined".
 */
const make = (url: unknown, ...key: unknown[]) => () => new Mailroom({ url: url as string, apiKey: (key.length ? key[0] : 'mrk_test') as string });

it.each([
  ['http://127.0.0.1:8025/api/v1', /url "http:\/\/127\.0\.0\.1:8025\/api\/v1" ends in \/api\/v1, which the SDK adds itself/],
  ['https://mail.example.com/api/v1/', /ends in \/api\/v1/],
  ['127.0.0.1:8025', /url "127\.0\.0\.1:8025" is not an http:\/\/ or https:\/\/ address/],
  ['localhost:8025', /url "localhost:8025" is not an http:\/\/ or https:\/\/ address/],
  ['ftp://mail.example.com', /is not an http:\/\/ or https:\/\/ address/],
  ['', /url is required/],
  [undefined, /url is required/],
])('refuses the url %j at once, saying what it needs', (url, words) => {
  expect(make(url)).toThrow(TypeError);
  expect(make(url)).toThrow(words);
  expect(make(url)).toThrow(/the address Mailroom listens at, e.g\. "http:\/\/127\.0\.0\.1:8025", without \/api\/v1/);
});

it.each([undefined, '', '   '])('refuses the apiKey %j at once', (apiKey) => {
  expect(make('http://127.0.0.1:8025', apiKey)).toThrow(/apiKey is required: an API key \(mrk_…\)/);
});

it.each(['http://127.0.0.1:8025', 'https://mail.example.com/', 'https://example.com/mailroom', 'http://[::1]:8025'])('takes %s', (url) => {
  expect(make(url)()).toBeInstanceOf(Mailroom);
});

/**
 * `retry` too: `attempts: NaN` (an unset variable through Number()) made every comparison false,
 * so a call to a server that was down was tried again and again, forever.
 */
it.each([
  [{ attempts: Number.NaN }, /retry\.attempts must be a whole number, 1 or more \(got NaN\)/],
  [{ attempts: 0 }, /retry\.attempts must be a whole number, 1 or more \(got 0\)/],
  [{ attempts: 2.5 }, /retry\.attempts must be a whole number, 1 or more \(got 2\.5\)/],
  [{ baseDelayMs: -5 }, /retry\.baseDelayMs must be a number of milliseconds, 0 or more \(got -5\)/],
  [{ maxDelayMs: Number.NaN }, /retry\.maxDelayMs must be a number of milliseconds, 0 or more \(got NaN\)/],
])('refuses retry %j at once', (retry, words) => {
  const make = () => new Mailroom({ url: 'http://127.0.0.1:8025', apiKey: 'mrk_test', retry });
  expect(make).toThrow(TypeError);
  expect(make).toThrow(words);
});

it('takes the retry options it documents', () => {
  expect(new Mailroom({ url: 'http://127.0.0.1:8025', apiKey: 'mrk_test', retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } })).toBeInstanceOf(Mailroom);
  expect(new Mailroom({ url: 'http://127.0.0.1:8025', apiKey: 'mrk_test', retry: false })).toBeInstanceOf(Mailroom);
});
