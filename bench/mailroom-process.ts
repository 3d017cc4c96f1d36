import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { apiRequest } from '../test/helpers/http.js';
import { freePort, startSink } from './peers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// BENCH_FROM_DIST=1 runs the build (`npx tsc -p tsconfig.build.json` first) as users do, without
// tsx compiling TypeScript in the process: what RSS figures should be read from.
const FROM_DIST = process.env.BENCH_FROM_DIST === '1';
const MAIN = FROM_DIST ? path.join(ROOT, 'dist/src/cli/main.js') : path.join(ROOT, 'src/cli/main.ts');
const ENTRY = FROM_DIST ? [MAIN] : ['--import', 'tsx', MAIN];

export interface MailroomProcess {
  /** The running `mailroom start` (a new one after restart()). */
  child: ChildProcess;
  /** HTTP port of the API. */
  port: number;
  /** An API key with send, read and admin. */
  key: string;
  databaseUrl?: string;
  /** The bench's own PostgreSQL database (its backends' CPU is counted by this name: peers.ts userCpuMs). */
  pgDatabase?: string;
  /** The SQLite file (when there is no databaseUrl). */
  sqlitePath: string;
  /** GET/POST/PATCH on the API with the key (keep-alive). */
  api(method: string, url: string, payload?: unknown): Promise<{ status: number; body: string }>;
  /** Messages now `sent` (read straight from the database, not through the API being measured). */
  countSent(): Promise<number>;
  /** Starts one more process on the same database (PostgreSQL): `mailroom worker`, delivery only. */
  startWorker(): Promise<ChildProcess>;
  /** The worker processes started so far (and not stopped). */
  workers: ChildProcess[];
  /** SIGTERM to every worker, each waited for: `mailroom start` goes on alone. */
  stopWorkers(): Promise<void>;
  /**
   * SIGTERM, `between()` with the process gone (e.g. rows written straight into its database),
   * then `mailroom start` again on the same data: what an operator's restart does. `args` are
   * added to `start` (e.g. `--no-workers`) until the next restart.
   */
  restart(between?: () => Promise<void>, args?: string[]): Promise<void>;
  /** SIGTERM, then the temp data directory and the PostgreSQL database go. */
  stop(): Promise<void>;
}

/**
 * `mailroom start` for a benchmark: its own temp data directory (or a fresh PostgreSQL
 * database), the deploy-time server and account pointing at the bench's smtp-sink with a pool
 * of `pool` connections, and an API key. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * profiles it; BENCH_CHILD_STDOUT=file keeps what it printed; BENCH_FROM_DIST=1 runs dist/.
 */
export async function startMailroomProcess(opts: { sinkPort: number; pool: number; pgUrl?: string; env?: Record<string, string>; concurrency?: number }): Promise<MailroomProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-bench-'));
  const sqlitePath = path.join(dataDir, 'mailroom.db');
  const port = await freePort();
  let pgDb: string | undefined;
  let databaseUrl: string | undefined;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: opts.pgUrl });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  if (opts.pgUrl) {
    pgDb = `mailroom_bench_${Date.now()}`;
    await admin(`CREATE DATABASE ${pgDb}`);
    const u = new URL(opts.pgUrl);
    u.pathname = `/${pgDb}`;
    databaseUrl = u.toString();
  }
  const env = {
    ...process.env,
    MAILROOM_DATA_DIR: dataDir,
    MAILROOM_PORT: String(port),
    MAILROOM_LOG_LEVEL: 'warn',
    MAILROOM_ADMIN_EMAIL: 'bench@example.com',
    MAILROOM_ADMIN_PASSWORD: 'bench-password-123',
    MAILROOM_SMTP_HOST: '127.0.0.1',
    MAILROOM_SMTP_PORT: String(opts.sinkPort),
    MAILROOM_SMTP_SECURITY: 'none',
    MAILROOM_MAIL_FROM_ADDRESS: 'bench@example.com',
    MAILROOM_MAIL_FROM_NAME: 'Bench',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(opts.env ?? {}),
  };
  const keyRun = spawnSync(process.execPath, [...ENTRY, '--create-store', 'apikey', 'create', '--name', 'bench', '--scopes', 'send,read,admin'], { cwd: ROOT, env, encoding: 'utf8' });
  if (keyRun.status !== 0) throw new Error(`apikey create failed: ${keyRun.stderr}`);
  const key = keyRun.stdout.trim();
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const launch = async (args: string[] = []) => {
    const c = spawn(process.execPath, [...extra, ...ENTRY, 'start', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    if (process.env.BENCH_CHILD_STDOUT) c.stdout.pipe(createWriteStream(process.env.BENCH_CHILD_STDOUT, { flags: 'a' }));
    await new Promise<void>((resolve, reject) => {
      c.stdout.on('data', (d: Buffer) => d.toString().includes('Mailroom is running') && resolve());
      c.once('exit', (code) => reject(new Error(`mailroom exited with ${code}`)));
    });
    return c;
  };
  const terminate = async (c: ChildProcess) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  let child = await launch();
  const newAgent = () => new http.Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 64 });
  let agent = newAgent();
  const api = (method: string, url: string, payload?: unknown) => apiRequest(`http://127.0.0.1:${port}${url}`, key, method, payload, agent);
  // The deploy-time server defaults to 5 connections; give Mailroom the pool the comparison uses.
  const s = JSON.parse((await api('GET', '/api/v1/servers')).body).items[0];
  const patched = await api('PATCH', `/api/v1/servers/${s.id}`, { smtp: { maxConnections: opts.pool }, version: s.version });
  if (patched.status !== 200) throw new Error(`could not set maxConnections: ${patched.body}`);

  // One connection for all polls: a new one every 20 ms would fork a PostgreSQL backend each
  // time, and that CPU would land in the database's figure.
  let counter: pg.Client | undefined;
  let sqlite: Database.Database | undefined;
  const countSent = async () => {
    if (databaseUrl) {
      if (!counter) {
        counter = new pg.Client({ connectionString: databaseUrl });
        await counter.connect();
      }
      return (await counter.query("select count(*)::int as n from messages where status = 'sent'")).rows[0].n as number;
    }
    sqlite ??= new Database(sqlitePath, { readonly: true, fileMustExist: true });
    return (sqlite.prepare("select count(*) as n from messages where status = 'sent'").get() as { n: number }).n;
  };
  let stopped = false;
  const workers: ChildProcess[] = [];
  return {
    get child() {
      return child;
    },
    workers,
    async startWorker() {
      if (!databaseUrl) throw new Error('more processes need PostgreSQL (--postgres URL)');
      const worker = spawn(process.execPath, [...extra, ...ENTRY, 'worker'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        worker.stdout.on('data', (d: Buffer) => d.toString().includes('Mailroom worker running') && resolve());
        worker.once('exit', (code) => reject(new Error(`mailroom worker exited with ${code}`)));
      });
      workers.push(worker);
      return worker;
    },
    async stopWorkers() {
      for (const w of workers.splice(0)) await terminate(w);
    },
    port,
    key,
    databaseUrl,
    pgDatabase: pgDb,
    sqlitePath,
    api,
    countSent,
    async restart(between, args) {
      await terminate(child);
      // Keep-alive sockets to the old process are dead now.
      agent.destroy();
      agent = newAgent();
      await between?.();
      child = await launch(args);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await counter?.end();
      sqlite?.close();
      agent.destroy();
      for (const w of workers) await terminate(w);
      await terminate(child);
      rmSync(dataDir, { recursive: true, force: true });
      if (pgDb) await admin(`DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`);
    },
  };
}

/**
 * A smtp-sink and `mailroom start` in front of it (20 connections, `concurrency` keep-alive API
 * connections) for `run`; both stopped afterwards, whatever happened.
 */
export async function withMailroomAndSink<T>(opts: { pgUrl?: string; concurrency: number }, run: (mr: MailroomProcess) => Promise<T>): Promise<T> {
  const sink = await startSink();
  let mr: MailroomProcess | undefined;
  try {
    mr = await startMailroomProcess({ sinkPort: sink.port, pool: 20, pgUrl: opts.pgUrl, concurrency: opts.concurrency });
    return await run(mr);
  } finally {
    await mr?.stop();
    sink.stop();
  }
}
