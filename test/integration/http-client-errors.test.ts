import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_TIMEOUT_MS, buildServer } from '../../src/http/server.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * What Mailroom answers when Node's HTTP parser refuses a connection before Fastify sees a
 * request (the `clientError` event): a broken request line, a header section over Node's
 * limit, headers that never finish, a target that is not a path. Every answer is the
 * documented error shape `{ error: { code: 'MAILROOM_E_…', message } }` (docs/api.md), with
 * the status of its code, `connection: close`, and the connection closed afterwards — never
 * Fastify's `{"error":"Bad Request","message":"Client Error","statusCode":400}`.
 * Raw sockets, because no HTTP client sends such requests. SQLite only: no store is involved.
 */

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection (end or reset) after answering. */
  closed: boolean;
}

/** Writes `chunks` on a fresh connection and reads until the server closes it (or `waitMs` passes). */
function rawExchange(port: number, chunks: (string | Buffer)[], waitMs = 5_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const got: Buffer[] = [];
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(got).toString('latin1');
      const head = text.split('\r\n\r\n', 1)[0];
      const [statusLine, ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      // The head is ASCII (latin1 keeps its bytes as they are); the body is UTF-8, as its content-type says.
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0), headers, body: Buffer.concat(got).subarray(head.length + 4).toString('utf8'), closed });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      finish();
    }, waitMs);
    socket.on('data', (c: Buffer) => got.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset after the answer is a close; a reset before anything arrived is a failure.
      if (err.code === 'ECONNRESET' && got.length) return;
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
    });
  });
}

/** The documented error shape, nothing of Fastify's or Node's own; returns the error. */
function expectMailroomError(res: RawAnswer, status: number, code: string): { code: string; message: string; details?: Record<string, unknown> } {
  expect(res.status, JSON.stringify(res)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body, 'utf8'));
  expect(res.headers.connection).toBe('close');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  const b = JSON.parse(res.body) as { error?: { code?: string; message?: string } };
  expect(Object.keys(b)).toEqual(['error']);
  expect(b.error?.code, res.body).toBe(code);
  expect(typeof b.error?.message).toBe('string');
  expect(res.body).not.toMatch(/FST_|HPE_|Client Error|statusCode/);
  expect(res.closed, 'the connection is closed after the answer').toBe(true);
  return b.error as { code: string; message: string; details?: Record<string, unknown> };
}

describe('connection-level HTTP errors', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    await t.server.listen({ host: '127.0.0.1', port: 0 });
    port = (t.server.server.address() as AddressInfo).port;
  });
  afterAll(async () => t?.close());

  // Announced 30 MB, none of it sent: an answer that waited for the body would never come.
  const announced = (target: string) => `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 31457280\r\n\r\n{"a":`;
  const statusOf = (res: RawAnswer) => ({ status: res.status, code: (JSON.parse(res.body || '{}') as { error?: { code?: string } }).error?.code });

  it('answers a write to a path no route has before reading its body', async () => {
    for (const target of ['/api/v1/nowhere', '/nowhere']) expect(statusOf(await rawExchange(port, [announced(target)], 3_000)), target).toEqual({ status: 404, code: 'MAILROOM_E_NOT_FOUND' });
  });

  it('refuses a login body over its 64 KiB by the announced length, naming that limit', async () => {
    const res = await rawExchange(port, [announced('/api/v1/session')], 3_000);
    expect(statusOf(res)).toEqual({ status: 413, code: 'MAILROOM_E_PAYLOAD_TOO_LARGE' });
    expect(JSON.parse(res.body).error).toMatchObject({ message: expect.stringContaining('64 KiB (65,536 bytes), the most this endpoint accepts'), details: { maxBytes: 65536 } });
  });

  it('answers a malformed request line as 400 MAILROOM_E_VALIDATION and closes', async () => {
    for (const line of ['GARBAGE\r\n\r\n', 'GET /api/v1/events HTTP/9.9 extra\r\n\r\n', 'GET\r\n\r\n', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03']) {
      const e = expectMailroomError(await rawExchange(port, [Buffer.from(line, 'latin1')]), 400, 'MAILROOM_E_VALIDATION');
      expect(e.message, JSON.stringify(line)).toMatch(/not a valid HTTP\/1\.1 request/);
      expect(e.details).toMatchObject({ field: 'request' });
    }
  });

  it('answers a broken header line or framing as 400 MAILROOM_E_VALIDATION', async () => {
    const cases = [
      'GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n',
      // Both framings at once (request smuggling): refused by the parser.
      'POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /api/v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ];
    for (const req of cases) {
      const e = expectMailroomError(await rawExchange(port, [req]), 400, 'MAILROOM_E_VALIDATION');
      expect(e.message, JSON.stringify(req)).toMatch(/not a valid HTTP\/1\.1 request/);
    }
  });

  it('answers a target that is not a valid path (bad characters) before routing in the documented shape', async () => {
    for (const target of ['/api/v1/messages/a\x01b', '/api/v1/messages/\x7f']) {
      const e = expectMailroomError(await rawExchange(port, [Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1')]), 400, 'MAILROOM_E_VALIDATION');
      expect(e.message).toBe("the request's target (path and query) holds a character a URL may not hold as it is (a control character, a space, a quote, a backslash …): percent-encode it; the connection is closed");
    }
    // A search for "Ärger" typed as it is (UTF-8 bytes in the target, the usual slip): said as such.
    const utf8 = expectMailroomError(await rawExchange(port, [Buffer.from('GET /api/v1/messages?q=Ärger HTTP/1.1\r\nHost: x\r\n\r\n', 'utf8')]), 400, 'MAILROOM_E_VALIDATION');
    expect(utf8.message).toBe("the request's target (path and query) holds characters that are not ASCII, as they are: percent-encode them (ü is %C3%BC; encodeURIComponent, or curl -G --data-urlencode); the connection is closed");
    expect(utf8.details).toMatchObject({ field: 'request' });
    // Broken percent-encoding parses as HTTP and is refused by the router, as before (and keeps the connection).
    const bad = await rawExchange(port, [`GET /api/v1/messages/%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'path' } });
  });

  it('answers a header section over the limit as 431 MAILROOM_E_HEADERS_TOO_LARGE', async () => {
    const res = await rawExchange(port, [`GET /api/v1/events HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    const e = expectMailroomError(res, 431, 'MAILROOM_E_HEADERS_TOO_LARGE');
    expect(e.message).toMatch(/16 KiB/);
    // Many small headers count too.
    const many = Array.from({ length: 600 }, (_, i) => `X-H${i}: ${'v'.repeat(30)}\r\n`).join('');
    expectMailroomError(await rawExchange(port, [`GET /api/v1/events HTTP/1.1\r\nHost: x\r\n${many}\r\n`]), 431, 'MAILROOM_E_HEADERS_TOO_LARGE');
  });

  it('keeps serving well-formed requests on other connections', async () => {
    const ok = await rawExchange(port, ['GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(ok.status, ok.body).toBe(200);
  });

  it('logs a refused connection at debug, without the request it carried', async () => {
    const secret = 'mrk_this_must_not_be_logged';
    await rawExchange(port, [`GET /x HTTP/1.1\r\nAuthorization: Bearer ${secret}\r\nbroken header\r\n\r\n`]);
    const log = t.logLines.join('');
    expect(log).toContain('refused an HTTP connection');
    expect(log).not.toContain(secret);
  });

  describe('request timeout', () => {
    // The same app behind servers with short deadlines: for headers only, and for the body too
    // (in production 60 s for headers, REQUEST_TIMEOUT_MS for the whole request).
    let headersOnly: FastifyInstance;
    let withBody: FastifyInstance;
    const portOf = (s: FastifyInstance) => (s.server.address() as AddressInfo).port;
    beforeAll(async () => {
      headersOnly = await buildServer(t.app.ports, t.app.routes, { logger: false, timeouts: { headersTimeout: 300, connectionsCheckingInterval: 100 } });
      withBody = await buildServer(t.app.ports, t.app.routes, { logger: false, timeouts: { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 100 } });
      await headersOnly.listen({ host: '127.0.0.1', port: 0 });
      await withBody.listen({ host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => {
      await headersOnly?.close();
      await withBody?.close();
    });

    it('answers headers that never finish as 408 MAILROOM_E_REQUEST_TIMEOUT and closes', async () => {
      const started = Date.now();
      const res = await rawExchange(portOf(headersOnly), ['GET /api/v1/events HTTP/1.1\r\nHost: x\r\nX-Slow: '], 5_000);
      const e = expectMailroomError(res, 408, 'MAILROOM_E_REQUEST_TIMEOUT');
      expect(e.message).toMatch(/in time/);
      expect(Date.now() - started).toBeLessThan(4_000);
    });

    it('gives a whole request five minutes by default (Fastify would give a trickled body for ever)', async () => {
      const plain = await buildServer(t.app.ports, t.app.routes, { logger: false });
      try {
        expect(plain.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
        expect(REQUEST_TIMEOUT_MS).toBe(300_000);
      } finally {
        await plain.close();
      }
    });

    it('answers a body that never finishes as 408 MAILROOM_E_REQUEST_TIMEOUT where a body has a deadline', async () => {
      const res = await rawExchange(portOf(withBody), [`POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.adminKey}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"type":`], 5_000);
      expectMailroomError(res, 408, 'MAILROOM_E_REQUEST_TIMEOUT');
    });
  });
});
