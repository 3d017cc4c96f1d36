import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { selfSignedCert, startDovecot, tempDir, type Cert, type DovecotInstance } from './diagnostics-peers.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';

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
