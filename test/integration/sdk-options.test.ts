import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildSdkFrom, type SdkBuild } from '../helpers/sdk-build.js';
import { startTestApp } from '../helpers/test-app.js';

/*
 * The SDK's options, checked by the SDK built from the server's document (as sdk-facade-answers
 * does): its sources import the generated types, which exist only once it is built, so a test
 * that imported sdk/src directly would not compile on a fresh clone.
 */
// The SDK is built here, so its types do not exist when this file is compiled.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Built = any;

let build: SdkBuild;
let sdk: Built;

beforeAll(async () => {
  const t = await startTestApp('sqlite');
  try {
    build = await buildSdkFrom((await t.request({ method: 'GET', url: '/docs/json', key: null })).json());
  } finally {
    await t.close();
  }
  sdk = await build.load<Built>();
});
afterAll(() => build?.remove());

/**
 * `new Mailroom({ url, apiKey })` checks what an application gives it. Before, a url that
 * ended in /api/v1 (the path every API example shows) answered each call with a 404 "no route
 * for GET /api/v1/api/v1/messages", one without a scheme with "Failed to parse URL" or, for
 * "localhost:8025", "fetch failed" after the retries; a missing one (an unset environment
 * variable) threw "Cannot read properties of undefined"; a missing key reached the server as
 * "Bearer undefined".
 */
const make = (url: unknown, ...key: unknown[]) => () => new sdk.Mailroom({ url: url as string, apiKey: (key.length ? key[0] : 'mrk_test') as string });

it.each([
  ['http://127.0.0.1:8025/api/v1', /url "http:\/\/127\.0\.0\.1:8025\/api\/v1" ends in \/api\/v1, which the SDK adds itself/],
  ['https://mail.example.com/api/v1/', /ends in \/api\/v1/],
  ['127.0.0.1:8025', /url "127\.0\.0\.1:8025" is not an http:\/\/ or https:\/\/ address/],
  ['localhost:8025', /url "localhost:8025" is not an http:\/\/ or https:\/\/ address/],
  ['ftp://mail.example.com', /is not an http:\/\/ or https:\/\/ address/],
  ['http://127.0.0.1:8025/?x=1', /url "http:\/\/127\.0\.0\.1:8025\/\?x=1" holds a query or fragment/],
  ['http://127.0.0.1:8025#frag', /holds a query or fragment \(\? or #\)/],
  ['http://127.0.0.1:8025/?', /holds a query or fragment/],
  ['http://user:secret@127.0.0.1:8025', /holds a user name or password: give the API key as apiKey/],
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

it.each(['http://127.0.0.1:8025', 'https://mail.example.com/', 'https://example.com/mailroom', 'http://[::1]:8025', ' http://127.0.0.1:8025 '])('takes %s', (url) => {
  expect(make(url)()).toBeInstanceOf(sdk.Mailroom);
});

/**
 * `retry` too: `attempts: NaN` (an unset variable through Number()) made every comparison false,
 * so a call to a server that was down was tried again and again, forever.
 */
it.each([
  [{ attempts: Number.NaN }, /retry\.attempts must be a whole number, 1 or more \(got NaN\)/],
  [{ attempts: 0 }, /retry\.attempts must be a whole number, 1 or more \(got 0\)/],
  [{ attempts: 2.5 }, /retry\.attempts must be a whole number, 1 or more \(got 2\.5\)/],
  [{ baseDelayMs: -5 }, /retry\.baseDelayMs must be a finite number of milliseconds, from 0 to 2147483647 \(Node's longest timer, about 24\.8 days\) \(got -5\)/],
  [{ maxDelayMs: Number.NaN }, /retry\.maxDelayMs must be a finite number of milliseconds, from 0 to 2147483647 \(Node's longest timer, about 24\.8 days\) \(got NaN\)/],
  // Infinity: after a lost answer the SDK waited setTimeout(Infinity), which Node runs after 1 ms,
  // so a call to a server that was down was repeated at once, as fast as it failed.
  [{ baseDelayMs: Number.POSITIVE_INFINITY }, /retry\.baseDelayMs must be a finite number of milliseconds, from 0 to 2147483647 \(Node's longest timer, about 24\.8 days\) \(got Infinity\)/],
  [{ maxDelayMs: Number.POSITIVE_INFINITY }, /retry\.maxDelayMs must be a finite number of milliseconds, from 0 to 2147483647 \(Node's longest timer, about 24\.8 days\) \(got Infinity\)/],
  // Longer than Node's longest timer: such a wait also fired after 1 ms.
  [{ maxDelayMs: 3e9 }, /retry\.maxDelayMs must be a finite number of milliseconds, from 0 to 2147483647 .*\(got 3000000000\)/],
])('refuses retry %j at once', (retry, words) => {
  const make = () => new sdk.Mailroom({ url: 'http://127.0.0.1:8025', apiKey: 'mrk_test', retry });
  expect(make).toThrow(TypeError);
  expect(make).toThrow(words);
});

it('takes the retry options it documents', () => {
  expect(new sdk.Mailroom({ url: 'http://127.0.0.1:8025', apiKey: 'mrk_test', retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } })).toBeInstanceOf(sdk.Mailroom);
  expect(new sdk.Mailroom({ url: 'http://127.0.0.1:8025', apiKey: 'mrk_test', retry: false })).toBeInstanceOf(sdk.Mailroom);
});


/**
 * `messages.waitFor` checks its options before it reads anything. Before, `timeoutMs: NaN`
 * (say `Number(process.env.WAIT_MS)` with the variable unset) never timed out and, with no
 * pause either, read the message again and again as fast as the server answered; `until: []`
 * waited for nothing; a negative `intervalMs` polled without pause.
 */
let server: http.Server;
let reads = 0;
let mailroom: Built;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    reads++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'msg_1', status: 'queued' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mailroom = new sdk.Mailroom({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'mrk_test', retry: false });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it.each([
  [{ timeoutMs: Number.NaN }, /timeoutMs must be a number of milliseconds, 0 or more \(got NaN\)/],
  [{ timeoutMs: -1 }, /timeoutMs must be a number of milliseconds, 0 or more \(got -1\)/],
  [{ intervalMs: 0 }, /intervalMs must be a number of milliseconds, more than 0 and at most 2147483647 .*\(got 0\)/],
  [{ intervalMs: Number.POSITIVE_INFINITY }, /intervalMs must be a number of milliseconds, more than 0 and at most 2147483647 .*\(got Infinity\)/],
  [{ intervalMs: 3e9 }, /intervalMs must be a number of milliseconds, more than 0 and at most 2147483647 .*\(got 3000000000\)/],
  [{ until: [] }, /until must name at least one status/],
])('refuses %j before reading the message', async (options, words) => {
  const before = reads;
  await expect(mailroom.messages.waitFor('msg_1', options)).rejects.toThrow(TypeError);
  await expect(mailroom.messages.waitFor('msg_1', options)).rejects.toThrow(words);
  expect(reads).toBe(before);
});

it('still waits with sound options, and times out naming the last status', async () => {
  await expect(mailroom.messages.waitFor('msg_1', { until: ['sent'], timeoutMs: 0, intervalMs: 10 })).rejects.toMatchObject({ code: 'MAILROOM_SDK_TIMEOUT', details: { messageStatus: 'queued' } });
});
