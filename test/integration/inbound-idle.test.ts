import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { dovecotForFile, readingAccount } from '../helpers/dovecot-per-file.js';
import { append, composeReply, until as poll } from '../helpers/inbound-mail.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * New mail arrives through IDLE, not the poll: against a private Dovecot, a reader whose poll
 * interval is ten minutes still stores each message appended while it waits, one after the
 * other (IDLE is entered again after every sync). Only the server's EXISTS during IDLE can wake
 * it that early.
 */
const PASSWORD = 'Idle-Secret-9';
const peer = dovecotForFile('mailroom-idle-', { 'idle-sqlite@example.com': PASSWORD, 'idle-postgres@example.com': PASSWORD });

/** inbound-mail's until, with 30 s to wait rather than 20. */
const until = <T>(what: string, fn: () => Promise<T | undefined | false>) => poll(what, fn, 30_000);

await describeEachDialect('the IMAP reader waits in IDLE', (dialect) => {
  if (peer.missing) return;
  const user = `idle-${dialect}@example.com`;
  let t: TestApp;
  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const stored = async (): Promise<string[]> => (await api('GET', '/messages?direction=in&limit=100')).json().items.map((m: { subject: string }) => m.subject);
  const mail = (subject: string) => composeReply({ from: 'pat@example.net', to: user, subject, text: 'Hello', inReplyTo: '<none@example.net>' });

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    await readingAccount(t, peer, user, PASSWORD, { folders: ['INBOX'] });
    await t.app.startInbound({ pollMs: 600_000, refreshMs: 600_000, backoffBaseMs: 200, leaseMs: 1_200_000 });
    await until('the reader to watch', async () => (await api('GET', '/inbound/status')).json().mailboxes[0]?.state === 'watching');
  }, 60_000);
  afterAll(async () => t?.close());

  it('stores each message appended while it waits, long before the next poll', async () => {
    await append(peer.dovecot, user, PASSWORD, 'INBOX', await mail('first'));
    await until('the first message', async () => (await stored()).includes('first'));
    await append(peer.dovecot, user, PASSWORD, 'INBOX', await mail('second'));
    await until('the second message', async () => (await stored()).includes('second'));
    expect((await stored()).sort()).toEqual(['first', 'second']);
  });
});
