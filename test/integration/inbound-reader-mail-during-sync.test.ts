import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { imapCommandProxy, uidStoreTag } from '../helpers/imap-command-proxy.js';
import { dovecotForFile } from '../helpers/dovecot-per-file.js';
import { append, composeReply, until } from '../helpers/inbound-mail.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Mail that arrives while a sync runs. The server says so at once (an untagged EXISTS in the
 * answer to the reader's next command), but that sync has listed what it reads already, and
 * the IDLE after it hears nothing more: the reader must remember the notice and sync again,
 * not leave the message for the next poll (ten minutes here). A proxy in front of a private
 * Dovecot delivers a message at a chosen moment of the sync: just before the reader's STORE
 * of the messages it stored, whose answer then carries the EXISTS.
 */
const PASSWORD = 'During-Sync-8';
const peer = dovecotForFile('mailroom-during-sync-', { 'during-sqlite@example.com': PASSWORD, 'during-postgres@example.com': PASSWORD });
let proxy: DeliveringProxy;
beforeAll(async () => {
  if (peer.missing) return;
  proxy = await deliveringProxy(peer.dovecot.imapPort);
}, 30_000);
afterAll(async () => {
  await proxy?.close();
});

type Mailbox = { folder: string; state: string; lastError: string | null; storedCount: number };

await describeEachDialect('the IMAP reader and mail that arrives during a sync', (dialect) => {
  if (peer.missing) return;
  const user = `during-${dialect}@example.com`;
  let t: TestApp;
  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const inbox = async (): Promise<Mailbox | undefined> => (await api('GET', '/inbound/status')).json().mailboxes.find((b: Mailbox) => b.folder === 'INBOX');
  const stored = async (): Promise<string[]> => (await api('GET', '/messages?direction=in&limit=100')).json().items.map((m: { subject: string }) => m.subject).sort();
  const mail = (subject: string) => composeReply({ from: 'pat@example.net', to: user, subject, text: 'Hello', inReplyTo: '<none@example.net>' });

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    // IMAP without TLS to the proxy on this machine (allowed for loopback only). Nothing is sent over SMTP.
    const server = await api('POST', '/servers', {
      name: 'internal relay',
      smtp: { host: '127.0.0.1', port: 2525, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: peer.cert.cert } },
      imap: { host: '127.0.0.1', port: proxy.port, security: 'none' },
    });
    expect(server.statusCode, server.body).toBe(201);
    const account = await api('POST', '/accounts', { serverId: server.json().id, address: user, password: PASSWORD, inbound: { folders: ['INBOX'], afterProcessing: 'flag' } });
    expect(account.statusCode, account.body).toBe(201);
    // A poll only every ten minutes: what is stored within seconds came through a notice.
    await t.app.startInbound({ pollMs: 600_000, refreshMs: 600_000, backoffBaseMs: 200, backoffMaxMs: 1_000, leaseMs: 1_200_000 });
    await until('the empty INBOX to be watched', async () => (await inbox())?.state === 'watching');
  }, 60_000);

  it('stores a message delivered in the middle of a sync right after that sync, not at the next poll', async () => {
    // The next STORE (the reader marking "early" \Seen, once it stored it) waits until "late" is in the folder.
    proxy.beforeNextStore = async () => append(peer.dovecot, user, PASSWORD, 'INBOX', await mail('late'));
    await append(peer.dovecot, user, PASSWORD, 'INBOX', await mail('early'));
    await until('"early" to be stored', async () => (await stored()).includes('early'));
    await until('"late" to be delivered during the sync', async () => proxy.beforeNextStore === undefined);
    await until('"late" to be stored', async () => (await stored()).includes('late'), 10_000, async () => JSON.stringify({ stored: await stored(), inbox: await inbox() }));
    expect(await stored()).toEqual(['early', 'late']);
    await until('the reader to watch again', async () => (await inbox())?.state === 'watching');
    expect((await inbox())?.storedCount).toBe(2);
  }, 60_000);
});

interface DeliveringProxy {
  port: number;
  /** Run (once) when the next UID STORE arrives, before it is passed on to Dovecot. */
  beforeNextStore: (() => Promise<void>) | undefined;
  close(): Promise<void>;
}

/** A proxy to Dovecot's plain port that runs `beforeNextStore` (once) before it passes the next UID STORE on. */
async function deliveringProxy(dovecotPort: number): Promise<DeliveringProxy> {
  const state: { beforeNextStore: (() => Promise<void>) | undefined } = { beforeNextStore: undefined };
  const proxy = await imapCommandProxy(dovecotPort, async (line) => {
    const hook = uidStoreTag(line) !== undefined ? state.beforeNextStore : undefined;
    if (hook) {
      await hook();
      state.beforeNextStore = undefined;
    }
    return undefined;
  });
  return {
    port: proxy.port,
    get beforeNextStore() {
      return state.beforeNextStore;
    },
    set beforeNextStore(fn) {
      state.beforeNextStore = fn;
    },
    close: proxy.close,
  };
}
