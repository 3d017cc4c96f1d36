import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningMailroom } from '../helpers/cli.js';
import { haveDovecot, selfSignedCert, startDovecot, type Cert, type DovecotInstance } from '../helpers/diagnostics-peers.js';
import { apiRequest } from '../helpers/http.js';
import { imapSession } from '../helpers/inbound-mail.js';

/**
 * `mailroom start` killed with SIGKILL while its IMAP reader stores a full mailbox: after the
 * restart every message is in the log exactly once (the message and the cursor commit together).
 */
const PASSWORD = 'Crash-Inbound-4';
const USER = 'crash@example.com';
const COUNT = 400;
const missing = !haveDovecot();
if (missing && process.env.CI === 'true') throw new Error('CI=true but Dovecot (run as root) is not available');

describe.skipIf(missing)('SIGKILL of mailroom start while it reads a mailbox (SQLite)', () => {
  let dataDir: string;
  let cert: Cert;
  let dovecot: DovecotInstance;
  let running: RunningMailroom | undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-inbound-crash-'));
    cert = selfSignedCert(dataDir, 'imap.test.invalid');
    dovecot = await startDovecot(cert, { [USER]: PASSWORD });
  }, 30_000);
  afterAll(async () => {
    await running?.stop('SIGKILL');
    await dovecot?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({ MAILROOM_DATA_DIR: dataDir, MAILROOM_ADMIN_EMAIL: 'admin@example.com', MAILROOM_ADMIN_PASSWORD: 'crash-test-password' });

  it('loses no message and stores none twice', async () => {
    const key = (await runCli(['--create-store', 'apikey', 'create', '--name', 'crash', '--scopes', 'admin'], env())).stdout.trim();
    running = await startCli(env());
    const api = (method: string, url: string, body?: unknown) => apiRequest(`${(running as RunningMailroom).url}/api/v1${url}`, key, method, body);
    const server = await api('POST', '/servers', { name: 'mail', smtp: { host: '127.0.0.1', port: 2525, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: cert.cert } }, imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' } });
    expect(server.status, server.body).toBe(201);
    const account = await api('POST', '/accounts', { serverId: JSON.parse(server.body).id, address: USER, password: PASSWORD, inbound: { folders: ['INBOX'] } });
    expect(account.status, account.body).toBe(201);
    await running.stop();

    await imapSession(dovecot, USER, PASSWORD, async (c) => {
      for (let i = 0; i < COUNT; i++) await c.append('INBOX', Buffer.from(`From: s${i}@example.net\r\nTo: ${USER}\r\nSubject: crash ${i}\r\nMessage-ID: <crash-${i}@example.net>\r\n\r\nbody ${i}\r\n`));
    });

    // Started with the account configured: its reader starts at once. Killed mid-way.
    running = await startCli(env());
    const stored = async () => {
      const r = await api('GET', '/inbound/status');
      return r.status === 200 ? (JSON.parse(r.body).mailboxes[0]?.storedCount ?? 0) : 0;
    };
    const deadline = Date.now() + 60_000;
    while ((await stored()) < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const atKill = await stored();
    await running.stop('SIGKILL');
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(COUNT);

    running = await startCli(env());
    const end = Date.now() + 90_000;
    while ((await stored()) < COUNT && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    const subjects: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { subject: string }[]; nextCursor: string | null } = JSON.parse((await api('GET', `/messages?direction=in&limit=500${cursor ? `&cursor=${cursor}` : ''}`)).body);
      subjects.push(...page.items.map((m) => m.subject));
      cursor = page.nextCursor;
    } while (cursor);
    console.log(`[inbound crash test] stored before the kill ${atKill}; in the log after the restart ${subjects.length} of ${COUNT}`);
    expect(subjects.length).toBe(COUNT);
    expect(new Set(subjects).size).toBe(COUNT);
    const inbox = await imapSession(dovecot, USER, PASSWORD, async (c) => (await c.mailboxOpen('INBOX', { readOnly: true })).exists);
    expect(inbox).toBe(COUNT);
  }, 240_000);
});
