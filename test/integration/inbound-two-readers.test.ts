import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/dialects.js';
import { haveDovecot, type DovecotInstance } from '../helpers/diagnostics-peers.js';
import { append, composeReply } from '../helpers/inbound-mail.js';
import type { TestApp } from '../helpers/test-app.js';
import { twoInboundProcesses, type TwoInboundProcesses } from '../helpers/two-inbound-processes.js';

/**
 * Two processes on one PostgreSQL database, both with inbound reading on (as two `mailroom
 * start` would be): each folder is read by one of them at a time, through its lease in the
 * database. Mail that arrives while both run is stored once; when the holder stops, the other
 * takes the folder over and what arrives next is stored once too.
 */
const PASSWORD = 'Two-Readers-9';
const USER = 'shared@example.com';
const missing = !haveDovecot();
if (missing && process.env.CI === 'true') throw new Error('CI=true but Dovecot (run as root) is not available');
const pgOk = await postgresAvailable();

describe.skipIf(missing || !pgOk)('one reader per mailbox across processes [postgres]', () => {
  let peers: TwoInboundProcesses;
  let dovecot: DovecotInstance;
  let a: TestApp;
  let b: TestApp;
  let accountId: string;
  const tuning = { pollMs: 200, refreshMs: 200, backoffBaseMs: 200, leaseMs: 3_000 };

  beforeAll(async () => {
    peers = await twoInboundProcesses(USER, PASSWORD);
    ({ dovecot, a, b, accountId } = peers);
    // a first, so that it holds the lease when b starts wanting the folder too.
    await a.app.startInbound(tuning);
  }, 60_000);
  afterAll(async () => peers?.close());

  const mail = (i: number) => composeReply({ from: `sender${i}@example.net`, to: USER, subject: `note ${i}`, text: `note ${i}`, inReplyTo: `<none-${i}@example.net>` });
  const stored = async (t: TestApp) => (await t.request({ method: 'GET', url: '/api/v1/messages?direction=in&limit=500' })).json().items.map((m: { subject: string }) => m.subject).sort();
  const holder = async () => (await b.app.infra.db.selectFrom('inbound_mailboxes').select('lease_owner').where('account_id', '=', accountId).where('folder', '=', 'INBOX').executeTakeFirst())?.lease_owner ?? null;
  const subjects = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => `note ${from + k}`).sort();

  it('stores what arrives once while both processes want the folder', async () => {
    await expect.poll(holder, { timeout: 20_000 }).not.toBeNull();
    const first = await holder();
    await b.app.startInbound(tuning);
    await append(dovecot, USER, PASSWORD, 'INBOX', ...(await Promise.all(Array.from({ length: 20 }, (_, i) => mail(i)))));
    await expect.poll(async () => (await stored(b)).length, { timeout: 30_000 }).toBe(20);
    // b polled every 200 ms for over a lease's length meanwhile; it never took the folder.
    await new Promise((r) => setTimeout(r, tuning.leaseMs));
    expect(await holder()).toBe(first);
    expect(await stored(b)).toEqual(subjects(0, 20));
  });

  it('hands the folder to the other process when the holder stops, and stores the next mail once', async () => {
    const first = await holder();
    // The process stops (its reader gives the lease back); the database stays, it is b's too.
    await a.server.close();
    await a.app.close();
    await expect.poll(async () => { const h = await holder(); return h !== null && h !== first; }, { timeout: 20_000 }).toBe(true);
    await append(dovecot, USER, PASSWORD, 'INBOX', ...(await Promise.all(Array.from({ length: 5 }, (_, i) => mail(20 + i)))));
    await expect.poll(async () => (await stored(b)).length, { timeout: 30_000 }).toBe(25);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await stored(b)).toEqual(subjects(0, 25));
  });
});
