import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { haveDovecot, selfSignedCert, startDovecot, tempDir, type Cert, type DovecotInstance } from './diagnostics-peers.js';

/** One private Dovecot for a test file: its certificate, the running server, and whether there is none to run. */
export interface DovecotForFile {
  /** Dovecot cannot run here (not installed, or not root): the file's tests return early. */
  readonly missing: boolean;
  readonly cert: Cert;
  readonly dovecot: DovecotInstance;
}

/**
 * Starts a private Dovecot with `users` (address → password) before the file's tests, under a
 * self-signed certificate for imap.test.invalid, and stops it after, removing its directory.
 * With CI=true a missing Dovecot fails the file instead of skipping it. Call at the top level.
 */
export function dovecotForFile(dirPrefix: string, users: Record<string, string>): DovecotForFile {
  const missing = !haveDovecot();
  if (missing && process.env.CI === 'true') throw new Error('CI=true but Dovecot (run as root) is not available');
  let dir: string | undefined;
  let cert: Cert | undefined;
  let dovecot: DovecotInstance | undefined;
  beforeAll(async () => {
    if (missing) return;
    dir = tempDir(dirPrefix);
    cert = selfSignedCert(dir, 'imap.test.invalid');
    dovecot = await startDovecot(cert, users);
  }, 30_000);
  afterAll(async () => {
    await dovecot?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('Dovecot is not started: use it inside a test or hook');
    return v;
  };
  return {
    missing,
    get cert() {
      return started(cert);
    },
    get dovecot() {
      return started(dovecot);
    },
  };
}
