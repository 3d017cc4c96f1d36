import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startCli, type RunningMailroom } from '../helpers/cli.js';
import { createPostgresDatabase, describeEachDialect } from '../helpers/dialects.js';
import { startScriptedPeer, type ScriptedPeer } from '../helpers/scripted-smtp-peer.js';

/**
 * kill -9 of `mailroom start` while the peer trickles its replies (one byte every 200 ms: the
 * attempt is alive, the message not yet sent). After a restart the message goes out once:
 * the dead process's claim returns to the queue, and nothing re-sends it behind the log's back.
 * On both dialects (the claim and its release are the store's: SQLite releases it at the
 * start, PostgreSQL when the dead process's lease ends).
 */
await describeEachDialect('kill -9 while a peer trickles its replies', (dialect) => {
  let peer: ScriptedPeer;
  let running: RunningMailroom | undefined;
  let dataDir: string;
  let pgDb: { url: string; drop: () => Promise<void> } | undefined;
  let trickling = true;

  beforeAll(async () => {
    peer = await startScriptedPeer({
      script: (command, s) => {
        if (trickling && /^EHLO/i.test(command)) {
          void s.trickle('250-peer.test\r\n250-8BITMIME\r\n250 SIZE 10240000\r\n', 200);
          return null;
        }
        return undefined;
      },
    });
    dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-trickle-'));
    if (dialect === 'postgres') pgDb = await createPostgresDatabase();
  });
  afterAll(async () => {
    await running?.stop('SIGKILL');
    await peer?.stop();
    await pgDb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends the message exactly once after the restart', async () => {
    const env = {
      MAILROOM_DATA_DIR: dataDir,
      // PostgreSQL (several processes may share it): the dead process's claim returns to the
      // queue when its lease ends (docs/operations.md), here 3 s (the least it takes) instead of 5 min.
      ...(pgDb ? { DATABASE_URL: pgDb.url, MAILROOM_OUTBOX_LEASE_MS: '3000' } : {}),
      MAILROOM_ADMIN_EMAIL: 'admin@example.com',
      MAILROOM_ADMIN_PASSWORD: 'trickle-test-password',
      MAILROOM_SMTP_HOST: '127.0.0.1',
      MAILROOM_SMTP_PORT: String(peer.port),
      MAILROOM_SMTP_SECURITY: 'none',
      MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com',
      MAILROOM_MAIL_FROM_NAME: 'App',
    };
    const key = (await runCli(['--create-store', 'apikey', 'create', '--name', 'trickle', '--scopes', 'send,read', '--allow-override'], env)).stdout.trim();
    const call = async (url: string, method = 'GET', body?: object) => {
      const res = await fetch(`${running!.url}/api/v1${url}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      return (await res.json()) as Record<string, unknown>;
    };
    running = await startCli(env);
    const { id } = (await call('/messages', 'POST', { to: ['rcpt@example.net'], subject: 'trickled', text: 'once' })) as { id: string };
    // The attempt is under way: connected, EHLO sent, its reply trickling in.
    await expect.poll(() => peer.commands.some((c) => /^EHLO/i.test(c)), { timeout: 10_000 }).toBe(true);
    expect((await call(`/messages/${id}`)).status).toBe('sending');
    await running.stop('SIGKILL');
    if (pgDb) {
      // The new process looks for ended leases when it starts and then every 5 s: started once the
      // dead one's lease has ended, it takes the message back at its first look, not 5 s later.
      const db = new pg.Client({ connectionString: pgDb.url });
      await db.connect();
      try {
        const leaseUntil = async () => Number((await db.query<{ lease_until: string | null }>('select lease_until from messages where id = $1', [id])).rows[0].lease_until);
        expect(await leaseUntil()).toBeGreaterThan(0);
        await expect.poll(async () => (await leaseUntil()) < Date.now(), { timeout: 10_000, interval: 100 }).toBe(true);
      } finally {
        await db.end();
      }
    }

    trickling = false;
    running = await startCli(env);
    await expect.poll(async () => (await call(`/messages/${id}`)).status, { timeout: 30_000 }).toBe('sent');
    expect(peer.messages).toHaveLength(1);
    expect(peer.messages[0]).toContain('once');
    const m = (await call(`/messages/${id}`)) as { attempts: { outcome: string }[] };
    expect(m.attempts.map((a) => a.outcome)).toEqual(['sent']);
    // Nothing else arrives later either.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(peer.messages).toHaveLength(1);
  }, 90_000);
});
