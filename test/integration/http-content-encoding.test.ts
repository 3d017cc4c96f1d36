import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Request bodies are read as sent, never decoded: a body with a Content-Encoding other than
 * identity is refused before it is read, 415 MAILROOM_E_UNSUPPORTED_CONTENT_ENCODING naming the
 * encoding, on every route and for every content type, and nothing is stored. (It was: gzip bytes
 * called "not valid UTF-8 at offset 1", plain JSON labelled br taken.) No store decides it, so
 * SQLite only, as the other router-level tests.
 */
describe('content-encoding on request bodies', () => {
  let t: TestApp;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const post = (url: string, body: Buffer, headers: Record<string, string>) =>
    t.request({ method: 'POST', url: `/api/v1${url}`, payload: body, headers: { 'content-type': 'application/json', ...headers } });

  /** The documented refusal, naming `encoding`. */
  const expectRefused = (res: { statusCode: number; body: string; json(): unknown }, encoding: string) => {
    expect(res.statusCode, res.body).toBe(415);
    const { error } = res.json() as { error: { code: string; message: string; details: unknown } };
    expect(error.code).toBe('MAILROOM_E_UNSUPPORTED_CONTENT_ENCODING');
    expect(error.message).toBe(
      `the request body was sent with content-encoding: ${encoding}, which Mailroom does not decode; send the body uncompressed (no content-encoding header, or content-encoding: identity); nothing was read or stored`,
    );
    expect(error.details).toEqual({ field: 'content-encoding', encoding, accepted: ['identity'] });
  };

  const suppressed = async () => ((await t.request({ method: 'GET', url: '/api/v1/suppressions' })).json() as { items: { address: string }[] }).items.map((s) => s.address);
  const eventIds = async () => ((await t.request({ method: 'GET', url: '/api/v1/events' })).json() as { items: { id: string }[] }).items.map((e) => e.id);

  it('refuses a really gzipped JSON body with 415 naming gzip, and stores nothing', async () => {
    const body = { address: 'gzip@example.net' };
    const res = await post('/suppressions', gzipSync(json(body)), { 'content-encoding': 'gzip' });
    expectRefused(res, 'gzip');
    expect(await suppressed()).not.toContain('gzip@example.net');

    const event = { type: 'contact.submitted', id: `enc-${++n}`, data: { email: 'zz2@example.com', subject: 'Hi' } };
    expectRefused(await post('/events', gzipSync(json(event)), { 'content-encoding': 'gzip' }), 'gzip');
    expect(await eventIds()).not.toContain(event.id);
  });

  it('refuses a body labelled br (plain or really brotli) and stores nothing', async () => {
    expectRefused(await post('/suppressions', json({ address: 'br-plain@example.net' }), { 'content-encoding': 'br' }), 'br');
    expectRefused(await post('/suppressions', brotliCompressSync(json({ address: 'br@example.net' })), { 'content-encoding': 'br' }), 'br');
    const event = { type: 'contact.submitted', id: `enc-${++n}`, data: { email: 'zz3@example.com', subject: 'Hi' } };
    expectRefused(await post('/events', json(event), { 'content-encoding': 'br' }), 'br');
    expect(await suppressed()).not.toContain('br-plain@example.net');
    expect(await suppressed()).not.toContain('br@example.net');
    expect(await eventIds()).not.toContain(event.id);
  });

  it('refuses a list with a coding in it (gzip, identity), naming the codings only, in any case', async () => {
    expectRefused(await post('/suppressions', gzipSync(json({ address: 'list@example.net' })), { 'content-encoding': 'gzip, identity' }), 'gzip');
    expectRefused(await post('/suppressions', json({ address: 'list@example.net' }), { 'content-encoding': 'identity,deflate, GZIP' }), 'deflate, GZIP');
    expect(await suppressed()).not.toContain('list@example.net');
  });

  it('refuses it whatever the content type (a form, text) and on the admin UI sign-in, before reading it', async () => {
    expectRefused(await post('/suppressions', Buffer.from('address=form%40example.net'), { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }), 'gzip');
    expectRefused(await post('/suppressions', Buffer.from('form@example.net'), { 'content-type': 'text/plain', 'content-encoding': 'deflate' }), 'deflate');
    // POST /session is public (no key) and what the admin UI signs in with.
    const login = await t.request({
      method: 'POST',
      url: '/api/v1/session',
      key: null,
      payload: gzipSync(json({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expectRefused(login, 'gzip');
    expect(login.headers['set-cookie']).toBeUndefined();
    expect(await suppressed()).not.toContain('form@example.net');
  });

  it('takes identity (and no content-encoding) as an uncompressed body', async () => {
    const a = await post('/suppressions', json({ address: 'identity@example.net' }), { 'content-encoding': 'identity' });
    expect(a.statusCode, a.body).toBe(201);
    const b = await post('/suppressions', json({ address: 'IDENTITY-2@example.net' }), { 'content-encoding': 'Identity' });
    expect(b.statusCode, b.body).toBe(201);
    const c = await post('/suppressions', json({ address: 'plain@example.net' }), {});
    expect(c.statusCode, c.body).toBe(201);
    const event = { type: 'contact.submitted', id: `enc-${++n}`, data: { email: 'zz4@example.com', subject: 'Hi' } };
    const e = await post('/events', json(event), { 'content-encoding': 'identity' });
    expect(e.statusCode, e.body).toBe(202);
    expect(await suppressed()).toEqual(expect.arrayContaining(['identity@example.net', 'identity-2@example.net', 'plain@example.net']));
    expect(await eventIds()).toContain(event.id);
  });

  it('over real HTTP: a gzipped body of 1 MiB is answered 415 unread, and the next request on the connection works', async () => {
    await t.server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.server.server.address() as AddressInfo;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (headers: Record<string, string>, body: Buffer) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/suppressions', agent, headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json', ...headers } }, (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        });
        req.on('error', reject);
        req.end(body);
      });
    try {
      const big = gzipSync(json({ address: 'wire@example.net', padding: 'x'.repeat(1024 * 1024) }), { level: 0 });
      const refused = await send({ 'content-encoding': 'gzip' }, big);
      expect(refused.status, refused.body).toBe(415);
      expect(JSON.parse(refused.body).error.code).toBe('MAILROOM_E_UNSUPPORTED_CONTENT_ENCODING');
      const ok = await send({}, json({ address: 'wire@example.net' }));
      expect(ok.status, ok.body).toBe(201);
    } finally {
      agent.destroy();
    }
  });

  it('a request without a body is not refused for the header alone', async () => {
    const res = await t.request({ method: 'GET', url: '/api/v1/suppressions', headers: { 'content-encoding': 'gzip' } });
    expect(res.statusCode, res.body).toBe(200);
  });
});
