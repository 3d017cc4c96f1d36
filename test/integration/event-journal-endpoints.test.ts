import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/core/kernel/event-journal.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { enableWebhookEndpoint, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The event journal is for the webhook fan-out: its entries are written only while some
 * endpoint is enabled, as the writing transaction sees it (EventJournalRepository.append). With
 * none, writing them only to delete them a second later cost PostgreSQL 8–10 % of the outbox's
 * rate. Both write paths: the group commit (on PostgreSQL one multi-row statement whose
 * condition decides) and a transaction of its own (the plain repository). A test event's entry
 * (`read: true`, its delivery queued by the caller) is always written.
 */
await describeEachDialect('event journal: written while a webhook endpoint is enabled', (dialect) => {
  let t: TestApp;
  let n = 0;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => {
    await t?.close();
  });
  const store = () => t.app.ports.ctx.store;
  const entry = (): JournalEntry => ({ id: `evt_test${String(++n).padStart(4, '0')}`, type: 'message.sent', messageId: null, at: Date.now(), data: '{}' });
  /** Appends one entry through the group commit and one in a transaction of its own; answers which were written. */
  const appendBothWays = async (opts?: { read: boolean }) => {
    const [grouped, alone] = [entry(), entry()];
    // Several callers at once, so that on PostgreSQL the group commit merges them into one statement.
    await Promise.all([grouped, entry(), entry()].map((e) => store().grouped((r) => r.eventJournal.append([e], opts))));
    await store().transaction((r) => r.eventJournal.append([alone], opts));
    return { grouped: (await store().repos.eventJournal.get(grouped.id)) !== undefined, alone: (await store().repos.eventJournal.get(alone.id)) !== undefined };
  };

  it('writes nothing without an endpoint, or with a disabled one; writes once one is enabled; a test event always', async () => {
    expect(await appendBothWays()).toEqual({ grouped: false, alone: false });
    expect(await appendBothWays({ read: true })).toEqual({ grouped: true, alone: true });

    const id = await enableWebhookEndpoint(t, ['message.failed']);
    expect(await appendBothWays()).toEqual({ grouped: true, alone: true });

    const endpoint = (await t.request({ method: 'GET', url: `/api/v1/webhooks/${id}` })).json();
    const off = await t.request({ method: 'PATCH', url: `/api/v1/webhooks/${id}`, payload: { enabled: false, version: endpoint.version } });
    expect(off.statusCode, off.body).toBe(200);
    expect(await appendBothWays()).toEqual({ grouped: false, alone: false });
  });

  it("journals a message's outcome once an endpoint is enabled, and not before", async () => {
    // A suppressed recipient: the dispatcher's outcome (`message.suppressed`) is a journaled event.
    const added = await t.request({ method: 'POST', url: '/api/v1/suppressions', payload: { address: 'gone@example.net', detail: 'asked to stop' } });
    expect(added.statusCode, added.body).toBe(201);
    const dispatcher = await t.app.startDelivery({ loop: false });
    const send = async (subject: string) => {
      const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['gone@example.net'], subject, text: 'x' } });
      expect(res.statusCode, res.body).toBe(202);
      await dispatcher.drain();
      return (await t.app.infra.db.selectFrom('event_journal').select('type').where('message_id', '=', res.json().id).execute()).map((r) => r.type);
    };
    expect(await send('before')).toEqual([]);
    await enableWebhookEndpoint(t);
    expect(await send('after')).toEqual(['message.suppressed']);
  });
});
