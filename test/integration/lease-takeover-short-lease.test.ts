import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import type { DB } from '../../src/store/schema.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A worker looks for a killed worker's messages (lease ended) every 5 s, or every third of the
 * lease when that is shorter: with MAILROOM_OUTBOX_LEASE_MS=3000 a takeover waited up to 8 s
 * after the claim, 5 of them after the lease had ended. Time is the test's own clock: one
 * round after 1.1 s more than the lease finds the message (a round 5 s apart before).
 */
const LEASE_MS = 3_000;

await describeEachDialect('a short outbox lease: taken over within a third of the lease after it ends', (dialect) => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 12, 0, 0));
  let t: TestApp;
  let dispatcher: Dispatcher;
  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_OUTBOX_LEASE_MS: String(LEASE_MS) } });
    dispatcher = await t.app.startDelivery({ loop: false, leaseMs: LEASE_MS });
  });
  afterAll(async () => t?.close());

  it('a message a dead worker claimed is sent by the next round a third of the lease after the lease ended', async () => {
    // The round that looks for ended leases, with nothing to find: it sets when the next look is due.
    await dispatcher.drain();
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['taken@example.net'], subject: 'claimed by a worker that died', text: 'x' } });
    expect(res.statusCode).toBe(202);
    const id = res.json().id as string;
    // Claimed by a worker that was killed right then: its lease ends LEASE_MS from now.
    const db = t.app.infra.db as unknown as Kysely<DB>;
    await sql`update messages set status = 'sending', lease_owner = 'killed', lease_until = ${clock.now() + LEASE_MS} where id = ${id}`.execute(db);
    const status = async () => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json().status as string;

    clock.advance(LEASE_MS);
    await dispatcher.drain();
    expect(await status(), 'not before its lease ends').toBe('sending');
    clock.advance(LEASE_MS / 3 + 100);
    await dispatcher.drain();
    expect(await status()).toBe('logged');
  });
});
