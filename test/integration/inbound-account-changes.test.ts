import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InboundWorker } from '../../src/inbound/worker.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { dovecotForFile, readingAccount } from '../helpers/dovecot-per-file.js';
import { append, composeReply, folderState, until } from '../helpers/inbound-mail.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A reader follows its account's changes without waiting for its connection to drop: against a
 * private Dovecot, a reader connected with "leave it as it is" marks the next message \Seen once
 * the account says "flag"; a wrong new password makes it fail at once (the old connection would
 * have gone on reading), and the right one brings it back. The worker's refresh is called
 * directly (it also runs every 30 s).
 */
const PASSWORD = 'Changes-Secret-9';
const peer = dovecotForFile('mailroom-changes-', { 'changes-sqlite@example.com': PASSWORD, 'changes-postgres@example.com': PASSWORD });

type Mailbox = { accountId: string; folder: string; state: string; lastError: string | null };

await describeEachDialect('the IMAP reader follows account changes', (dialect) => {
  if (peer.missing) return;
  const user = `changes-${dialect}@example.com`;
  let t: TestApp;
  let inbound: InboundWorker;
  let accountId: string;
  let version: number;
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const stored = async (): Promise<string[]> => (await api('GET', '/messages?direction=in&limit=100')).json().items.map((m: { subject: string }) => m.subject);
  const reader = async (): Promise<Mailbox | undefined> => (await api('GET', '/inbound/status')).json().mailboxes.find((b: Mailbox) => b.accountId === accountId);
  const patch = async (body: Record<string, unknown>) => {
    const res = await api('PATCH', `/accounts/${accountId}`, { ...body, version });
    expect(res.statusCode, res.body).toBe(200);
    version = res.json().version;
    await inbound.refresh();
  };
  const mail = (subject: string) => composeReply({ from: 'pat@example.net', to: user, subject, text: 'Hello', inReplyTo: '<none@example.net>' });

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    ({ id: accountId, version } = await readingAccount(t, peer, user, PASSWORD, { folders: ['INBOX'], afterProcessing: 'none' }));
    // A quick poll but no periodic refresh: a connected reader syncs every 300 ms with the account
    // as it was when it connected, so only a restart by the explicit refresh applies a change.
    inbound = await t.app.startInbound({ pollMs: 300, refreshMs: 600_000, backoffBaseMs: 200, leaseMs: 10_000 });
  }, 60_000);
  afterAll(async () => t?.close());

  it('applies a new "after processing" to the next message without waiting for a reconnect', async () => {
    await append(peer.dovecot, user, PASSWORD, 'INBOX', await mail('first'));
    await until('the first message', async () => (await stored()).includes('first'));
    expect((await folderState(peer.dovecot, user, PASSWORD, 'INBOX')).seen).toBe(0);

    await patch({ inbound: { folders: ['INBOX'], afterProcessing: 'flag' } });
    await until('the restarted reader to watch', async () => (await reader())?.state === 'watching');
    await append(peer.dovecot, user, PASSWORD, 'INBOX', await mail('second'));
    await until('the second message', async () => (await stored()).includes('second'));
    // Only the message stored after the change is marked: the first was processed under "none".
    await until('the second message to be marked \\Seen', async () => (await folderState(peer.dovecot, user, PASSWORD, 'INBOX')).seen === 1);
    expect((await stored()).sort()).toEqual(['first', 'second']);
  });

  it('logs in again with new credentials: a wrong password fails now, the right one reads again', async () => {
    await patch({ password: 'not-the-password' });
    const failing = await until('the reader to fail with the new password', async () => {
      const r = await reader();
      return r?.state === 'failing' && r;
    });
    expect(failing.lastError).toMatch(/auth|login|credentials/i);

    await patch({ password: PASSWORD });
    await until('the reader to watch again', async () => (await reader())?.state === 'watching');
    await append(peer.dovecot, user, PASSWORD, 'INBOX', await mail('third'));
    await until('the third message', async () => (await stored()).includes('third'));
    expect((await stored()).sort()).toEqual(['first', 'second', 'third']);
  });

  it('a folder nobody reads any more says idle, not the last state of its reader; reading on again goes on from its cursor', async () => {
    // Failing first (a wrong password), so a stale state would be one an operator alerts on.
    await patch({ password: 'not-the-password' });
    await until('the reader to fail', async () => (await reader())?.state === 'failing');
    await patch({ password: PASSWORD, inbound: { enabled: false, folders: ['INBOX'], afterProcessing: 'flag' } });
    expect(inbound.reading()).toEqual([]);
    expect(await reader()).toMatchObject({ state: 'idle', lastError: null, nextAttemptAt: null });

    await append(peer.dovecot, user, PASSWORD, 'INBOX', await mail('fourth'));
    await patch({ inbound: { enabled: true, folders: ['INBOX'], afterProcessing: 'flag' } });
    await until('the fourth message', async () => (await stored()).includes('fourth'));
    expect((await stored()).sort()).toEqual(['first', 'fourth', 'second', 'third']);
    // The round that stored it reports `watching` once it ends (read too early, under load, it was still `syncing`).
    expect(await until('the reader to end its round', async () => {
      const r = await reader();
      return r?.state !== 'syncing' && r;
    })).toMatchObject({ state: 'watching', lastError: null });
  });
});
