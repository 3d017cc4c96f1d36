import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { expect } from 'vitest';
import { selfSignedCert, startDovecot, tempDir, type DovecotInstance } from './diagnostics-peers.js';
import { startTestApp, type TestApp } from './test-app.js';

export interface TwoInboundProcesses {
  dovecot: DovecotInstance;
  /** The first process; its database is the one both use. */
  a: TestApp;
  b: TestApp;
  /** The account whose INBOX both would read. */
  accountId: string;
  close(): Promise<void>;
}

/**
 * Two processes on one PostgreSQL database (as two `mailroom start` would be), one private
 * Dovecot with one user, and an account reading its INBOX. Neither has started its readers.
 */
export async function twoInboundProcesses(user: string, password: string): Promise<TwoInboundProcesses> {
  const dir = tempDir('mailroom-two-processes-');
  const cert = selfSignedCert(dir, 'imap.test.invalid');
  const dovecot = await startDovecot(cert, { [user]: password });
  // One master key for both, as processes sharing a database must have.
  const env = { MAILROOM_SECRET_KEY: randomBytes(32).toString('base64'), MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' };
  const a = await startTestApp('postgres', { env });
  const b = await startTestApp('postgres', { env, databaseUrl: () => a.databaseUrl! });
  const server = await a.request({
    method: 'POST',
    url: '/api/v1/servers',
    payload: { name: 'relay', smtp: { host: '127.0.0.1', port: 25, security: 'none', tlsTrust: { mode: 'pinned', certificate: cert.cert } }, imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' } },
  });
  expect(server.statusCode).toBe(201);
  const account = await a.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: user, password, inbound: { folders: ['INBOX'] } } });
  expect(account.statusCode).toBe(201);
  return {
    dovecot,
    a,
    b,
    accountId: account.json().id,
    async close() {
      await b.close();
      await a.close(); // drops the shared database
      await dovecot.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
