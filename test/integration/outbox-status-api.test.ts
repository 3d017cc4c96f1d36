import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const HOUR = 3_600_000;

await describeEachDialect('GET /api/v1/messages/stats', (dialect) => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  let t: TestApp;
  let readKey: string;
  let sendKey: string;
  beforeAll(async () => {
    // No workers: the queue stays exactly as the test arranges it.
    t = await startTestApp(dialect, { clock, env: { MAILROOM_MAIL_DRIVER: 'log' } });
    const actor = { label: 'test', ip: null };
    readKey = (await createApiKey(t.app.ports.ctx, actor, { name: 'reader', scopes: ['read'], allowOverride: false }, null)).key;
    sendKey = (await createApiKey(t.app.ports.ctx, actor, { name: 'sender', scopes: ['send'], allowOverride: false }, null)).key;
  });
  afterAll(async () => t?.close());

  const stats = async (key?: string) => {
    const res = await t.request({ method: 'GET', url: '/api/v1/messages/stats', key });
    expect(res.statusCode).toBe(200);
    return res.json() as Record<string, unknown>;
  };
  const submit = async (body: object = {}) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject: 's', text: 'x', ...body } });
    expect(res.statusCode).toBe(202);
    return (res.json() as { id: string }).id;
  };
  const end = async (id: string, status: 'failed' | 'expired' | 'deferred', nextAttemptAt?: number) => {
    expect(await t.app.ports.ctx.store.repos.messages.transition([id], ['queued'], { status, now: clock.now(), nextAttemptAt, lastError: status === 'deferred' ? null : `test: ${status}` })).toEqual([id]);
  };

  it('is its own route, not /messages/:id with the id "stats"', async () => {
    expect(t.server.hasRoute({ method: 'GET', url: '/api/v1/messages/stats' })).toBe(true);
    const s = await stats();
    expect(s).toEqual({ at: new Date(clock.now()).toISOString(), queued: 0, deferred: 0, sending: 0, oldestDueAt: null, oldestDueSeconds: 0, failedLast24h: 0, expiredLast24h: 0 });
    // The parametric route still answers for real ids.
    const id = await submit();
    const one = await t.request({ method: 'GET', url: `/api/v1/messages/${id}` });
    expect(one.statusCode).toBe(200);
    expect(one.json().id).toBe(id);
    const missing = await t.request({ method: 'GET', url: '/api/v1/messages/msg_01JZZZZZZZZZZZZZZZZZZZZZZZ' });
    expect(missing.statusCode).toBe(404);
    await end(id, 'failed');
  });

  it('counts the queue by status, ages the oldest due message, and counts what ended in the last 24 hours', async () => {
    // The message failed in the test above; a day and a bit later it is out of the window.
    clock.advance(25 * HOUR);
    const t1 = clock.now();
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push(await submit());
    // Scheduled for later: waiting, but not due, so it does not age the queue.
    await submit({ sendAt: new Date(t1 + HOUR).toISOString() });
    const claimed = await t.app.ports.ctx.store.repos.messages.claim({ owner: 'test-worker', now: t1, leaseUntil: t1 + 60_000, limit: 1 });
    expect(claimed).toHaveLength(1);
    const rest = ids.filter((id) => id !== claimed[0].id);
    await end(rest[0], 'failed');
    await end(rest[1], 'expired');
    await end(rest[2], 'deferred', t1 + HOUR);
    clock.advance(90_000);

    expect(await stats(readKey)).toEqual({
      at: new Date(t1 + 90_000).toISOString(),
      // rest[3], rest[4] and the scheduled one.
      queued: 3,
      deferred: 1,
      sending: 1,
      oldestDueAt: new Date(t1).toISOString(),
      oldestDueSeconds: 90,
      failedLast24h: 1,
      expiredLast24h: 1,
    });

    // A retried failure is queued again and no longer counts as failed.
    expect((await t.request({ method: 'POST', url: `/api/v1/messages/${rest[0]}/retry` })).statusCode).toBe(200);
    const after = await stats();
    expect(after.failedLast24h).toBe(0);
    expect(after.queued).toBe(4);
    // Its new due time is now: the oldest due one is still the one waiting since t1.
    expect(after.oldestDueSeconds).toBe(90);

    // 24 hours after it ended, the expired one leaves the window too.
    clock.advance(24 * HOUR - 90_000 + 1);
    expect((await stats()).expiredLast24h).toBe(0);
  });

  it('needs the read permission', async () => {
    const noRead = await t.request({ method: 'GET', url: '/api/v1/messages/stats', key: sendKey });
    expect(noRead.statusCode).toBe(403);
    const anonymous = await t.request({ method: 'GET', url: '/api/v1/messages/stats', key: null });
    expect(anonymous.statusCode).toBe(401);
  });
});
