import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InboundWorker } from '../../src/inbound/worker.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { dovecotForFile, readingAccount } from '../helpers/dovecot-per-file.js';
import { imapSession, until } from '../helpers/inbound-mail.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Stopping the IMAP reader in the middle of a sync, against a private Dovecot, with "mark it
 * read" and a poll of a minute: the stop ends within seconds, not at the next poll (it used to
 * report "watching" and wait the whole minute in IDLE: a container's stop timeout then killed
 * it); what it stored is marked \Seen before it ends; the next start reads the rest. The same
 * stop runs when an account saved during a sync restarts its reader: the save applies at once.
 */
const PASSWORD = 'Stop-Secret-3';
/**
 * Enough that the stop and the save come mid-sync with many messages still to read: they came
 * with 23–47 of 300 stored (and 323–326 of 600), so 150 leave over a hundred unread each time.
 */
const COUNT = 150;
/** Far longer than any stop may take: a stop that waited for the poll would take all of it. */
const POLL_MS = 60_000;
const peer = dovecotForFile('mailroom-reader-stop-', { 'stop-sqlite@example.com': PASSWORD, 'stop-postgres@example.com': PASSWORD });

type Mailbox = { accountId: string; folder: string; state: string; lastError: string | null; storedCount: number; lastUid: number };

await describeEachDialect('stopping the IMAP reader mid-sync', (dialect) => {
  if (peer.missing) return;
  const user = `stop-${dialect}@example.com`;
  let t: TestApp;
  let inbound: InboundWorker;
  let accountId: string;
  let version: number;
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const inbox = async (): Promise<Mailbox> => (await api('GET', '/inbound/status')).json().mailboxes.find((b: Mailbox) => b.folder === 'INBOX') ?? { state: 'none', storedCount: 0, lastUid: 0 };
  /** Waits until the reader has stored at least `n` messages. */
  const storedAtLeast = (n: number) => until(`${n} messages stored`, async () => (await inbox()).storedCount >= n, 60_000);
  const subjects = async (): Promise<string[]> => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { subject: string }[]; nextCursor: string | null } = (await api('GET', `/messages?direction=in&limit=500${cursor ? `&cursor=${cursor}` : ''}`)).json();
      all.push(...page.items.map((m) => m.subject));
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  };
  const seenUids = () => imapSession(peer.dovecot, user, PASSWORD, async (c) => (await c.mailboxOpen('INBOX', { readOnly: true }), ((await c.search({ seen: true }, { uid: true })) || []).sort((a, b) => a - b)));
  const appendMany = (first: number, count: number) =>
    // Three sessions at once: APPEND is the slow part of filling a mailbox.
    Promise.all(
      [0, 1, 2].map((lane) =>
        imapSession(peer.dovecot, user, PASSWORD, async (c) => {
          for (let i = first + lane; i < first + count; i += 3) await c.append('INBOX', Buffer.from(`From: s${i}@example.net\r\nTo: ${user}\r\nSubject: stop ${i}\r\nMessage-ID: <stop-${dialect}-${i}@example.net>\r\n\r\nbody ${i}\r\n`));
        }),
      ),
    );
  const timed = async (fn: () => Promise<void>): Promise<number> => {
    const began = Date.now();
    await fn();
    return Date.now() - began;
  };

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    ({ id: accountId, version } = await readingAccount(t, peer, user, PASSWORD, { folders: ['INBOX'], afterProcessing: 'flag' }));
    await appendMany(0, COUNT);
  }, 120_000);
  afterAll(async () => t?.close());

  it('ends within seconds, long before the poll, without claiming to watch, and marks what it stored \\Seen', async () => {
    inbound = await t.app.startInbound({ pollMs: POLL_MS, refreshMs: 600_000, backoffBaseMs: 200, leaseMs: 1_200_000 });
    await storedAtLeast(20);
    const took = await timed(() => inbound.stop());
    const box = await inbox();
    console.log(`[inbound reader stop, ${dialect}] stop() took ${took} ms with ${box.storedCount} of ${COUNT} stored`);
    expect(box.storedCount, 'the sync was over before the stop: nothing was tested').toBeLessThan(COUNT);
    expect(took).toBeLessThan(10_000);
    // It stopped in the middle of its sync: it never said "watching" (the old reader did, then waited the poll out in IDLE).
    expect(box.state).toBe('syncing');
    // Every message it stored is marked, and only those (a fresh folder's UIDs are 1, 2, 3 …).
    expect(box.lastUid).toBe(box.storedCount);
    expect(await seenUids()).toEqual(Array.from({ length: box.lastUid }, (_, i) => i + 1));
  }, 90_000);

  it('reads the rest at the next start: every message stored once, and every one \\Seen', async () => {
    await inbound.start();
    await until('every message stored and the reader watching', async () => {
      const b = await inbox();
      return b.storedCount === COUNT && b.state === 'watching';
    }, 60_000);
    const all = await subjects();
    expect(all.length).toBe(COUNT);
    expect(new Set(all).size).toBe(COUNT);
    expect((await seenUids()).length).toBe(COUNT);
  }, 90_000);

  it('an account saved during a sync restarts its reader within seconds, and the new reader finishes the sync', async () => {
    // Appended while no reader runs, so that the next one has a long sync ahead of it.
    await inbound.stop();
    await appendMany(COUNT, COUNT);
    await inbound.start();
    await storedAtLeast(COUNT + 20);
    const res = await api('PATCH', `/accounts/${accountId}`, { version, fromName: 'Help Desk' });
    expect(res.statusCode, res.body).toBe(200);
    const took = await timed(() => inbound.refresh());
    // Read before the new reader (which has to connect and log in first) stores anything.
    const atRestart = (await inbox()).storedCount;
    console.log(`[inbound reader stop, ${dialect}] refresh() after a save took ${took} ms with ${atRestart} of ${2 * COUNT} stored`);
    expect(atRestart, 'the sync was over before the save: nothing was tested').toBeLessThan(2 * COUNT);
    expect(took).toBeLessThan(10_000);
    await until('every message stored and the reader watching', async () => {
      const b = await inbox();
      return b.storedCount === 2 * COUNT && b.state === 'watching';
    }, 60_000);
    const all = await subjects();
    expect(new Set(all).size).toBe(2 * COUNT);
    expect((await seenUids()).length).toBe(2 * COUNT);
  }, 120_000);
});
