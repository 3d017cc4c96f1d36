import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Mailroom } from '../../sdk/src/index.js';

/**
 * `messages.waitFor` checks its options before it reads anything. Before, `timeoutMs: NaN`
 * (say `Number(process.env.WAIT_MS)` with the variable unset) never timed out and, with no
 * pause either, read the message again and again as fast as the server answered; `until: []`
 * waited for nothing; a negative `intervalMs` polled without pause.
 */
let server: http.Server;
let reads = 0;
let mailroom: Mailroom;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    reads++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'msg_1', status: 'queued' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mailroom = new Mailroom({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'mrk_test', retry: false });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it.each([
  [{ timeoutMs: Number.NaN }, /timeoutMs must be a number of milliseconds, 0 or more \(got NaN\)/],
  [{ timeoutMs: -1 }, /timeoutMs must be a number of milliseconds, 0 or more \(got -1\)/],
  [{ intervalMs: 0 }, /intervalMs must be a number of milliseconds, more than 0 \(got 0\)/],
  [{ intervalMs: Number.POSITIVE_INFINITY }, /intervalMs must be a number of milliseconds, more than 0 \(got Infinity\)/],
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
