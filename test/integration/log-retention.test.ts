import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { applyRetention } from '../../src/core/outbox/retention.service.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { createLogger } from '../../src/logger.js';
import { retentionWorker } from '../../src/retention/worker.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import type { WebhookRunner } from '../../src/webhooks/runner.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The email log's retention (settings.retention): off by default; with `days` set, finished
 * messages whose last change is older are deleted with their recipients, attempts and search
 * index entries, in chunks, while queued ones, ones changed lately and ones inside the
 * soft-bounce window stay; the subject search stays right on both dialects.
 */
const DAY = 86_400_000;

await describeEachDialect('email log retention', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  // Ahead of the real time, and of the other dialect's run in this process: ids carry the time
  // they were made at but never step back below an id already made (ids.ts), so a clock behind
  // one that made ids before would give them that later time.
  const clock = new ManualClock(Math.ceil(Date.now() / DAY) * DAY + (dialect === 'sqlite' ? 1 : 1000) * DAY);
  const ids: Record<string, string> = {};

  const req = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => t.request({ method, url, payload: payload as Record<string, unknown> });
  const send = async (name: string, extra: Record<string, unknown> = {}) => {
    const res = await req('POST', '/api/v1/messages', { to: [`${name}@example.net`], subject: `Retention ${name} ${dialect}`, text: 'x', ...extra });
    expect(res.statusCode).toBe(202);
    ids[name] = res.json().id;
  };
  const status = async (name: string) => {
    const res = await req('GET', `/api/v1/messages/${ids[name]}`);
    return res.statusCode === 404 ? 'gone' : (res.json().status as string);
  };
  const rowsOf = async (table: 'message_recipients' | 'attempts', name: string) => (await t.app.infra.db.selectFrom(table).select('message_id').where('message_id', '=', ids[name]).execute()).length;
  const search = async (text: string) => (await req('GET', `/api/v1/messages?q=${encodeURIComponent(text)}&limit=100`)).json().items.map((m: { id: string }) => m.id);

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { MAILROOM_MAIL_DRIVER: 'log' } });
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => t?.close());

  it('keeps every message by default, and refuses a retention it cannot keep', async () => {
    expect((await req('GET', '/api/v1/settings')).json().retention).toMatchObject({ value: { days: null }, source: 'default' });
    for (const [body, field] of [
      [{ days: 6 }, 'retention.days'],
      [{ days: 3651 }, 'retention.days'],
      [{ days: '30' }, 'retention.days'],
      [{ days: 30.5 }, 'retention.days'],
      [{}, 'retention'],
      [{ days: 30, messages: true }, 'retention'],
    ] as const) {
      const res = await req('PATCH', '/api/v1/settings', { retention: body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.details.field ?? res.json().error.message).toContain(field);
    }
    expect((await req('GET', '/api/v1/settings')).json().retention.value).toEqual({ days: null });
  });

  it('deletes what it no longer keeps, in chunks, and nothing else', async () => {
    // Day 0: two delivered (logged), one cancelled, one scheduled a year ahead, one cancelled and retried later.
    await send('logged1');
    await send('logged2');
    await send('cancelled', { sendAt: new Date(clock.now() + DAY).toISOString() });
    await send('scheduled', { sendAt: new Date(clock.now() + 400 * DAY).toISOString() });
    await send('retried', { sendAt: new Date(clock.now() + DAY).toISOString() });
    for (const name of ['cancelled', 'retried']) expect((await req('POST', `/api/v1/messages/${ids[name]}/cancel`)).statusCode).toBe(200);
    await dispatcher.drain();
    expect(await status('logged1')).toBe('logged');
    expect(await rowsOf('message_recipients', 'logged1')).toBe(1);
    expect(await rowsOf('attempts', 'logged1')).toBe(1);

    // Kept forever by default: a pass deletes nothing, whatever the age.
    clock.advance(40 * DAY);
    expect(await applyRetention(t.app.ports.ctx)).toEqual({ messages: 0, events: 0, webhookDeliveries: 0, cutoff: null });

    // Day 40: the retried message goes out now, a new one comes in; the SQLite index reaches them all.
    expect((await req('POST', `/api/v1/messages/${ids.retried}/retry`)).statusCode).toBe(200);
    clock.advance(2 * DAY);
    await send('recent');
    await dispatcher.drain();
    expect(await status('retried')).toBe('logged');
    await t.app.ports.ctx.store.transaction((r) => r.messages.catchUpSearchIndex(10_000));
    expect(await search(`Retention logged1 ${dialect}`)).toEqual([ids.logged1]);

    // 30 days, but soft bounces counted over 60: nothing inside the window goes.
    expect((await req('PATCH', '/api/v1/settings', { retention: { days: 30 }, softBounces: { windowDays: 60 } })).statusCode).toBe(200);
    expect((await applyRetention(t.app.ports.ctx)).messages).toBe(0);
    expect((await req('PATCH', '/api/v1/settings', { softBounces: { windowDays: 7 } })).statusCode).toBe(200);

    // Chunks of two: the five messages made before the cut-off are looked at in two full chunks
    // and a last one of one; the caller is asked after each full one.
    let asked = 0;
    const pass = await applyRetention(t.app.ports.ctx, {
      chunk: 2,
      between: async () => {
        asked++;
        return true;
      },
    });
    expect(pass).toEqual({ messages: 3, events: 0, webhookDeliveries: 0, cutoff: clock.now() - 30 * DAY });
    expect(asked).toBe(2);
    for (const name of ['logged1', 'logged2', 'cancelled']) {
      expect(await status(name)).toBe('gone');
      expect(await rowsOf('message_recipients', name)).toBe(0);
      expect(await rowsOf('attempts', name)).toBe(0);
    }
    // Queued however old, finished lately though made long ago, and new: kept.
    expect(await status('scheduled')).toBe('queued');
    expect(await status('retried')).toBe('logged');
    expect(await status('recent')).toBe('logged');
    expect((await applyRetention(t.app.ports.ctx)).messages).toBe(0);

    // The search finds none of the deleted, still finds the rest, and its index matches the table.
    expect(await search(`Retention logged1 ${dialect}`)).toEqual([]);
    expect(await search(`Retention retried ${dialect}`)).toEqual([ids.retried]);
    expect(await search(dialect)).toEqual([ids.recent, ids.retried, ids.scheduled]);
    if (dialect === 'sqlite') {
      await sql`insert into message_subject_search (message_subject_search) values ('integrity-check')`.execute(t.app.infra.db);
    } else {
      const copies = await sql<{ message_id: string }>`select message_id from message_subjects order by message_id`.execute(t.app.infra.db);
      expect(copies.rows.map((r) => r.message_id)).toEqual([ids.scheduled, ids.retried, ids.recent].sort());
    }

    // One audit entry for the pass, by the system.
    const entries = (await req('GET', '/api/v1/audit?action=message.retention_delete')).json().items;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: 'system', after: { messages: 3, events: 0, webhookDeliveries: 0, lastChangeBefore: new Date(clock.now() - 30 * DAY).toISOString() } });
  });

  it('keeps searching new mail after the newest old message went (SQLite hands out no rowid twice)', async () => {
    // Every message is old now: the newest of them stays, so a new one lands above the index's mark.
    clock.advance(100 * DAY);
    await applyRetention(t.app.ports.ctx);
    const left = (await req('GET', '/api/v1/messages?limit=100')).json().items.map((m: { id: string }) => m.id);
    expect(left).toEqual(dialect === 'sqlite' ? [ids.recent, ids.scheduled] : [ids.scheduled]);
    await send('after');
    await dispatcher.drain();
    await t.app.ports.ctx.store.transaction((r) => r.messages.catchUpSearchIndex(10_000));
    expect(await search(`Retention after ${dialect}`)).toEqual([ids.after]);
  });

  it('runs in the background once started, and stops cleanly', async () => {
    clock.advance(100 * DAY);
    // 'after' is old now; a new message keeps SQLite's newest row from being 'after'.
    await send('newer');
    await dispatcher.drain();
    const worker = retentionWorker(t.app.ports.ctx, createLogger('silent'), { firstPassMs: 1, intervalMs: 50 });
    await worker.start();
    try {
      const deadline = Date.now() + 10_000;
      while ((await status('after')) !== 'gone' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await worker.stop();
    }
    expect(await status('after')).toBe('gone');
    expect(await status('newer')).toBe('logged');
  });
});

await describeEachDialect('webhook delivery retention', (dialect) => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let runner: WebhookRunner;
  // After every clock of the block above (ids never step back: see there).
  const clock = new ManualClock(Math.ceil(Date.now() / DAY) * DAY + (dialect === 'sqlite' ? 2000 : 3000) * DAY);
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const journaled = async (eventId: string) => (await t.app.infra.db.selectFrom('event_journal').select('id').where('id', '=', eventId).execute()).length;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp(dialect, { clock, env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1', MAILROOM_MAIL_DRIVER: 'log' } });
    runner = await t.app.startWebhooks({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('deletes finished deliveries with their attempts and the payloads no delivery needs; a waiting one stays', async () => {
    const e = (await api('POST', '/webhooks', { url: receiver.url, events: ['message.sent'] })).json();
    receiver.secrets = [e.secret];
    // Day 0: a test delivery that succeeds, and its replay; another that fails and waits for a retry.
    const done = (await api('POST', `/webhooks/${e.id}/test`)).json().deliveryId as string;
    await runner.drain();
    const replay = (await api('POST', `/webhooks/${e.id}/deliveries/${done}/replay`)).json().id as string;
    await runner.drain();
    receiver.reply = () => ({ status: 503 });
    const waiting = (await api('POST', `/webhooks/${e.id}/test`)).json().deliveryId as string;
    await runner.drain();
    const delivery = async (id: string) => api('GET', `/webhooks/${e.id}/deliveries/${id}`);
    const doneEvent = (await delivery(done)).json().eventId as string;
    const waitingEvent = (await delivery(waiting)).json().eventId as string;
    expect((await delivery(done)).json().status).toBe('succeeded');
    expect((await delivery(replay)).json()).toMatchObject({ status: 'succeeded', eventId: doneEvent });
    expect((await delivery(waiting)).json().status).toBe('pending');

    clock.advance(40 * DAY);
    expect((await api('PATCH', '/settings', { retention: { days: 30 } })).statusCode).toBe(200);
    expect(await applyRetention(t.app.ports.ctx)).toEqual({ messages: 0, events: 0, webhookDeliveries: 2, cutoff: clock.now() - 30 * DAY });
    expect((await delivery(done)).statusCode).toBe(404);
    expect((await delivery(replay)).statusCode).toBe(404);
    expect(await t.app.infra.db.selectFrom('webhook_attempts').select('id').where('delivery_id', 'in', [done, replay]).execute()).toEqual([]);
    expect(await journaled(doneEvent)).toBe(0);
    // Still waiting for its retry: kept with its payload, and delivered when the receiver answers.
    expect((await delivery(waiting)).json().status).toBe('pending');
    expect(await journaled(waitingEvent)).toBe(1);
    receiver.reply = () => ({ status: 204 });
    await t.app.ports.ctx.store.transaction((r) => r.webhookDeliveries.pullForward(e.id, clock.now(), 100));
    await runner.drain();
    expect((await delivery(waiting)).json().status).toBe('succeeded');
    const audit = (await api('GET', '/audit?action=message.retention_delete')).json().items;
    expect(audit[0]).toMatchObject({ actor: 'system', after: { messages: 0, events: 0, webhookDeliveries: 2 } });
  });
});

await describeEachDialect('event retention', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  // After every clock of the blocks above (ids never step back: see there).
  const clock = new ManualClock(Math.ceil(Date.now() / DAY) * DAY + (dialect === 'sqlite' ? 4000 : 5000) * DAY);
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const raise = async (id: string, type: string, data: Record<string, unknown>, recipients?: Record<string, string[]>) => {
    const res = await api('POST', '/events', { id, type, data, ...(recipients ? { recipients } : {}) });
    expect(res.statusCode, res.body).toBe(202);
    return res.json() as { duplicate: boolean; matches: { messageIds: string[] }[] };
  };
  const eventStatus = async (id: string) => (await api('GET', `/events/${id}`)).statusCode;
  const answered = async () => (await t.app.infra.db.selectFrom('auto_replies').select('address').execute()).map((r) => r.address);

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    dispatcher = await t.app.startDelivery({ loop: false });
    expect((await api('POST', '/rules', { name: 'Approvers', events: ['access.request.created'], recipients: { roles: ['approver'] }, template: 'access_request' })).statusCode).toBe(201);
    expect((await api('PATCH', '/settings', { contactAutoReply: { enabled: true, subject: 'Re: {subject}', body: 'Hello {name}.' } })).statusCode).toBe(200);
  });
  afterAll(async () => t?.close());

  it('deletes an event once none of its messages is left, with the auto-reply memory; an event with mail still queued stays', async () => {
    const request = { company: 'Acme', requester: { name: 'Rita', email: 'rita@acme.test' }, resource: { name: 'Wiki' }, reason: 'r', review_url: 'https://app.example.com/ar/1' };
    // Day 0: an event whose mail goes out, one whose mail is scheduled a year ahead, one no rule
    // matches, and a contact form answered (its address remembered for the day's limit).
    const sent = await raise('ev-sent', 'access.request.created', request, { approver: ['abe@acme.test'] });
    const waiting = (await raise('ev-waiting', 'access.request.created', request, { approver: ['olga@acme.test'] })).matches[0].messageIds[0];
    // Its mail is not due before next year (as if the server had deferred it): queued, never deleted.
    await t.app.infra.db.updateTable('messages').set({ next_attempt_at: clock.now() + 400 * DAY }).where('id', '=', waiting).execute();
    await raise('ev-unmatched', 'nobody.listens', { n: 1 });
    await raise('ev-contact', 'contact.submitted', { name: 'Ann', email: 'ann@example.net', subject: 'Hi' });
    expect(await answered()).toEqual(['ann@example.net']);
    await dispatcher.drain();
    expect((await api('GET', `/messages/${sent.matches[0].messageIds[0]}`)).json().status).toBe('logged');
    expect((await api('GET', `/messages/${waiting}`)).json().status).toBe('queued');

    clock.advance(40 * DAY);
    // A new message keeps SQLite's newest row from being one of the old (see above), a new event stays.
    expect((await api('POST', '/messages', { to: ['new@example.net'], subject: 'New', text: 'x' })).statusCode).toBe(202);
    await raise('ev-new', 'nobody.listens', { n: 0 });
    expect((await api('PATCH', '/settings', { retention: { days: 30 } })).statusCode).toBe(200);
    const pass = await applyRetention(t.app.ports.ctx, { chunk: 1 });
    // Chunks of one: the walk goes on past an event it keeps.
    expect(pass).toMatchObject({ messages: 2, events: 3 });
    for (const id of ['ev-sent', 'ev-unmatched', 'ev-contact']) expect(await eventStatus(id), id).toBe(404);
    expect(await eventStatus('ev-waiting')).toBe(200);
    expect(await eventStatus('ev-new')).toBe(200);
    expect((await api('GET', '/events/ev-waiting')).json().messages).toEqual([expect.objectContaining({ id: waiting, status: 'queued' })]);
    expect(await answered()).toEqual([]);
    const audit = (await api('GET', '/audit?action=message.retention_delete')).json().items;
    expect(audit[0]).toMatchObject({ actor: 'system', after: { events: 3 } });
    // The same id again is a new event now, as an idempotency key of a deleted message is.
    expect((await raise('ev-unmatched', 'nobody.listens', { n: 2 })).duplicate).toBe(false);
  });
});
