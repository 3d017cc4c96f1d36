import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { imapCommandProxy, uidStoreTag } from '../helpers/imap-command-proxy.js';
import { dovecotForFile } from '../helpers/dovecot-per-file.js';
import { append, composeReply, imapSession, until } from '../helpers/inbound-mail.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * "Mark it read" and a person who marks a message unread again in their mail client: after a
 * failed sync the reader catches up on the \Seen it owes, and only on that. A proxy in front of
 * a private Dovecot refuses STORE on demand (as a server with a read-only ACL would) to make the
 * sync fail after it stored a message; the message the person marked unread before stays unread.
 */
const PASSWORD = 'Marked-Unread-3';
const REFUSAL = 'Permission denied: no rights to change flags here';
const peer = dovecotForFile('mailroom-marked-unread-', { 'unread-sqlite@example.com': PASSWORD, 'unread-postgres@example.com': PASSWORD });
let proxy: StoreRefusingProxy;
beforeAll(async () => {
  if (peer.missing) return;
  proxy = await storeRefusingProxy(peer.dovecot.imapPort);
}, 30_000);
afterAll(async () => {
  await proxy?.close();
});

type Mailbox = { folder: string; state: string; lastError: string | null; storedCount: number };

await describeEachDialect('"mark it read" and mail a person marked unread again', (dialect) => {
  if (peer.missing) return;
  const user = `unread-${dialect}@example.com`;
  let t: TestApp;
  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const inbox = async (): Promise<Mailbox | undefined> => (await api('GET', '/inbound/status')).json().mailboxes.find((b: Mailbox) => b.folder === 'INBOX');
  const mail = (subject: string) => composeReply({ from: 'pat@example.net', to: user, subject, text: 'Hello', inReplyTo: '<none@example.net>' });
  /** The subjects of INBOX's messages that are not \Seen, as a direct IMAP client sees them. */
  const unread = () =>
    imapSession(peer.dovecot, user, PASSWORD, async (c) => {
      await c.mailboxOpen('INBOX', { readOnly: true });
      const out: string[] = [];
      for await (const m of c.fetch('1:*', { flags: true, envelope: true })) if (!m.flags?.has('\\Seen')) out.push(m.envelope?.subject ?? '');
      return out.sort();
    });

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
    // New mail comes through IDLE; a failure is retried after at most a second.
    await t.app.startInbound({ pollMs: 600_000, refreshMs: 600_000, backoffBaseMs: 200, backoffMaxMs: 1_000, leaseMs: 1_200_000 });
  }, 60_000);
  afterAll(async () => {
    proxy.refuseStore = false;
    await t?.close();
  });

  it('after a failed sync marks the message it could not mark, not the one a person marked unread', async () => {
    await append(peer.dovecot, user, PASSWORD, 'INBOX', await mail('one'), await mail('two'), await mail('three'));
    await until('the three messages to be stored and marked', async () => (await inbox())?.state === 'watching' && (await inbox())?.storedCount === 3 && (await unread()).length === 0);

    // A person reads "two" in their mail client and marks it unread again, to deal with it later.
    await imapSession(peer.dovecot, user, PASSWORD, async (c) => {
      await c.mailboxOpen('INBOX');
      const [two] = (await c.search({ subject: 'two' }, { uid: true })) || [];
      expect(two).toBeDefined();
      expect(await c.messageFlagsRemove(String(two), ['\\Seen'], { uid: true })).toBe(true);
    });
    expect(await unread()).toEqual(['two']);

    // A sync that stores "four" and fails to mark it: the reader owes "four" its \Seen.
    proxy.refuseStore = true;
    await append(peer.dovecot, user, PASSWORD, 'INBOX', await mail('four'));
    await until('the refused STORE to fail the sync', async () => {
      const b = await inbox();
      return b?.state === 'failing' && b.lastError?.includes('refused to mark') && b.storedCount === 4;
    });
    expect(await unread()).toEqual(['four', 'two']);

    // The server accepts STORE again: the catch-up marks "four", and leaves "two" as the person left it.
    proxy.refuseStore = false;
    await until('"four" to be marked', async () => !(await unread()).includes('four'));
    await until('the reader to watch again', async () => (await inbox())?.state === 'watching');
    expect(await unread()).toEqual(['two']);
    expect((await inbox())?.storedCount).toBe(4);
  }, 60_000);
});

interface StoreRefusingProxy {
  port: number;
  /** While set, every UID STORE is answered with a tagged NO instead of reaching Dovecot. */
  refuseStore: boolean;
  close(): Promise<void>;
}

/** A proxy to Dovecot's plain port that answers every UID STORE with a tagged NO while told to. */
async function storeRefusingProxy(dovecotPort: number): Promise<StoreRefusingProxy> {
  const state = { refuseStore: false };
  const proxy = await imapCommandProxy(dovecotPort, (line) => {
    const tag = uidStoreTag(line);
    return tag !== undefined && state.refuseStore ? `${tag} NO [NOPERM] ${REFUSAL}\r\n` : undefined;
  });
  return {
    port: proxy.port,
    get refuseStore() {
      return state.refuseStore;
    },
    set refuseStore(on: boolean) {
      state.refuseStore = on;
    },
    close: proxy.close,
  };
}
