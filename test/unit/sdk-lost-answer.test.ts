import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { retryingFetch } from '../../sdk/src/retry.js';

/**
 * docs/sdk.md: a safe call (a read, a send with its idempotency key) is repeated when its answer
 * is lost, with the same body: the connection broke after the request went out, so the server
 * may hold the message; the same key again answers the first one. Without this, the SDK threw
 * "fetch failed" and the application, repeating the call, got a new key and a second message.
 */
let server: http.Server;
let base: string;
const seen: string[] = [];
let dropFirst = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push(body);
      if (dropFirst > 0) {
        dropFirst--;
        // The request arrived whole; the answer is lost.
        req.socket.destroy();
        return;
      }
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"id":"msg_1","status":"queued"}');
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
const send = () => new Request(`${base}/api/v1/messages`, { method: 'POST', body: '{"to":"a@example.net","idempotencyKey":"sdk-k"}' });

it('repeats a request whose answer was lost, with the same body (and key)', async () => {
  seen.length = 0;
  waits.length = 0;
  dropFirst = 1;
  const res = await retryingFetch(plain, { attempts: 3, baseDelayMs: 100 }, recordWait)(send());
  expect(res.status).toBe(202);
  expect(seen).toEqual(Array(2).fill('{"to":"a@example.net","idempotencyKey":"sdk-k"}'));
  expect(waits).toEqual([100]);
});

it('throws the network error after the tries allowed', async () => {
  seen.length = 0;
  dropFirst = 5;
  await expect(retryingFetch(plain, { attempts: 2, baseDelayMs: 1 }, recordWait)(send())).rejects.toThrow(/fetch failed/);
  expect(seen).toHaveLength(2);
  dropFirst = 0;
});

it('does not repeat an aborted request', async () => {
  seen.length = 0;
  const abort = new AbortController();
  abort.abort();
  await expect(retryingFetch(plain, { attempts: 3, baseDelayMs: 1 }, recordWait)(new Request(`${base}/x`, { signal: abort.signal }))).rejects.toThrow();
  expect(seen).toHaveLength(0);
});
