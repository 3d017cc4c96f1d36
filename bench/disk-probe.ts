import { closeSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { summary } from './latency.js';

/**
 * The disk's own fsync latency while a benchmark runs: a worker thread writes 4 KB to a file
 * in `dir` (the file system Mailroom's data is on) and fsyncs it every 20 ms, timing each
 * fsync. A virtual disk that stalls for a few hundred milliseconds now and then (measured on
 * this machine: p50 0.3 ms, yet a 250 ms stall or more every few seconds at times) stalls
 * every commit that fsyncs meanwhile, and so every 202 (which promises the message is on disk):
 * the probe tells such a tail apart from Mailroom's own.
 */
export interface DiskProbeResult {
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** fsyncs over 50 ms: when (seconds since the probe started) and how long (ms). */
  stalls: { atSec: number; ms: number }[];
}

const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const fd = fs.openSync(workerData.file, 'w');
const buf = Buffer.alloc(4096, 120);
const t0 = performance.now();
const samples = [];
let stop = false;
parentPort.on('message', () => { stop = true; });
const tick = () => {
  if (stop) { fs.closeSync(fd); parentPort.postMessage(samples); return; }
  fs.writeSync(fd, buf, 0, buf.length, 0);
  const t = performance.now();
  fs.fsyncSync(fd);
  samples.push([(t - t0) / 1000, performance.now() - t]);
  setTimeout(tick, 20);
};
tick();
`;

export function startDiskProbe(dir: string): { stop(): Promise<DiskProbeResult> } {
  const file = path.join(dir, `mailroom-disk-probe-${process.pid}`);
  // Created here so a directory that cannot take it fails now, not inside the thread.
  closeSync(openSync(file, 'w'));
  const worker = new Worker(PROBE, { eval: true, workerData: { file } });
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        worker.once('error', reject);
        worker.once('message', (samples: [number, number][]) => {
          void worker.terminate();
          rmSync(file, { force: true });
          const { n, p50, p99, max } = summary(samples.map((s) => s[1]));
          resolve({ count: n, p50, p99, max, stalls: samples.filter((s) => s[1] > 50).map(([atSec, ms]) => ({ atSec, ms })) });
        });
        worker.postMessage('stop');
      }),
  };
}
