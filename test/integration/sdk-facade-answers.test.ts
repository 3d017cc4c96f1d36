import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
    } else if (req.method === 'DELETE') {
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

it('still reads JSON answers and empty 204 answers', async () => {
  const mailroom = new sdk.Mailroom({ url: base, apiKey: 'mrk_test', retry: false });
  expect(await mailroom.messages.get('msg_1')).toEqual({ id: 'msg_1', status: 'sent' });
  await expect(mailroom.suppressions.remove('gone@example.net')).resolves.toBeUndefined();
});
