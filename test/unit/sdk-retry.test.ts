import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { retryAfterMs, retryingFetch } from '../../sdk/src/retry.js';

/**
 * The SDK's retry of safe calls, over real HTTP against a local server that answers 429 and
 * 503 the way Mailroom does (Retry-After in seconds) and as proxies may (an HTTP date), or
 * loses its answer (docs/sdk.md: the connection broke after the request went out, so the server
 * may hold the message; the same body, idempotency key included, again answers the first one.
 * Without this, the SDK threw "fetch failed" and an application repeating the call got a new
 * key and a second message).
 */
let server: http.Server;
let base: string;
const seen: { method: string; body: string }[] = [];
let script: ({ status: number; headers?: Record<string, string> } | 'drop')[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', body });
      const next = script.shift() ?? { status: 200 };
      // The request arrived whole; the answer is lost.
      if (next === 'drop') return void req.socket.destroy();
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      res.end(JSON.stringify(next.status < 300 ? { ok: true } : { error: { code: next.status === 429 ? 'MAILROOM_E_RATE_LIMITED' : 'MAILROOM_E_STORE_UNAVAILABLE', message: 'not now' } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const waits: number[] = [];
const recordWait = async (ms: number) => {
  waits.push(ms);
};
const plain = (request: Request) => fetch(request);

it('repeats a 429 and a 503 as Retry-After says, with the same body, until an answer is not "not now"', async () => {
  seen.length = 0;
  waits.length = 0;
  script = [{ status: 429, headers: { 'retry-after': '2' } }, { status: 503, headers: { 'retry-after': new Date(Date.now() + 60_000).toUTCString() } }, { status: 200 }];
  const res = await retryingFetch(plain, { attempts: 3, maxDelayMs: 120_000 }, recordWait)(new Request(`${base}/api/v1/messages`, { method: 'POST', body: '{"to":"a@example.net","idempotencyKey":"k"}' }));
  expect(res.status).toBe(200);
  expect(seen.map((s) => s.body)).toEqual(Array(3).fill('{"to":"a@example.net","idempotencyKey":"k"}'));
  expect(waits[0]).toBe(2000);
  expect(waits[1]).toBeGreaterThan(55_000);
  expect(waits[1]).toBeLessThanOrEqual(60_000);
});

it('gives the last answer back after the tries allowed, and never waits longer than maxDelayMs', async () => {
  seen.length = 0;
  waits.length = 0;
  script = [{ status: 503 }, { status: 503 }, { status: 503 }];
  const res = await retryingFetch(plain, { attempts: 2, baseDelayMs: 100 }, recordWait)(new Request(`${base}/x`));
  expect(res.status).toBe(503);
  expect((await res.json()).error.code).toBe('MAILROOM_E_STORE_UNAVAILABLE');
  expect(seen).toHaveLength(2);
  expect(waits).toEqual([100]);

  seen.length = 0;
  script = [{ status: 429, headers: { 'retry-after': '3600' } }];
  const capped = await retryingFetch(plain, { maxDelayMs: 30_000 }, recordWait)(new Request(`${base}/x`));
  expect(capped.status).toBe(429);
  expect(seen).toHaveLength(1);
});

it('repeats a 408 (the request did not arrive in time) after the doubling delay', async () => {
  seen.length = 0;
  waits.length = 0;
  script = [{ status: 408 }, { status: 200 }];
  const res = await retryingFetch(plain, { baseDelayMs: 100 }, recordWait)(new Request(`${base}/api/v1/messages`, { method: 'POST', body: '{"idempotencyKey":"k"}' }));
  expect(res.status).toBe(200);
  expect(seen.map((s) => s.body)).toEqual(['{"idempotencyKey":"k"}', '{"idempotencyKey":"k"}']);
  expect(waits).toEqual([100]);
});

it('does not repeat other failures', async () => {
  seen.length = 0;
  script = [{ status: 500 }];
  expect((await retryingFetch(plain, {}, recordWait)(new Request(`${base}/x`))).status).toBe(500);
  expect(seen).toHaveLength(1);
});

it('reads Retry-After as seconds or an HTTP date', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  expect(retryAfterMs('5', now)).toBe(5000);
  expect(retryAfterMs(new Date(now + 7000).toUTCString(), now)).toBe(7000);
  expect(retryAfterMs(new Date(now - 7000).toUTCString(), now)).toBe(0);
  expect(retryAfterMs('soon', now)).toBeUndefined();
  expect(retryAfterMs(null, now)).toBeUndefined();
});

const send = () => new Request(`${base}/api/v1/messages`, { method: 'POST', body: '{"to":"a@example.net","idempotencyKey":"sdk-k"}' });

it('repeats a request whose answer was lost, with the same body (and key)', async () => {
  seen.length = 0;
  waits.length = 0;
  script = ['drop', { status: 202 }];
  const res = await retryingFetch(plain, { attempts: 3, baseDelayMs: 100 }, recordWait)(send());
  expect(res.status).toBe(202);
  expect(seen.map((r) => r.body)).toEqual(Array(2).fill('{"to":"a@example.net","idempotencyKey":"sdk-k"}'));
  expect(waits).toEqual([100]);
});

it('stops doubling the wait after lost answers at maxDelayMs', async () => {
  seen.length = 0;
  waits.length = 0;
  script = ['drop', 'drop', 'drop', 'drop', { status: 202 }];
  // Uncapped, the 24th try of many would have waited past Node's longest timer, which fires after 1 ms.
  const res = await retryingFetch(plain, { attempts: 5, baseDelayMs: 100, maxDelayMs: 300 }, recordWait)(send());
  expect(res.status).toBe(202);
  expect(waits).toEqual([100, 200, 300, 300]);
});

it('throws the network error after the tries allowed', async () => {
  seen.length = 0;
  script = ['drop', 'drop'];
  await expect(retryingFetch(plain, { attempts: 2, baseDelayMs: 1 }, recordWait)(send())).rejects.toThrow(/fetch failed/);
  expect(seen).toHaveLength(2);
});

it('does not repeat an aborted request', async () => {
  seen.length = 0;
  script = [];
  const abort = new AbortController();
  abort.abort();
  await expect(retryingFetch(plain, { attempts: 3, baseDelayMs: 1 }, recordWait)(new Request(`${base}/x`, { signal: abort.signal }))).rejects.toThrow();
  expect(seen).toHaveLength(0);
});
