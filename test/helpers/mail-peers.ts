import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { haveDovecot, selfSignedCert, startDovecot, tempDir, type Cert, type DovecotInstance } from './diagnostics-peers.js';
import { haveSmtpSink, startSmtpSink, type SmtpSink } from './smtp-sink.js';

export interface MailPeers {
  cert: Cert;
  dovecot: DovecotInstance;
  sink: SmtpSink;
}

/**
 * For a test file whose messages go out to an SMTP sink and come back from a mailbox: before
 * its tests a private Dovecot (these users, one self-signed certificate) and an SMTP sink are
 * started and handed to `started`; after them both are stopped and the directory removed.
 * Nothing is started when `enabled` is false (a peer missing outside CI).
 */
export function withMailPeers(prefix: string, users: () => Record<string, string>, enabled: boolean, started: (peers: MailPeers) => void): void {
  let dir: string | undefined;
  let peers: Partial<MailPeers> = {};
  beforeAll(async () => {
    if (!enabled) return;
    dir = tempDir(prefix);
    const cert = selfSignedCert(dir, 'imap.test.invalid');
    peers = { cert, dovecot: await startDovecot(cert, users()) };
    peers.sink = await startSmtpSink();
    started(peers as MailPeers);
  }, 30_000);
  afterAll(async () => {
    await peers.dovecot?.stop();
    await peers.sink?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}

/** The peers of a test file, read once its beforeAll has started them; `ready`: they will be. */
export interface MailPeersOfFile extends MailPeers {
  readonly ready: boolean;
}

/**
 * withMailPeers where Dovecot (run as root) and smtp-sink are available: `ready` is false when
 * one is missing (the file's suites then return early), and under CI=true a missing Dovecot
 * fails the file instead; `skipped`, if given, names the tests a warning says are skipped then.
 */
export function mailPeers(prefix: string, users: () => Record<string, string>, skipped?: string): MailPeersOfFile {
  const missing = !haveDovecot();
  if (missing && process.env.CI === 'true') throw new Error('CI=true but Dovecot (run as root) is not available');
  if (missing && skipped) console.warn(`[mailroom tests] Dovecot is not available (or not root): the ${skipped} tests are SKIPPED`);
  const ready = !missing && haveSmtpSink();
  let peers: MailPeers | undefined;
  withMailPeers(prefix, users, ready, (p) => (peers = p));
  const started = (): MailPeers => {
    if (!peers) throw new Error('the mail peers are not started yet');
    return peers;
  };
  return {
    ready,
    get cert() {
      return started().cert;
    },
    get dovecot() {
      return started().dovecot;
    },
    get sink() {
      return started().sink;
    },
  };
}
