import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { LISTEN_BACKLOG } from '../../src/listen-backlog.js';

/**
 * The API and the SMTP relay listen with a backlog of 4,096 connections (capped by the kernel's
 * net.core.somaxconn), not Node's 511: a burst of new connections while the event loop is busy
 * waits in the kernel instead of being dropped and retried by the client seconds later. `ss`
 * shows a listening socket's backlog in its Send-Q column.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-backlog-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function backlogOf(port: number): number {
  const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
  // State Recv-Q Send-Q Local Peer: for a listening socket Send-Q is its backlog.
  return Number(line.split(/\s+/)[2]);
}

it('listens with a backlog of 4,096 on the API and the relay port', { timeout: 120_000 }, async () => {
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  const expected = Math.min(LISTEN_BACKLOG, somaxconn);
  const run = await startCli({ MAILROOM_DATA_DIR: dataDir, MAILROOM_RELAY_PORT: '0', DATABASE_URL: '', MAILROOM_SECRET_KEY: '' });
  try {
    const apiPort = Number(new URL(run.url).port);
    const relayPort = Number(/SMTP relay: \S+:(\d+) \(STARTTLS\)/.exec(run.stdout())?.[1]);
    expect(relayPort, run.stdout()).toBeGreaterThan(0);
    expect(backlogOf(apiPort)).toBe(expected);
    expect(backlogOf(relayPort)).toBe(expected);
  } finally {
    await run.stop();
  }
});
