/**
 * Inbound throughput: messages stored per second by the IMAP reader from a mailbox that already
 * holds N messages (default 10,000), against a private Dovecot on loopback, SQLite by default
 * (DATABASE_URL=postgres://… for PostgreSQL). Run as root (Dovecot):
 *
 *   npm run bench:inbound -- --messages 10000
 *
 * Each message is a small reply (about 1 KB) to one of Mailroom's own sent messages, so every
 * one goes through parsing, reply matching and one commit with the cursor: the figure is the
 * reader's whole path, not a bulk copy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { SYSTEM_ACTOR } from '../src/core/kernel/audit.js';
import { createAccount } from '../src/core/senders/accounts.service.js';
import { createServer } from '../src/core/senders/servers.service.js';
import { createLogger } from '../src/logger.js';
import { selfSignedCert, startDovecot } from '../test/helpers/diagnostics-peers.js';
import { imapSession } from '../test/helpers/inbound-mail.js';
import { countArg } from './peers.js';

const N = countArg('messages', 10000);
const USER = 'bench@example.com';
const PASSWORD = 'Bench-Inbound-1';

const dir = mkdtempSync(path.join(tmpdir(), 'mailroom-bench-inbound-'));
const cert = selfSignedCert(dir, 'imap.bench.invalid');
const dovecot = await startDovecot(cert, { [USER]: PASSWORD });
try {
  const fillStart = performance.now();
  await imapSession(dovecot, USER, PASSWORD, async (c) => {
    for (let i = 0; i < N; i++) {
      const msg = [
        `From: Person ${i} <p${i}@example.net>`,
        `To: ${USER}`,
        `Subject: Re: report ${i}`,
        `Message-ID: <bench-${i}@example.net>`,
        `In-Reply-To: <01jbench${String(i).padStart(18, '0')}@example.com>`,
        'Date: Mon, 30 Nov 2026 10:00:00 +0000',
        '',
        `Thanks, received report ${i}.`,
        '',
        'On Monday Mailroom wrote:',
        '> ' + 'quoted text '.repeat(60),
        '',
      ].join('\r\n');
      await c.append('INBOX', Buffer.from(msg));
    }
  });
  console.log(`filled INBOX with ${N} messages in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`);

  const dataDir = path.join(dir, 'data');
  const config = loadConfig({ MAILROOM_DATA_DIR: dataDir, MAILROOM_LOG_LEVEL: 'warn', ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) }, { runWorkers: false });
  const app = await createApp(config, { logger: createLogger('warn') });
  const ctx = app.ports.ctx;
  const server = await createServer(ctx, SYSTEM_ACTOR, { name: 'bench', smtp: { host: '127.0.0.1', port: 2525, tlsTrust: { mode: 'pinned', certificate: cert.cert } }, imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' } });
  const account = await createAccount(ctx, SYSTEM_ACTOR, { serverId: server.id, address: USER, password: PASSWORD, inbound: { folders: ['INBOX'] } });
  const start = performance.now();
  await app.startInbound({ pollMs: 200 });
  for (;;) {
    const [state] = await ctx.store.repos.mailboxes.list(account.id);
    if (state && state.storedCount + state.quarantinedCount >= N) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(`${app.describeStorage}: stored ${N} messages in ${seconds.toFixed(1)} s = ${Math.round(N / seconds)} messages/s (Node ${process.version})`);
  await app.close();
} finally {
  await dovecot.stop();
  rmSync(dir, { recursive: true, force: true });
}
