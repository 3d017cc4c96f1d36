import { afterAll, beforeAll, expect, it } from 'vitest';
import { queueFromCli } from '../../src/cli/commands/send.js';
import type { MessageEvent } from '../../src/core/kernel/message-events.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** The value of one sample of the Prometheus text, e.g. `name{source="api"}`. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/**
 * Every source of messages goes through the same core path: it publishes message.accepted,
 * which counts in mailroom_messages_accepted_total{source} and wakes the delivery worker. The
 * worker polls only every 10 minutes here, so a message delivered at once proves the wake-up.
 */
await describeEachDialect('message events: every source counts and wakes the dispatcher', (dialect) => {
  let t: TestApp;
  let accountId: string;
  const seen: MessageEvent[] = [];

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log' } });
    t.app.ports.ctx.events.subscribe((e) => void seen.push(e));
    await t.app.startDelivery({ pollMs: 600_000 });
    // The first claim runs at start; let the worker settle into its long wait.
    await new Promise((r) => setTimeout(r, 200));
    accountId = (await t.request({ method: 'GET', url: '/api/v1/accounts' })).json().items[0].id;
  });
  afterAll(async () => t?.close());

  const accepted = async (source: string) => sample((await t.server.inject({ method: 'GET', url: '/metrics' })).body, `mailroom_messages_accepted_total{source="${source}"}`);
  const status = async (id: string) => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json().status;
  const deliveredSoon = (id: string) => expect.poll(() => status(id), { timeout: 5_000, interval: 50 }).toBe('logged');

  it('API: POST /messages', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['a@example.net'], subject: 'api', text: 'x' } });
    expect(res.statusCode).toBe(202);
    await deliveredSoon(res.json().id);
    expect(await accepted('api')).toBe(1);
    // The same idempotency key twice is one message: it counts once.
    for (let i = 0; i < 2; i++) await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['a@example.net'], subject: 'api', text: 'x', idempotencyKey: 'once' } });
    expect(await accepted('api')).toBe(2);
  });

  it('CLI: mailroom send', async () => {
    const r = await queueFromCli(t.app.ports.ctx, { to: ['b@example.net'], subject: 'cli', text: 'x' });
    await deliveredSoon(r.id);
    expect(await accepted('cli')).toBe(1);
  });

  it('test email: POST /accounts/:id/test', async () => {
    const res = await t.request({ method: 'POST', url: `/api/v1/accounts/${accountId}/test`, payload: { to: 'c@example.net' } });
    expect(res.statusCode).toBe(202);
    await deliveredSoon(res.json().messageId);
    expect(await accepted('test')).toBe(1);
  });

  it('publishes each step of a message after its commit, and a retry wakes the worker too', async () => {
    // Scheduled a moment ahead so that it can be cancelled before it goes; retried once that
    // moment has passed (a retry keeps a sendAt still ahead), it is due at once.
    const sendAt = Date.now() + 1_000;
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['d@example.net'], subject: 'steps', text: 'x', sendAt: new Date(sendAt).toISOString() } });
    const id = res.json().id;
    expect((await t.request({ method: 'POST', url: `/api/v1/messages/${id}/cancel` })).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, sendAt + 50 - Date.now()));
    expect((await t.request({ method: 'POST', url: `/api/v1/messages/${id}/retry` })).statusCode).toBe(200);
    await deliveredSoon(id);
    // Published just after the commit that the status poll can already read.
    await expect
      .poll(() => seen.filter((e) => e.messageId === id).map((e) => e.type), { timeout: 5_000, interval: 20 })
      .toEqual(['message.accepted', 'message.cancelled', 'message.retried', 'message.claimed', 'message.attempted', 'message.logged']);
    const text = (await t.server.inject({ method: 'GET', url: '/metrics' })).body;
    // api, the idempotent one, cli, test, and this one.
    expect(sample(text, 'mailroom_delivery_attempts_total{outcome="logged"}')).toBe(5);
    expect(sample(text, 'mailroom_messages_finished_total{status="logged"}')).toBe(5);
    expect(sample(text, 'mailroom_messages_finished_total{status="cancelled"}')).toBe(1);
  });

  it('a subscriber that throws loses and blocks nothing', async () => {
    const off = t.app.ports.ctx.events.subscribe(() => {
      throw new Error('subscriber bug');
    });
    const offAsync = t.app.ports.ctx.events.subscribe(async () => {
      throw new Error('async subscriber bug');
    });
    try {
      const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['e@example.net'], subject: 'robust', text: 'x' } });
      expect(res.statusCode).toBe(202);
      await deliveredSoon(res.json().id);
      expect(t.logLines.some((l) => l.includes('subscriber bug') && l.includes('message-event subscriber failed'))).toBe(true);
    } finally {
      off();
      offAsync();
    }
  });
});
