import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpServer, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An idle dispatcher polls (for retries and scheduled messages coming due, other processes'
 * work) without opening a transaction each time: it asks first whether anything is due. A
 * message that comes due without anyone waking the dispatcher is still found by the poll and sent.
 */
await describeEachDialect('outbox: idle polls', (dialect) => {
  const POLL_MS = 20;
  let t: TestApp;
  let peer: SmtpPeer;
  const transactions = { grouped: 0, alone: 0 };
  let looks = 0;
  let arrived = 0;

  beforeAll(async () => {
    peer = await startSmtpServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, _session, cb) {
        stream.resume();
        stream.on('end', () => {
          arrived++;
          cb();
        });
      },
    });
    t = await startTestApp(dialect);
    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'relay', smtp: { host: '127.0.0.1', port: peer.port, security: 'none', requireTls: false } } })).json();
    const account = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'app@example.com' } })).json();
    const { version } = (await t.request({ method: 'GET', url: '/api/v1/purposes/alert' })).json();
    const res = await t.request({ method: 'PATCH', url: '/api/v1/purposes/alert', payload: { accountIds: [account.id], version } });
    expect(res.statusCode, res.body).toBe(200);
    // Count what the dispatcher opens: group commits and transactions of their own, and its looks.
    const store = t.app.ports.ctx.store;
    const grouped = store.grouped.bind(store);
    const alone = store.transaction.bind(store);
    store.grouped = ((fn) => (transactions.grouped++, grouped(fn))) as typeof store.grouped;
    store.transaction = ((fn) => (transactions.alone++, alone(fn))) as typeof store.transaction;
    const messages = store.repos.messages;
    const anyDue = messages.anyDue.bind(messages);
    messages.anyDue = (o) => (looks++, anyDue(o));
    await t.app.startDelivery({ pollMs: POLL_MS });
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
  });

  it('looks at an empty queue without a transaction, and sends a scheduled message once it is due', async () => {
    // Settle: the first rounds after the start (recovery, one claim that found nothing).
    await new Promise((r) => setTimeout(r, 300));
    const before = { ...transactions };
    const looksBefore = looks;
    await new Promise((r) => setTimeout(r, 1_000));
    // ~50 polls in that second, every one a look and none a transaction (no other worker of the
    // test app writes while nothing happens; the bound leaves room for one stray).
    expect(looks - looksBefore).toBeGreaterThan(10);
    expect(transactions.grouped - before.grouped + transactions.alone - before.alone).toBeLessThanOrEqual(1);

    // Scheduled 800 ms ahead: accepting wakes the dispatcher, whose claim finds nothing due; the
    // poll's look then sees it come due and claims it.
    const sendAt = new Date(Date.now() + 800).toISOString();
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { purpose: 'alert', to: ['someone@example.net'], subject: 'later', text: 'x', sendAt } });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().id as string;
    await expect.poll(async () => (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json().status, { timeout: 10_000, interval: 50 }).toBe('sent');
    expect(arrived).toBe(1);
    const sentAt = Date.parse((await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json().sentAt);
    expect(sentAt).toBeGreaterThanOrEqual(Date.parse(sendAt));
  });
});
