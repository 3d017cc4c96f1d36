import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { registerFoldFunctionSource } from './subject-fold.js';

/**
 * A second SQLite connection in a thread of its own, for the work that would hold the event
 * loop: WAL checkpoints and reads that scan (better-sqlite3 runs every statement synchronously
 * on the thread that calls it).
 *
 * Checkpoints. By default the connection that commits also checkpoints (every ~1,000 WAL
 * pages): it copies those pages into the database file and fsyncs it, 10–25 ms during which
 * the event loop is held. The main connection turns automatic checkpoints off
 * (`wal_autocheckpoint=0`) and this thread runs a PASSIVE checkpoint (never waits for readers or
 * the writer) every `intervalMs`. With `synchronous=FULL` on this connection the WAL is synced
 * before the copy and the database file after, as an automatic checkpoint would.
 *
 * Reads. `read(sql, parameters)` runs one statement here and answers its rows: counting a
 * million queued messages takes a quarter of a second, which on the main connection every
 * request of that moment waited for. Only statements that return rows and write nothing are run
 * (the main connection does all writing); under WAL a read sees the last commit before it started.
 * Statements and checkpoints take turns on the one thread, which only delays a checkpoint.
 *
 * The thread needs no TypeScript: its code is a few lines of plain JavaScript. It knows the SQL
 * function the subject search folds case with (subject-fold.ts), as the main connection does.
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
${registerFoldFunctionSource}
const statements = new Map();
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: 'checkpoint failed: ' + String(err && err.message || err) });
  }
};
const read = ({ id, sql, parameters }) => {
  try {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      if (!stmt.reader || !stmt.readonly) throw Object.assign(new Error('only reads (statements that return rows and write nothing) run on the background connection'), { code: 'MAILROOM_NOT_A_READ' });
      if (statements.size >= 100) statements.clear();
      statements.set(sql, stmt);
    }
    parentPort.postMessage({ id, rows: stmt.all(parameters) });
  } catch (err) {
    parentPort.postMessage({ id, failure: { message: String(err && err.message || err), code: err && err.code } });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return read(m);
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/** The code of a read refused because the thread has ended or is closing (the caller may read on its own connection instead). */
export const BACKGROUND_CONNECTION_GONE = 'MAILROOM_BACKGROUND_CONNECTION_GONE';

export interface BackgroundConnection {
  /** Runs one statement that returns rows on the background connection; rejects with its error (message and SQLite code). */
  read(sql: string, parameters: readonly unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

type Answer = { id: number; rows: unknown[] } | { id: number; failure: { message: string; code?: string } } | { error: string };

export function startBackgroundConnection(file: string, opts: { intervalMs?: number; onError?: (message: string) => void; onExit?: () => void } = {}): BackgroundConnection {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(THREAD, { eval: true, workerData: { file, driver, intervalMs: opts.intervalMs ?? 50 } });
  // The thread must not keep the process alive on its own; a read in progress does (below).
  worker.unref();
  const waiting = new Map<number, { resolve: (rows: unknown[]) => void; reject: (err: Error) => void }>();
  let nextId = 0;
  worker.on('message', (m: Answer) => {
    if ('error' in m) return opts.onError?.(m.error);
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (waiting.size === 0) worker.unref();
    if ('rows' in m) w.resolve(m.rows);
    else w.reject(Object.assign(new Error(m.failure.message), m.failure.code ? { code: m.failure.code } : {}));
  });
  worker.on('error', (err) => opts.onError?.(err.message));
  let closing = false;
  let gone: Error | undefined;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      gone = Object.assign(new Error('the SQLite background connection has closed'), { code: BACKGROUND_CONNECTION_GONE });
      for (const w of waiting.values()) w.reject(gone);
      waiting.clear();
      // A thread that died on its own: the caller turns automatic checkpoints back on.
      if (!closing) opts.onExit?.();
      resolve();
    }),
  );
  return {
    read(sql, parameters) {
      if (gone || closing) return Promise.reject(gone ?? Object.assign(new Error('the SQLite background connection is closing'), { code: BACKGROUND_CONNECTION_GONE }));
      const id = nextId++;
      return new Promise<unknown[]>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        if (waiting.size === 1) worker.ref();
        worker.postMessage({ id, sql, parameters });
      });
    },
    async close() {
      closing = true;
      // Waiting for the thread must keep the process alive until it has closed its connection.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
