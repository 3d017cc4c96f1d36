import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_COMMAND, ROOT, startCli } from '../helpers/cli.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/dialects.js';

const pgReachable = await postgresAvailable();

/**
 * A loopback proxy to PostgreSQL that holds every connection (accepted, nothing forwarded) until
 * released: a start that waits on its database, for as long as the test wants, without timing.
 */
interface HoldingProxy {
  port: number;
  /** Resolves when the first connection arrives. */
  connected: Promise<void>;
  /** Forwards what the held connections sent, and everything after. */
  release(): void;
  close(): Promise<void>;
}

async function startHoldingProxy(target: { host: string; port: number }): Promise<HoldingProxy> {
  let released = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  let firstConnection: () => void = () => undefined;
  const connected = new Promise<void>((r) => (firstConnection = r));
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    client.pause();
    firstConnection();
    const forward = () => {
      const upstream = connect(target.port, target.host);
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    };
    if (released) forward();
    else held.push(forward);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    connected,
    release() {
      released = true;
      for (const f of held.splice(0)) f();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function spawnCli(args: string[], env: Record<string, string>): { child: ChildProcess; stdout: () => string; ended: Promise<Ended> } {
  const child = spawn(process.execPath, [...CLI_COMMAND, ...args], {
    cwd: ROOT,
    env: { ...process.env, MAILROOM_PORT: '0', MAILROOM_LOG_LEVEL: 'info', MAILROOM_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const ended = new Promise<Ended>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, stdout: () => stdout, ended };
}

/** The JSON log lines' messages. */
const messages = (out: string): string[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => (JSON.parse(l) as { msg: string }).msg);

/**
 * SIGTERM and SIGINT while `mailroom start` or `mailroom worker` starts. The handlers used to be
 * installed only once the server was built: a signal during the migrations or the bootstrap
 * ended the process with 143 and no "stopping" line, and one after the first admin was created
 * and before the banner lost its generated password for good (src/cli/stop-signals.ts).
 */
describe('stop signals during the start-up', { timeout: 120_000 }, () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-start-signals-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  describe.skipIf(!pgReachable && process.env.CI !== 'true')('on PostgreSQL, held at its connection', () => {
    it('start: a SIGTERM while the store opens stops it after that step with 0 and a log line, the new first admin and its password printed', async () => {
      const db = await createPostgresDatabase();
      const url = new URL(db.url);
      const proxy = await startHoldingProxy({ host: url.hostname, port: Number(url.port || 5432) });
      try {
        url.host = `127.0.0.1:${proxy.port}`;
        const { child, stdout, ended } = spawnCli(['start'], { MAILROOM_DATA_DIR: path.join(dataDir, 'pg-start'), DATABASE_URL: url.toString() });
        // The store is being opened: the process waits for PostgreSQL's answer.
        await proxy.connected;
        child.kill('SIGTERM');
        // Taken while the step still waits (its log line), then the database answers.
        await expect.poll(() => messages(stdout()), { timeout: 30_000 }).toContain('stopping once opening the store is done');
        proxy.release();
        const r = await ended;
        expect({ code: r.code, signal: r.signal }, r.stdout + r.stderr).toEqual({ code: 0, signal: null });
        const said = messages(r.stdout);
        expect(said).toContain('stopping once opening the store is done');
        expect(said.some((m) => m.startsWith('stopped before serving'))).toBe(true);
        expect(r.stdout).not.toContain('Mailroom is running');
        // The first admin this start made, told before it stopped: no later start shows the password.
        const password = /^ {2}password: {4}(\S+) /m.exec(r.stdout)?.[1];
        expect(r.stdout).toContain('  first admin: admin@mailroom.local');
        expect(password, r.stdout).toBeTruthy();
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          const { rows } = await client.query<{ email: string }>('select email from users');
          expect(rows.map((u) => u.email)).toEqual(['admin@mailroom.local']);
        } finally {
          await client.end();
        }
      } finally {
        await proxy.close();
        await db.drop();
      }
    });

    it('worker: a SIGTERM before anything was opened ends it at once with 0 and a log line', async () => {
      const proxy = await startHoldingProxy({ host: '127.0.0.1', port: 5432 });
      try {
        // Never released: `mailroom worker` first looks whether the database holds a store, and waits there.
        const { child, ended } = spawnCli(['worker'], { MAILROOM_DATA_DIR: path.join(dataDir, 'pg-worker'), DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/test` });
        await proxy.connected;
        child.kill('SIGTERM');
        const r = await ended;
        expect({ code: r.code, signal: r.signal }, r.stdout + r.stderr).toEqual({ code: 0, signal: null });
        expect(messages(r.stdout)).toContain('stopping: nothing was started yet');
        expect(r.stdout).not.toContain('Mailroom worker running');
      } finally {
        await proxy.close();
      }
    });
  });

  it('once running: SIGINT stops it with 0 and the "stopping" line, as before', async () => {
    const running = await startCli({ MAILROOM_DATA_DIR: path.join(dataDir, 'sqlite'), MAILROOM_LOG_LEVEL: 'info', MAILROOM_LOG_FORMAT: 'json' });
    const exited = new Promise<number | null>((r) => running.child.on('exit', (code) => r(code)));
    await running.stop('SIGINT');
    expect(await exited).toBe(0);
    expect(messages(running.stdout())).toContain('stopping');
  });
});
