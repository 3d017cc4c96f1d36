import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const NAME = 'mailroom_http_request_duration_seconds';

/** The samples of one series of the Prometheus text: `name{labels} value`, labels as a map. */
function samples(text: string, series: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${series}{`))
    .map((l) => {
      const [, labels, value] = /^[^{]+\{(.*)\} (\S+)$/.exec(l)!;
      return { labels: Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])), value: Number(value) };
    });
}

/**
 * /metrics times every answer of the HTTP server: by method, route pattern and status class,
 * never by URL (ids and unknown paths must not make series of their own).
 */
describe('HTTP answer times on /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log' } });
  });
  afterAll(async () => t?.close());

  it('counts each answer under its route pattern and status class, with its time in the buckets', async () => {
    const accepted = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject: 's', text: 'x' } });
    expect(accepted.statusCode).toBe(202);
    const id = accepted.json().id as string;
    expect((await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: [], subject: 's', text: 'x' } })).statusCode).toBe(400);
    expect((await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/v1/messages/01JZZZZZZZZZZZZZZZZZZZZZZZ' })).statusCode).toBe(404);
    expect((await t.server.inject({ method: 'GET', url: '/api/v1/no-such-resource/secret-looking-token' })).statusCode).toBe(404);

    const text = (await t.server.inject({ method: 'GET', url: '/metrics' })).body;
    const counts = samples(text, `${NAME}_count`);
    const count = (method: string, route: string, status: string) => counts.find((s) => s.labels.method === method && s.labels.route === route && s.labels.status === status)?.value;
    expect(count('POST', '/api/v1/messages', '2xx')).toBe(1);
    expect(count('POST', '/api/v1/messages', '4xx')).toBe(1);
    expect(count('GET', '/api/v1/messages/:id', '2xx')).toBe(1);
    expect(count('GET', '/api/v1/messages/:id', '4xx')).toBe(1);
    expect(count('GET', 'unmatched', '4xx')).toBe(1);
    // No URL of a request, only patterns.
    expect(text).not.toContain(id);
    expect(text).not.toContain('secret-looking-token');
    expect(counts.every((s) => s.labels.route === 'unmatched' || s.labels.route.startsWith('/'))).toBe(true);

    // The 202's time is in the buckets: cumulative, the last one (+Inf) holds it, the sum is its time.
    const buckets = samples(text, `${NAME}_bucket`).filter((s) => s.labels.method === 'POST' && s.labels.route === '/api/v1/messages' && s.labels.status === '2xx');
    expect(buckets.map((b) => b.labels.le)).toEqual(['0.001', '0.0025', '0.005', '0.01', '0.02', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    expect(buckets.at(-1)!.value).toBe(1);
    expect(buckets.every((b, i) => i === 0 || b.value >= buckets[i - 1].value)).toBe(true);
    const sum = samples(text, `${NAME}_sum`).find((s) => s.labels.method === 'POST' && s.labels.route === '/api/v1/messages' && s.labels.status === '2xx')!.value;
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(10);
  });
});
