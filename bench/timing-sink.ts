import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SMTPServer } from 'smtp-server';
import { startWorkerThread } from '../src/worker-thread.js';

/**
 * An SMTP sink that says WHEN each message arrived, which Postfix's smtp-sink does not: a
 * smtp-server in a worker thread of the bench (its own event loop, so the bench sending
 * requests on the main thread does not delay the timestamps). A message arrives when its DATA
 * ends, before the 250 reply. Messages to a recipient starting with `watchPrefix` are reported
 * one by one with their arrival time (performance.timeOrigin + performance.now(), the same
 * clock as the main thread's `now()` below); all others are only counted.
 */
export interface TimingSink {
  port: number;
  /** Arrival time (now() clock, ms) of each watched recipient. */
  arrivals: Map<string, number>;
  /** Messages to other recipients received so far (updated every 50 ms). */
  counted(): number;
  stop(): Promise<void>;
}

/** Milliseconds on a clock shared by the threads of this process. */
export const now = () => performance.timeOrigin + performance.now();

type FromSink = { type: 'listening'; port: number } | { type: 'arrived'; rcpt: string; at: number } | { type: 'count'; n: number };

export async function startTimingSink(watchPrefix: string): Promise<TimingSink> {
  // The worker runs this same file (through tsx's loader when run from source).
  const worker = startWorkerThread(import.meta.url, './timing-sink', { workerData: { watchPrefix } });
  const arrivals = new Map<string, number>();
  let count = 0;
  const port = await new Promise<number>((resolve, reject) => {
    worker.on('message', (m: FromSink) => {
      if (m.type === 'listening') resolve(m.port);
      else if (m.type === 'arrived') arrivals.set(m.rcpt, m.at);
      else count = m.n;
    });
    worker.once('error', reject);
  });
  return {
    port,
    arrivals,
    counted: () => count,
    async stop() {
      await worker.terminate();
    },
  };
}

function runSink(watchPrefix: string): void {
  const post = (m: FromSink) => parentPort?.postMessage(m);
  let count = 0;
  let reported = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    maxClients: 1000,
    // No reverse DNS per connection: nothing here needs a client's host name.
    disableReverseLookup: true,
    onData(stream, session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        const at = now();
        const watched = session.envelope.rcptTo.map((r) => r.address).filter((a) => a.startsWith(watchPrefix));
        if (watched.length) for (const rcpt of watched) post({ type: 'arrived', rcpt, at });
        else count++;
        callback();
      });
    },
  });
  setInterval(() => {
    if (count !== reported) post({ type: 'count', n: (reported = count) });
  }, 50).unref();
  server.listen(0, '127.0.0.1', () => {
    const address = server.server.address();
    post({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
  });
}

if (!isMainThread && workerData?.watchPrefix !== undefined) runSink(workerData.watchPrefix as string);
