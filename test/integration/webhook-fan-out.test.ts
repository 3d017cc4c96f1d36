import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../src/core/kernel/ids.js';
import { FAN_OUT_DELIVERIES, fanOut } from '../../src/core/webhooks/delivery-queue.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * With many endpoints every event becomes as many deliveries: a fan-out reads only as many
 * events as make FAN_OUT_DELIVERIES rows, says there is more, and the next ones go on — every
 * event reaches every endpoint once, and none stays unread.
 */
await describeEachDialect('webhook fan-out to many endpoints', (dialect) => {
  const ENDPOINTS = 30;
  const EVENTS = 100;
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => t?.close());

  const count = async (table: 'webhook_deliveries' | 'event_journal', where = sql`true`) =>
    Number((await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(t.app.infra.db)).rows[0]!.n);

  it('queues at most FAN_OUT_DELIVERIES per transaction and every event for every endpoint in the end', async () => {
    for (let i = 0; i < ENDPOINTS; i++) {
      expect((await t.request({ method: 'POST', url: '/api/v1/webhooks', payload: { url: `http://127.0.0.1:9/hook${i}`, events: ['message.sent'] } })).statusCode).toBe(201);
    }
    const data = JSON.stringify({ messageId: 'msg_x' });
    await t.app.ports.ctx.store.transaction((r) => r.eventJournal.append(Array.from({ length: EVENTS }, () => ({ id: newId('evt'), type: 'message.sent', messageId: null, at: Date.now(), data }))));
    const rounds: { read: number; more: boolean; queued: number }[] = [];
    for (let more = true; more; ) {
      const before = await count('webhook_deliveries');
      const done = await fanOut(t.app.ports.ctx);
      rounds.push({ read: done.read, more: done.more, queued: (await count('webhook_deliveries')) - before });
      more = done.more;
    }
    const perRound = Math.floor(FAN_OUT_DELIVERIES / ENDPOINTS);
    expect(rounds.length).toBe(Math.ceil(EVENTS / perRound) + (EVENTS % perRound === 0 ? 1 : 0));
    for (const r of rounds) expect(r.queued).toBe(r.read * ENDPOINTS);
    expect(Math.max(...rounds.map((r) => r.queued))).toBeLessThanOrEqual(FAN_OUT_DELIVERIES);
    expect(await count('webhook_deliveries')).toBe(EVENTS * ENDPOINTS);
    expect(await count('event_journal', sql`pending = 1`)).toBe(0);
  });
});
