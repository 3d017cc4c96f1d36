import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * POST /session is open to anyone: its body (an email and a password) is read with a limit of
 * its own, 64 KiB, not the API's 40 MiB. Three strangers each posting a 30-million-character
 * password held the server for seconds; now such a body is refused as it arrives, by its
 * content-length or, sent chunked without one, as soon as it has passed the limit.
 */
const LIMIT = 64 * 1024;

await describeEachDialect('POST /session: a small body limit before sign-in', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const tooLarge = {
    code: 'MAILROOM_E_PAYLOAD_TOO_LARGE',
    message: 'the request body is larger than 64 KiB (65,536 bytes), the most this endpoint accepts',
    details: { maxBytes: LIMIT },
  };

  it('refuses a 30-million-character password with 413 by its content-length', async () => {
    const res = await t.server.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ADMIN_EMAIL, password: 'x'.repeat(30_000_000) } });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toEqual(tooLarge);
  });

  it('refuses a chunked body without content-length once it passes the limit', async () => {
    const body = JSON.stringify({ email: ADMIN_EMAIL, password: 'x'.repeat(LIMIT) });
    const chunks = Array.from({ length: Math.ceil(body.length / 8192) }, (_, i) => body.slice(i * 8192, (i + 1) * 8192));
    const res = await t.server.inject({ method: 'POST', url: '/api/v1/session', headers: { 'content-type': 'application/json' }, payload: Readable.from(chunks) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toEqual(tooLarge);
  });

  it('reads a body under the limit as before: a long password is told its length, a right one logs in', async () => {
    const long = await t.server.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ADMIN_EMAIL, password: '😀'.repeat(1001) } });
    expect(long.statusCode).toBe(400);
    expect(long.json().error.message).toBe('password: must be at most 1000 characters (it has 1001)');
    const chunked = JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    const ok = await t.server.inject({ method: 'POST', url: '/api/v1/session', headers: { 'content-type': 'application/json' }, payload: Readable.from([chunked.slice(0, 10), chunked.slice(10)]) });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await t.server.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } })).statusCode).toBe(200);
  });
});
