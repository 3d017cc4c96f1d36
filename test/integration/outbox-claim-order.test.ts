import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MessageRecord } from '../../src/core/outbox/ports.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The claim walks priority levels, most urgent first, and within a level the longest-waiting
 * due message first; messages scheduled for later are never taken, however many of them sit
 * at a higher priority; concurrent claims (PostgreSQL: two transactions) take different messages.
 */
await describeEachDialect('outbox claim: priority levels, due messages only', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log' } });
  });
  afterAll(async () => {
    await t?.close();
  });
  const store = () => t.app.ports.ctx.store;

  it('takes due messages by priority, then by age, and never one scheduled for later', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['x@example.net'], subject: 'template', text: 'x', sendAt: new Date(Date.now() + 3 * 86_400_000).toISOString() } });
    const template = (await store().repos.messages.get(res.json().id))!;
    const now = Date.now();
    const row = (id: string, priority: number, nextAttemptAt: number): MessageRecord => ({ ...template, id, priority, nextAttemptAt, sendAt: nextAttemptAt, idempotencyKey: null, idempotencyScope: null });
    // 300 urgent ones due tomorrow, ahead of everything in the index.
    await store().grouped(async (r) => {
      for (let i = 0; i < 300; i++) await r.messages.insert(row(`msg_claimlater${String(i).padStart(4, '0')}`, 100, now + 86_400_000 + i), []);
    });
    await store().grouped(async (r) => {
      await r.messages.insert(row('msg_claimmid0002', 50, now - 1_000), []);
      await r.messages.insert(row('msg_claimmid0001', 50, now - 2_000), []);
      await r.messages.insert(row('msg_claimmid0003', 50, now - 500), []);
      await r.messages.insert(row('msg_claimlow0001', 10, now - 60_000), []);
      await r.messages.insert(row('msg_claimlow0002', 10, now - 30_000), []);
    });
    const claim = (limit: number) => store().grouped((r) => r.messages.claim({ owner: 'w', now, leaseUntil: now + 60_000, limit }));
    expect((await claim(4)).map((m) => m.id)).toEqual(['msg_claimmid0001', 'msg_claimmid0002', 'msg_claimmid0003', 'msg_claimlow0001']);
    expect((await claim(4)).map((m) => m.id)).toEqual(['msg_claimlow0002']);
    expect(await claim(4)).toEqual([]);
    expect((await store().repos.messages.get('msg_claimlater0000'))?.status).toBe('queued');
    // Once due, the urgent ones come first.
    const later = await store().grouped((r) => r.messages.claim({ owner: 'w', now: now + 86_400_000 + 1, leaseUntil: now + 86_460_000, limit: 10 }));
    expect(later.map((m) => m.id)).toEqual(['msg_claimlater0000', 'msg_claimlater0001']);
  });

  it('gives concurrent claims different messages', async () => {
    const now = Date.now() + 86_400_000 + 400;
    const claims = await Promise.all(Array.from({ length: 4 }, (_, i) => store().transaction((r) => r.messages.claim({ owner: `w${i}`, now, leaseUntil: now + 60_000, limit: 100 }))));
    const ids = claims.flat().map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(298);
  });
});
