import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/dialects.js';
import { haveDovecot, type DovecotInstance } from '../helpers/diagnostics-peers.js';
import { append, composeReply } from '../helpers/inbound-mail.js';
import type { TestApp } from '../helpers/test-app.js';
import { twoInboundProcesses, type TwoInboundProcesses } from '../helpers/two-inbound-processes.js';

/**
 * A first sync that takes longer than the reader's lease (a mailbox with thousands of messages):
 * the reader renews its lease while it stores, so a second process never takes the folder over
 * in the middle of it (which made the first one fail with "another process took this mailbox
 * over" and start again after a pause, every lease length).
 */
const PASSWORD = 'Long-Sync-9';
const USER = 'bulk@example.com';
const missing = !haveDovecot();
if (missing && process.env.CI === 'true') throw new Error('CI=true but Dovecot (run as root) is not available');
const pgOk = await postgresAvailable();

describe.skipIf(missing || !pgOk)('a sync longer than the lease [postgres]', () => {
  let peers: TwoInboundProcesses;
  let dovecot: DovecotInstance;
  let a: TestApp;
  let b: TestApp;
  let accountId: string;
  const tuning = { pollMs: 200, refreshMs: 200, backoffBaseMs: 200, leaseMs: 1_500 };

  beforeAll(async () => {
    peers = await twoInboundProcesses(USER, PASSWORD);
    ({ dovecot, a, b, accountId } = peers);
  }, 60_000);
  afterAll(async () => peers?.close());

  it('keeps the folder through a sync longer than the lease', async () => {
    const n = 40;
    await append(dovecot, USER, PASSWORD, 'INBOX', ...(await Promise.all(Array.from({ length: n }, (_, i) => composeReply({ from: `s${i}@example.net`, to: USER, subject: `bulk ${i}`, text: 'x', inReplyTo: `<none-${i}@example.net>` })))));
    // a stores slowly (100 ms a message: 4 s, over two leases).
    const store = a.app.ports.ctx.store;
    const transaction = store.transaction.bind(store);
    store.transaction = (async (fn: Parameters<typeof transaction>[0]) => {
      await new Promise((r) => setTimeout(r, 100));
      return transaction(fn);
    }) as typeof store.transaction;
    const holder = async () => (await a.app.infra.db.selectFrom('inbound_mailboxes').select('lease_owner').where('account_id', '=', accountId).where('folder', '=', 'INBOX').executeTakeFirst())?.lease_owner ?? null;
    try {
      await a.app.startInbound(tuning);
      await expect.poll(holder, { timeout: 20_000 }).not.toBeNull();
      const first = await holder();
      await b.app.startInbound(tuning);
      const owners = new Set<string | null>();
      const end = Date.now() + 30_000;
      for (;;) {
        owners.add(await holder());
        const count = (await a.request({ method: 'GET', url: '/api/v1/messages?direction=in&limit=500' })).json().items.length;
        if (count === n || Date.now() > end) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const subjects = (await a.request({ method: 'GET', url: '/api/v1/messages?direction=in&limit=500' })).json().items.map((m: { subject: string }) => m.subject);
      expect(new Set(subjects).size).toBe(n);
      expect(subjects.length).toBe(n);
      expect([...owners]).toEqual([first]);
      expect(a.logLines.join('\n')).not.toContain('took this mailbox over');
    } finally {
      store.transaction = transaction;
    }
  }, 90_000);
});
