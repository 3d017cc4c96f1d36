import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { imapCommandProxy, uidStoreTag } from '../helpers/imap-command-proxy.js';
import { dovecotForFile } from '../helpers/dovecot-per-file.js';
import { append, composeReply, folderState, imapSession, until } from '../helpers/inbound-mail.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * "Mark it read" against a private Dovecot whose STORE a proxy refuses on demand (as a server
 * with a read-only ACL would): the refusal is the reader's lastError, the messages stay stored
 * once, and once the server accepts STOREs again the reader marks the messages it stored then
 * (nothing new arrives to do it for them). And an empty folder's first read records its
 * UIDVALIDITY, as a full folder's does.
 */
const PASSWORD = 'Refused-Store-7';
const REFUSAL = 'Permission denied: no rights to change flags here';
const peer = dovecotForFile('mailroom-refused-store-', { 'refused-sqlite@example.com': PASSWORD, 'refused-postgres@example.com': PASSWORD });
let proxy: StoreRefusingProxy;
beforeAll(async () => {
  if (peer.missing) return;
  proxy = await storeRefusingProxy(peer.dovecot.imapPort);
}, 30_000);
afterAll(async () => {
  await proxy?.close();
});

type Mailbox = { accountId: string; folder: string; state: string; lastError: string | null; uidValidity: string | null; storedCount: number; lastUid: number };

await describeEachDialect('the IMAP reader with "mark it read" when the server refuses STORE', (dialect) => {
  if (peer.missing) return;
  const user = `refused-${dialect}@example.com`;
  let t: TestApp;
  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const box = async (folder: string): Promise<Mailbox | undefined> => (await api('GET', '/inbound/status')).json().mailboxes.find((b: Mailbox) => b.folder === folder);
  const stored = async (): Promise<string[]> => (await api('GET', '/messages?direction=in&limit=100')).json().items.map((m: { subject: string }) => m.subject);
  const mail = (subject: string) => composeReply({ from: 'pat@example.net', to: user, subject, text: 'Hello', inReplyTo: '<none@example.net>' });

  beforeAll(async () => {
    await imapSession(peer.dovecot, user, PASSWORD, async (c) => void (await c.mailboxCreate('Archive')));
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    // IMAP without TLS to the proxy on this machine (allowed for loopback only), which passes
    // everything but a refused STORE on to Dovecot's plain port. (Nothing is sent over SMTP.)
    const server = await api('POST', '/servers', {
      name: 'internal relay',
      smtp: { host: '127.0.0.1', port: 2525, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: peer.cert.cert } },
      imap: { host: '127.0.0.1', port: proxy.port, security: 'none' },
    });
    expect(server.statusCode, server.body).toBe(201);
    const account = await api('POST', '/accounts', { serverId: server.json().id, address: user, password: PASSWORD, inbound: { folders: ['INBOX', 'Archive'], afterProcessing: 'flag' } });
    expect(account.statusCode, account.body).toBe(201);
    // New mail comes through IDLE; a failure is retried after at most a second.
    await t.app.startInbound({ pollMs: 600_000, refreshMs: 600_000, backoffBaseMs: 200, backoffMaxMs: 1_000, leaseMs: 1_200_000 });
  }, 60_000);
  afterAll(async () => {
    proxy.refuseStore = false;
    await t?.close();
  });

  it('records the UIDVALIDITY of a folder that is empty at its first read', async () => {
    const archive = await until('the empty folder to be watched', async () => {
      const b = await box('Archive');
      return b?.state === 'watching' && b;
    });
    expect(archive.uidValidity).toBe((await folderState(peer.dovecot, user, PASSWORD, 'Archive')).uidValidity);
    expect(archive.lastUid).toBe(0);
    // INBOX is empty at its first read too.
    await until('INBOX to be watched', async () => (await box('INBOX'))?.state === 'watching');
    expect((await box('INBOX'))?.uidValidity).toBe((await folderState(peer.dovecot, user, PASSWORD, 'INBOX')).uidValidity);
  });

  it('reports a refused STORE with the server\'s words, and marks the stored messages once the server accepts again', async () => {
    proxy.refuseStore = true;
    await append(peer.dovecot, user, PASSWORD, 'INBOX', await mail('one'), await mail('two'), await mail('three'));
    const failing = await until('the refused STORE to be reported', async () => {
      const b = await box('INBOX');
      return b?.state === 'failing' && b.lastError?.includes('refused to mark') && b;
    });
    expect(failing.lastError).toContain('the IMAP server refused to mark stored messages \\Seen in "INBOX"');
    expect(failing.lastError).toContain(REFUSAL);
    expect(failing.storedCount).toBe(3);
    expect((await stored()).sort()).toEqual(['one', 'three', 'two']);
    expect((await folderState(peer.dovecot, user, PASSWORD, 'INBOX')).seen).toBe(0);
    // Still refused at every retry: the reader keeps failing, it does not give up silently.
    const refusedBefore = proxy.refused;
    await until('a retry to be refused too', async () => proxy.refused > refusedBefore);
    expect((await box('INBOX'))?.state).toBe('failing');

    proxy.refuseStore = false;
    await until('the stored messages to be marked \\Seen', async () => (await folderState(peer.dovecot, user, PASSWORD, 'INBOX')).seen === 3);
    await until('the reader to watch again', async () => {
      const b = await box('INBOX');
      return b?.state === 'watching' && b.lastError === null;
    });
    expect((await stored()).sort()).toEqual(['one', 'three', 'two']);
    expect((await box('INBOX'))?.storedCount).toBe(3);
  });
});

interface StoreRefusingProxy {
  port: number;
  /** While set, every UID STORE is answered with a tagged NO instead of reaching Dovecot. */
  refuseStore: boolean;
  /** STOREs refused so far. */
  readonly refused: number;
  close(): Promise<void>;
}

/** A proxy to Dovecot's plain port that answers every UID STORE with a tagged NO while told to. */
async function storeRefusingProxy(dovecotPort: number): Promise<StoreRefusingProxy> {
  const state = { refuseStore: false, refused: 0 };
  const proxy = await imapCommandProxy(dovecotPort, (line) => {
    const tag = uidStoreTag(line);
    if (tag === undefined || !state.refuseStore) return undefined;
    state.refused++;
    return `${tag} NO [NOPERM] ${REFUSAL}\r\n`;
  });
  return {
    port: proxy.port,
    get refuseStore() {
      return state.refuseStore;
    },
    set refuseStore(on: boolean) {
      state.refuseStore = on;
    },
    get refused() {
      return state.refused;
    },
    close: proxy.close,
  };
}
