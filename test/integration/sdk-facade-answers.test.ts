import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDK_DIR } from '../../sdk/scripts/build-lib.js';
import { buildSdkFrom, type SdkBuild } from '../helpers/sdk-build.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The SDK built from the server's document, against what it receives:
 * - its hand-written webhook types match the payloads docs/webhooks.md describes and the server
 *   sends (`inbound` on message.received / replied / bounced, `purpose: null` on a received one);
 * - an answer that is not Mailroom's (the admin UI's index.html answered 200 behind a wrong URL
 *   prefix, a proxy's login page) is a MailroomError MAILROOM_SDK_UNEXPECTED_RESPONSE with its
 *   status, never a bare SyntaxError from JSON.parse.
 */
// The SDK is built here, so its types do not exist when this file is compiled.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Built = any;

let t: TestApp;
let build: SdkBuild;
let sdk: Built;
let server: http.Server;
let base: string;

beforeAll(async () => {
  t = await startTestApp('sqlite');
  build = await buildSdkFrom((await t.request({ method: 'GET', url: '/docs/json', key: null })).json());
  sdk = await build.load<Built>();
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/ui/')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><body>Mailroom</body></html>');
    } else if (req.url?.startsWith('/empty/')) {
      // A JSON content type and no body, with Content-Length: 0 …
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '0' });
      res.end();
    } else if (req.url?.startsWith('/chunked-empty/')) {
      // … or chunked, without a length …
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.end();
    } else if (req.url?.startsWith('/cut/')) {
      // … or a body that is not JSON (an answer cut short) …
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"msg_1","sta');
    } else if (req.url?.startsWith('/null/')) {
      // … or JSON that is not the object every such route answers …
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('null');
    } else if (req.url?.startsWith('/array/')) {
      // … an array included.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    } else if (req.url?.startsWith('/no-content/') || req.method === 'DELETE') {
      // No content: right for a DELETE only.
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ id: 'msg_1', status: 'sent' }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 180_000);
afterAll(async () => {
  await t?.close();
  build?.remove();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

it('types every field of a message event payload', () => {
  expect(build.problems).toBe('');
  expect(build.typecheck(path.join(SDK_DIR, 'type-fixtures', 'webhook-event-data.ts'))).toBe('');
}, 120_000);

it('throws MAILROOM_SDK_UNEXPECTED_RESPONSE for a 200 answer that is not JSON', async () => {
  const mailroom = new sdk.Mailroom({ url: `${base}/ui`, apiKey: 'mrk_test', retry: false });
  const err = await mailroom.messages.get('msg_1').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(sdk.MailroomError);
  expect(err).toMatchObject({ code: sdk.UNEXPECTED_RESPONSE, status: 200 });
  expect((err as Error).message).toMatch(/text\/html/);
  await expect(mailroom.events.page()).rejects.toMatchObject({ code: sdk.UNEXPECTED_RESPONSE });
});

/**
 * A success whose body is empty or not JSON, under a JSON content type (a proxy or a server cut
 * short): before, messages.get resolved with undefined (an empty body, chunked or with
 * Content-Length: 0) or null, or threw a bare SyntaxError, where the caller was promised a message.
 */
it.each(['empty', 'chunked-empty', 'cut', 'null', 'array'])('throws MAILROOM_SDK_UNEXPECTED_RESPONSE for a 200 JSON answer with a body that is %s', async (shape) => {
  const mailroom = new sdk.Mailroom({ url: `${base}/${shape}`, apiKey: 'mrk_test', retry: false });
  const calls: [string, () => Promise<unknown>][] = [
    ['messages.get', () => mailroom.messages.get('msg_1')],
    ['messages.send', () => mailroom.messages.send({ to: ['a@example.net'], subject: 's', text: 't' })],
    ['messages.page', () => mailroom.messages.page()],
    ['messages.cancel', () => mailroom.messages.cancel('msg_1')],
    ['events.get', () => mailroom.events.get('evt_1')],
    ['suppressions.add', () => mailroom.suppressions.add({ address: 'a@example.net' })],
    ['templates.preview', () => mailroom.templates.preview('welcome')],
  ];
  for (const [name, call] of calls) {
    const err = await call().then(
      (value) => ({ resolved: value }),
      (e: unknown) => e,
    );
    expect(err, name).toBeInstanceOf(sdk.MailroomError);
    expect(err, name).toMatchObject({ code: sdk.UNEXPECTED_RESPONSE, status: 200 });
    expect((err as Error).message, name).toMatch(/application\/json/);
  }
});

/** A 204 to a call answered with JSON: messages.get resolved undefined, and messages.send `{ duplicate: false }` without an id. */
it('throws MAILROOM_SDK_UNEXPECTED_RESPONSE for a 204 to any call but a DELETE', async () => {
  const mailroom = new sdk.Mailroom({ url: `${base}/no-content`, apiKey: 'mrk_test', retry: false });
  for (const [name, call] of [
    ['messages.get', () => mailroom.messages.get('msg_1')],
    ['messages.send', () => mailroom.messages.send({ to: ['a@example.net'], subject: 's', text: 't' })],
    ['events.emit', () => mailroom.events.emit({ type: 'a.b' })],
  ] as [string, () => Promise<unknown>][]) {
    const err = await call().then(
      (value) => ({ resolved: value }),
      (e: unknown) => e,
    );
    expect(err, name).toBeInstanceOf(sdk.MailroomError);
    expect(err, name).toMatchObject({ code: sdk.UNEXPECTED_RESPONSE, status: 204 });
    expect((err as Error).message, name).toMatch(/no content, to a (GET|POST) that is answered with JSON/);
  }
  await expect(mailroom.suppressions.remove('gone@example.net')).resolves.toBeUndefined();
});

it('still reads JSON answers and empty 204 answers', async () => {
  const mailroom = new sdk.Mailroom({ url: base, apiKey: 'mrk_test', retry: false });
  expect(await mailroom.messages.get('msg_1')).toEqual({ id: 'msg_1', status: 'sent' });
  await expect(mailroom.suppressions.remove('gone@example.net')).resolves.toBeUndefined();
});

describe('the answer of a call the SDK repeated itself', () => {
  // The first try's answer is lost; the server had stored it, so the repeat (same key) is told "duplicate".
  const lostThenDuplicate = (answer: Record<string, unknown>) => {
    let calls = 0;
    return async () => {
      if (++calls === 1) throw new TypeError('fetch failed');
      return new Response(JSON.stringify({ ...answer, duplicate: true }), { status: 202, headers: { 'content-type': 'application/json' } });
    };
  };
  const client = (fetch: () => Promise<Response>) => new sdk.Mailroom({ url: 'http://mailroom.test', apiKey: 'mrk_test', fetch, retry: { attempts: 2, baseDelayMs: 1 } });

  it('is not a duplicate for the caller when the SDK made the key: the caller made one call', async () => {
    const sent = await client(lostThenDuplicate({ id: 'msg_1', status: 'queued' })).messages.send({ to: ['a@example.net'], subject: 's', text: 't' });
    expect(sent).toEqual({ id: 'msg_1', status: 'queued', duplicate: false });
    const raised = await client(lostThenDuplicate({ id: 'sdk-x', type: 'a.b', matches: [] })).events.emit({ type: 'a.b' });
    expect(raised.duplicate).toBe(false);
  });

  it("stays a duplicate when the caller gave the key: it may be the caller's own repeat", async () => {
    const sent = await client(lostThenDuplicate({ id: 'msg_1', status: 'queued' })).messages.send({ to: ['a@example.net'], subject: 's', text: 't', idempotencyKey: 'mine' });
    expect(sent.duplicate).toBe(true);
    const raised = await client(lostThenDuplicate({ id: 'mine', type: 'a.b', matches: [] })).events.emit({ type: 'a.b', id: 'mine' });
    expect(raised.duplicate).toBe(true);
  });
});
