import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { dovecotForFile } from '../helpers/dovecot-per-file.js';
import { append, composeReply, until } from '../helpers/inbound-mail.js';
import { imapCommandProxy } from '../helpers/imap-command-proxy.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A connection that drops while the reader's command runs (Dovecot's imap process dying
 * mid-sync, a network that cuts out), against a private Dovecot behind a proxy that cuts the
 * connection once a FETCH of a message's body has reached the server: the reader says so in
 * Mailroom's words, in the log and in its lastError on the Inbound status, the way it says a
 * server closed an idle connection ("the IMAP connection was closed …"), never imapflow's raw
 * "Connection not available"; and it stores the message at its next try, once.
 */
const PASSWORD = 'Connection-Cut-5';
const peer = dovecotForFile('mailroom-connection-cut-', { 'cut-sqlite@example.com': PASSWORD, 'cut-postgres@example.com': PASSWORD });
let proxy: FetchCuttingProxy;
beforeAll(async () => {
  if (peer.missing) return;
  proxy = await fetchCuttingProxy(peer.dovecot.imapPort);
}, 30_000);
afterAll(async () => {
  await proxy?.close();
});

type Mailbox = { accountId: string; folder: string; state: string; lastError: string | null; storedCount: number };

await describeEachDialect('the IMAP reader when the connection drops during a command', (dialect) => {
  if (peer.missing) return;
  const user = `cut-${dialect}@example.com`;
  let t: TestApp;
  const api = (method: 'GET' | 'POST', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const box = async (): Promise<Mailbox | undefined> => (await api('GET', '/inbound/status')).json().mailboxes.find((b: Mailbox) => b.folder === 'INBOX');
  const stored = async (): Promise<string[]> => (await api('GET', '/messages?direction=in&limit=100')).json().items.map((m: { subject: string }) => m.subject);
  const mail = (subject: string) => composeReply({ from: 'pat@example.net', to: user, subject, text: 'Hello', inReplyTo: '<none@example.net>' });
  /** The reader's "trying again" log lines since `from`, as logged. */
  const failureLines = (from: number) =>
    t.logLines
      .slice(from)
      .flatMap((chunk) => chunk.split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as { msg: string; error?: string })
      .filter((l) => l.msg === 'IMAP reading failed; trying again after a pause');

  beforeAll(async () => {
    t = await startTestApp(dialect);
    // IMAP without TLS to the proxy on this machine (allowed for loopback only). (Nothing is sent over SMTP.)
    const server = await api('POST', '/servers', {
      name: 'internal relay',
      smtp: { host: '127.0.0.1', port: 2525, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: peer.cert.cert } },
      imap: { host: '127.0.0.1', port: proxy.port, security: 'none' },
    });
    expect(server.statusCode, server.body).toBe(201);
    const account = await api('POST', '/accounts', { serverId: server.json().id, address: user, password: PASSWORD, inbound: { folders: ['INBOX'] } });
    expect(account.statusCode, account.body).toBe(201);
    // New mail comes through IDLE; a failure is retried after a second at most.
    await t.app.startInbound({ pollMs: 600_000, refreshMs: 600_000, backoffBaseMs: 500, backoffMaxMs: 1_000, leaseMs: 1_200_000 });
    await until('INBOX to be watched', async () => (await box())?.state === 'watching');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  for (const how of ['reset', 'end'] as const) {
    it(`says the connection was closed during the FETCH (${how === 'reset' ? 'reset' : "the server's side closed"}), in the log and the status, and stores the message at the next try`, async () => {
      const subject = `cut by ${how}`;
      const logFrom = t.logLines.length;
      const cut = proxy.cutNextBodyFetch(how);
      await append(peer.dovecot, user, PASSWORD, 'INBOX', await mail(subject));
      await cut;
      const failing = await until('the cut to be reported', async () => {
        const b = await box();
        return b?.state === 'failing' && b;
      });
      expect(failing.lastError).toBe('the IMAP connection was closed while the reader was fetching messages (UID FETCH)');
      expect(failing.lastError).not.toContain('Connection not available');
      const logged = await until('the log line', async () => failureLines(logFrom)[0]);
      expect(logged.error).toBe(failing.lastError);
      // Read again after the pause: stored once.
      await until('the message to be stored', async () => (await stored()).includes(subject));
      await until('the reader to watch again', async () => {
        const b = await box();
        return b?.state === 'watching' && b.lastError === null;
      });
      expect((await stored()).filter((s) => s === subject)).toHaveLength(1);
    });
  }
});

interface FetchCuttingProxy {
  port: number;
  /**
   * Cuts the next connection that sends a FETCH of a message's body, once the command has
   * reached the server (it runs there) and before any of its answer reaches the reader: `reset`
   * as a dropped network does, `end` as a server process that died (its side closed). Resolves
   * once it has cut.
   */
  cutNextBodyFetch(how: 'reset' | 'end'): Promise<void>;
  close(): Promise<void>;
}

/** A line-level proxy to Dovecot's plain port that cuts a connection during a body FETCH, when armed. */
async function fetchCuttingProxy(upstreamPort: number): Promise<FetchCuttingProxy> {
  let armed: { how: 'reset' | 'end'; done: () => void } | null = null;
  const proxy = await imapCommandProxy(upstreamPort, (line) => {
    const cut = armed && /^\S+ UID FETCH .*BODY\.PEEK\[\]/i.test(line) ? armed : null;
    if (!cut) return undefined;
    armed = null;
    return { cut: cut.how, onCut: cut.done };
  });
  return { port: proxy.port, cutNextBodyFetch: (how) => new Promise<void>((done) => (armed = { how, done })), close: () => proxy.close() };
}
