import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AttemptWrite, MessageRecord } from '../../src/core/outbox/ports.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { enableWebhookEndpoint, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The outbox's writes of concurrent callers share a group commit. On PostgreSQL the jobs of a
 * batch then run side by side and their statements are merged into multi-row ones
 * (src/store/postgres/pg-batched-writes.ts); on SQLite they run one after the other. Either
 * way each caller must see exactly its own outcome: its message stored with its recipients and
 * bytes, its lease honoured, its journal entries written, a neighbour's failure not its own.
 */
await describeEachDialect('group commit: concurrent outbox writes', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    // Journal entries are written while an endpoint is enabled.
    await enableWebhookEndpoint(t);
  });
  afterAll(async () => {
    await t?.close();
  });
  const store = () => t.app.ports.ctx.store;
  const send = (i: number, extra: Record<string, unknown> = {}) =>
    t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: [`to${i}@example.net`], cc: [`cc${i}@example.net`], subject: `batch ${i}`, text: `body ${i}`, ...extra } });

  it('stores every message of a concurrent burst with its own recipients, and one idempotency key once', async () => {
    const answers = await Promise.all([...Array.from({ length: 40 }, (_, i) => send(i)), send(100, { idempotencyKey: 'twice' }), send(100, { idempotencyKey: 'twice' })]);
    expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 202));
    const ids = answers.map((a) => a.json().id as string);
    expect(ids[40]).toBe(ids[41]);
    expect(new Set(ids).size).toBe(41);
    for (let i = 0; i < 40; i++) {
      const m = await store().repos.messages.get(ids[i]);
      expect(m?.subject).toBe(`batch ${i}`);
      const rcpts = await store().repos.messages.recipients(ids[i]);
      expect(rcpts.map((r) => `${r.kind}:${r.address}`).sort()).toEqual([`cc:cc${i}@example.net`, `to:to${i}@example.net`]);
    }
  });

  it("fails only the caller whose row is refused; its neighbours' rows commit", async () => {
    const [first] = (await store().repos.messages.list({ limit: 1 })).items;
    const template = (await store().repos.messages.get(first.id))!;
    const copy = (id: string): MessageRecord => ({ ...template, id, idempotencyKey: null, idempotencyScope: null });
    const ids = Array.from({ length: 10 }, (_, i) => `msg_batchcopy${String(i).padStart(3, '0')}`);
    const results = await Promise.allSettled([
      ...ids.map((id) => store().grouped((r) => r.messages.insert(copy(id), []))),
      // The same id as an existing message: a duplicate key, for this caller alone.
      store().grouped((r) => r.messages.insert(copy(first.id), [])),
    ]);
    expect(results.slice(0, 10).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results[10].status).toBe('rejected');
    expect((results[10] as PromiseRejectedResult).reason.code).toBe('MAILROOM_E_DUPLICATE');
    for (const id of ids) expect((await store().repos.messages.get(id))?.id).toBe(id);
  });

  it('keeps raw MIME byte for byte (every byte value, as a relayed message carries it)', async () => {
    const [first] = (await store().repos.messages.list({ limit: 1 })).items;
    const template = (await store().repos.messages.get(first.id))!;
    const raw = Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256));
    await Promise.all([
      store().grouped((r) => r.messages.insert({ ...template, id: 'msg_batchraw000', idempotencyKey: null, raw }, [])),
      store().grouped((r) => r.messages.insert({ ...template, id: 'msg_batchraw001', idempotencyKey: null, raw: null }, [])),
    ]);
    expect(Buffer.from((await store().repos.messages.get('msg_batchraw000'))!.raw!)).toEqual(raw);
    expect((await store().repos.messages.get('msg_batchraw001'))!.raw).toBeNull();
  });

  it('records outcomes only under the lease: a lost lease writes nothing, its neighbours everything', async () => {
    const now = Date.now();
    const claimed = await store().grouped((r) => r.messages.claim({ owner: 'worker-a', now: now + 1000, leaseUntil: now + 60_000, limit: 500 }));
    expect(claimed.length).toBeGreaterThanOrEqual(40);
    const write = (m: (typeof claimed)[number], owner: string, i: number): AttemptWrite => ({
      messageId: m.id,
      leaseOwner: owner,
      status: i % 3 === 0 ? 'deferred' : 'sent',
      nextAttemptAt: now + 60_000,
      attemptCount: 1,
      lastError: i % 3 === 0 ? 'try later' : null,
      sentAt: i % 3 === 0 ? null : now,
      accountId: m.accountId,
      serverId: m.serverId,
      recipients: m.pending.map((p) => ({ address: p.address, status: i % 3 === 0 ? 'deferred' : 'accepted', code: i % 3 === 0 ? 451 : 250, enhancedCode: null, response: `reply ${i}` })),
      attempt: { id: `att_batch${String(i).padStart(4, '0')}`, messageId: m.id, at: now, durationMs: 5, accountId: m.accountId, serverId: m.serverId, outcome: i % 3 === 0 ? 'deferred' : 'sent', code: 250, enhancedCode: null, response: `reply ${i}`, possibleDuplicate: null, hint: null, routes: null },
      now,
    });
    const done = await Promise.all(
      claimed.map((m, i) =>
        store().grouped(async (r) => {
          // The first one was taken over by another worker: its write must not land.
          const ok = await r.messages.completeAttempt(write(m, i === 0 ? 'worker-b' : 'worker-a', i));
          if (ok) await r.eventJournal.append([{ id: `evt_batch${String(i).padStart(4, '0')}`, type: 'message.sent', messageId: m.id, at: now, data: '{}' }]);
          return ok;
        }),
      ),
    );
    expect(done[0]).toBe(false);
    expect(done.slice(1).every(Boolean)).toBe(true);
    const lost = (await store().repos.messages.get(claimed[0].id))!;
    expect(lost.status).toBe('sending');
    expect(await store().repos.messages.attempts(claimed[0].id)).toEqual([]);
    // Nor its recipients' outcomes (on PostgreSQL written by the same statement as the messages').
    const untouched = await store().repos.messages.recipients(claimed[0].id);
    expect(untouched.length).toBeGreaterThan(0);
    expect(untouched.every((r) => r.status === 'pending' && r.response === null)).toBe(true);
    for (let i = 1; i < claimed.length; i++) {
      const m = (await store().repos.messages.get(claimed[i].id))!;
      expect(m.status).toBe(i % 3 === 0 ? 'deferred' : 'sent');
      expect(m.leaseOwner).toBeNull();
      const rcpts = await store().repos.messages.recipients(m.id);
      expect(rcpts.every((r) => r.status === (i % 3 === 0 ? 'deferred' : 'accepted') && r.response === `reply ${i}`)).toBe(true);
      const attempts = await store().repos.messages.attempts(m.id);
      expect(attempts.map((a) => a.id)).toEqual([`att_batch${String(i).padStart(4, '0')}`]);
      expect((await store().repos.eventJournal.get(`evt_batch${String(i).padStart(4, '0')}`))?.messageId).toBe(m.id);
    }
    expect(await store().repos.eventJournal.get('evt_batch0000')).toBeUndefined();
  });

  it('applies the suppression list to each accept of a burst, also when its batch is re-run job by job', async () => {
    const now = Date.now();
    for (const address of ['blocked1@example.net', 'blocked2@example.net']) {
      await store().repos.suppressions.add({ address, reason: 'manual', detail: 'asked to stop', sourceMessageId: null, createdBy: 'test', createdAt: now, expiresAt: null });
    }
    const events: { type: string; messageId: string }[] = [];
    const stop = t.app.ports.ctx.events.subscribe((e) => void events.push(e), ['message.suppressed']);
    const post = (to: string[], extra: Record<string, unknown> = {}) => t.request({ method: 'POST', url: '/api/v1/messages', payload: { to, subject: 'suppression burst', text: 'x', ...extra } });
    // One idempotency key twice in the burst: where both meet in one batch, the duplicate key
    // fails it and every job runs again alone, from the same input.
    const answers = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => post(i % 3 === 0 ? ['blocked1@example.net'] : i % 3 === 1 ? ['blocked2@example.net', `fine${i}@example.net`] : [`fine${i}@example.net`])),
      post(['blocked1@example.net', 'blocked2@example.net'], { idempotencyKey: 'burst-twice' }),
      post(['blocked1@example.net', 'blocked2@example.net'], { idempotencyKey: 'burst-twice' }),
    ]);
    stop();
    expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 202));
    const bodies = answers.map((a) => a.json() as { id: string; status: string });
    expect(bodies[12].id).toBe(bodies[13].id);
    for (let i = 0; i < 13; i++) {
      const kind = i === 12 ? 0 : i % 3;
      const rcpts = await store().repos.messages.recipients(bodies[i].id);
      const m = await store().repos.messages.get(bodies[i].id);
      expect(bodies[i].status).toBe(kind === 0 ? 'suppressed' : 'queued');
      expect(m?.status).toBe(kind === 0 ? 'suppressed' : 'queued');
      for (const r of rcpts) {
        expect(r.status).toBe(r.address.startsWith('blocked') ? 'suppressed' : 'pending');
        if (r.address.startsWith('blocked')) expect(r.response).toBe(`${r.address} is suppressed (manual: asked to stop)`);
      }
      if (kind === 0) expect(m?.lastError).toMatch(/^every recipient is on the suppression list: blocked1@example\.net is suppressed/);
      // Published once, after its commit, for each message that had a suppressed recipient.
      expect(events.filter((e) => e.messageId === bodies[i].id)).toHaveLength(kind === 2 ? 0 : 1);
    }
    expect(events).toHaveLength(9);
  });

  it('answers concurrent suppression look-ups each with its own addresses', async () => {
    const now = Date.now();
    for (const address of ['gone1@example.net', 'gone2@example.net']) {
      await store().repos.suppressions.add({ address, reason: 'manual', detail: null, sourceMessageId: null, createdBy: 'test', createdAt: now, expiresAt: null });
    }
    const [a, b, c] = await Promise.all([
      store().repos.suppressions.active(['gone1@example.net', 'ok@example.net'], now),
      store().repos.suppressions.active(['gone2@example.net'], now),
      store().repos.suppressions.active(['ok@example.net'], now),
    ]);
    expect(a.map((s) => s.address)).toEqual(['gone1@example.net']);
    expect(b.map((s) => s.address)).toEqual(['gone2@example.net']);
    expect(c).toEqual([]);
  });
});
