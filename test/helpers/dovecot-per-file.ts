import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { haveDovecot, selfSignedCert, startDovecot, tempDir, type Cert, type DovecotInstance } from './diagnostics-peers.js';
import type { TestApp } from './test-app.js';

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

/**
 * A server on `peer` (IMAP over TLS, pinned to its certificate; SMTP unused) and an account that
 * reads `user`'s mailbox with `inbound`, made through the API of `t`: its id and version.
 */
export async function readingAccount(t: TestApp, peer: DovecotForFile, user: string, password: string, inbound: Record<string, unknown>): Promise<{ id: string; version: number }> {
  const api = (url: string, payload: object) => t.request({ method: 'POST', url: `/api/v1${url}`, payload });
  const server = await api('/servers', {
    name: 'internal relay',
    smtp: { host: '127.0.0.1', port: 25, security: 'none', tlsTrust: { mode: 'pinned', certificate: peer.cert.cert } },
    imap: { host: '127.0.0.1', port: peer.dovecot.imapsPort, security: 'tls' },
  });
  expect(server.statusCode, server.body).toBe(201);
  const account = await api('/accounts', { serverId: server.json().id, address: user, password, inbound });
  expect(account.statusCode, account.body).toBe(201);
  return { id: account.json().id, version: account.json().version };
}
