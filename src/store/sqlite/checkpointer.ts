import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Runs SQLite's WAL checkpoints in a thread of their own.
 *
 * By default the connection that commits also checkpoints (every ~1,000 WAL pages): it copies
 * those pages into the database file and fsyncs it, 10–25 ms during which better-sqlite3 holds
 * the event loop. The main connection turns automatic checkpoints off (`wal_autocheckpoint=0`)
 * and this thread, with its own connection, runs a PASSIVE checkpoint (never waits for readers
 * or the writer) every `intervalMs`. With `synchronous=FULL` on this connection the WAL is
 * synced before the copy and the database file after, as an automatic checkpoint would.
 *
 * The thread needs no TypeScript: its code is a few lines of plain JavaScript.
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
const run = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  run();
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  close(): Promise<void>;
}

export function startCheckpointer(file: string, opts: { intervalMs?: number; onError?: (message: string) => void; onExit?: () => void } = {}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(THREAD, { eval: true, workerData: { file, driver, intervalMs: opts.intervalMs ?? 50 } });
  // Checkpointing must not keep the process alive on its own.
  worker.unref();
  worker.on('message', (m: { error?: string }) => m.error && opts.onError?.(m.error));
  worker.on('error', (err) => opts.onError?.(err.message));
  let closing = false;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      // A thread that died on its own: the caller turns automatic checkpoints back on.
      if (!closing) opts.onExit?.();
      resolve();
    }),
  );
  return {
    async close() {
      closing = true;
      // Waiting for the thread must keep the process alive until it has closed its connection.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
