import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import type { MessageEvent } from '../../src/core/kernel/message-events.js';
import type { MessageRecord } from '../../src/core/outbox/ports.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Bulk cancel and retry (POST /messages/cancel|retry) over more messages than one transaction
 * takes: every message changes once, with its event and its own expiry, a message that changed
 * meanwhile is left alone, and an application's message accepted during the call is answered
 * before the call ends (on SQLite the whole call once held the event loop: seconds at 10,000).
 */
const COUNT = 260;
const HOUR = 3_600_000;

await describeEachDialect('bulk cancel and retry in chunks', (dialect) => {
  let t: TestApp;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8));
  const events: MessageEvent[] = [];
  const ids: string[] = [];

  const post = (url: string, payload?: Record<string, unknown>) => t.request({ method: 'POST', url, payload });
  const get = async (id: string) => (await t.app.ports.ctx.store.repos.messages.get(id)) as MessageRecord;

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { MAILROOM_MAIL_DRIVER: 'log' } });
    t.app.ports.ctx.events.subscribe((e) => void events.push(e), ['message.cancelled', 'message.retried']);
    const sendAt = new Date(clock.now() + HOUR).toISOString();
    for (let i = 0; i < COUNT; i++) {
      // Two lifetimes: the purpose's default, and one given by the application (expireAt).
      const own = i % 2 ? { expireAt: new Date(clock.now() + 3 * HOUR).toISOString() } : {};
      const res = await post('/api/v1/messages', { purpose: 'report', to: [`r${i}@example.net`], subject: `Report ${i}`, text: 'x', sendAt, ...own });
      expect(res.statusCode).toBe(202);
      ids.push(res.json().id);
    }
  });
  afterAll(async () => t?.close());

  it('cancels every queued message once, each with its event, while accepts are answered', async () => {
    const bulk = post('/api/v1/messages/cancel', { filter: { purpose: 'report', status: 'queued' } }).then((r) => ({ r, at: performance.now() }));
    // An application's message while the bulk call runs.
    await new Promise((r) => setImmediate(r));
    const code = await post('/api/v1/messages', { purpose: 'two_factor', to: ['me@example.net'], subject: 'Code', text: '123456' });
    const codeAt = performance.now();
    const { r, at } = await bulk;
    expect(code.statusCode).toBe(202);
    expect(r.json()).toEqual({ count: COUNT, more: false, next: null, sending: 0 });
    // SQLite commits on the event loop: a call that held it to the end answered the code after
    // itself. PostgreSQL holds nothing there; the code's commit and the last chunk's race on two
    // connections, so their order there says nothing (a loaded machine saw the code 18 ms later).
    if (dialect === 'sqlite') expect(codeAt).toBeLessThan(at);
    for (const id of ids) expect((await get(id)).status).toBe('cancelled');
    const cancelled = events.filter((e) => e.type === 'message.cancelled');
    expect(new Set(cancelled.map((e) => e.messageId))).toEqual(new Set(ids));
    expect(cancelled).toHaveLength(COUNT);
    expect(cancelled[0]).toMatchObject({ reason: expect.stringContaining('cancelled by'), facts: { purpose: 'report', attemptCount: 0 } });
    // Nothing left to cancel: a second call changes nothing.
    expect((await post('/api/v1/messages/cancel', { filter: { purpose: 'report' } })).json()).toEqual({ count: 0, more: false, next: null, sending: 0 });
  });

  it('retries every cancelled message with its own lifetime again, counted from the retry', async () => {
    clock.advance(24 * HOUR);
    const before = new Map<string, MessageRecord>();
    for (const id of ids) before.set(id, await get(id));
    const res = await post('/api/v1/messages/retry', { filter: { purpose: 'report', status: 'cancelled' } });
    expect(res.json()).toEqual({ count: COUNT, more: false, next: null });
    const expiries = new Set<number>();
    for (const id of ids) {
      const was = before.get(id) as MessageRecord;
      const m = await get(id);
      const lifetime = Math.max(was.lifetimeMs ?? was.expireAt - was.sendAt, 60_000);
      expect(m).toMatchObject({ status: 'queued', nextAttemptAt: clock.now(), expireAt: Math.max(was.expireAt, clock.now() + lifetime), lastError: null });
      expiries.add(m.expireAt);
    }
    expect(expiries.size).toBe(2);
    const retried = events.filter((e) => e.type === 'message.retried');
    expect(new Set(retried.map((e) => e.messageId))).toEqual(new Set(ids));
    expect(retried).toHaveLength(COUNT);
    // Recipients go back to pending with the message.
    expect((await t.app.ports.ctx.store.repos.messages.recipients(ids[0] as string))[0]?.status).toBe('pending');
  });

  it('moves only the messages still in a status it may move from: a change meanwhile loses cleanly', async () => {
    const [first, second, third] = ids as [string, string, string];
    expect((await post(`/api/v1/messages/${first}/cancel`)).statusCode).toBe(200);
    // What a chunk does after its list was read: the cancelled one is not moved again, nor counted.
    const repos = t.app.ports.ctx.store.repos;
    const moved = await repos.messages.transition([first, second, third, 'msg_missing'], ['queued', 'deferred'], { status: 'cancelled', now: clock.now(), lastError: 'test' });
    expect(moved.sort()).toEqual([second, third].sort());
    expect((await get(first)).lastError).toMatch(/^cancelled by /);
    const [summary, ...none] = await repos.messages.summaries([first, 'msg_missing']);
    expect(none).toEqual([]);
    expect(summary).toMatchObject({ id: first, status: 'cancelled', purpose: 'report' });
    // Without the content: a chunk of large messages is not read into memory.
    expect(summary).not.toHaveProperty('text');
    expect((await post('/api/v1/messages/cancel', { filter: { purpose: 'report', status: 'queued' } })).json()).toEqual({ count: COUNT - 3, more: false, next: null, sending: 0 });
  });
});
