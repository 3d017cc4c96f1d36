import { readFileSync } from 'node:fs';

/**
 * A process's main thread, as Linux's scheduler counted it (/proc/PID/task/PID/schedstat: time
 * on a core, time runnable but waiting for one, in ns). Undefined off Linux or once it ended.
 */
export interface MainThreadTimes {
  runMs: number;
  waitMs: number;
}

export function mainThreadTimes(pid: number): MainThreadTimes | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return { runMs: run / 1e6, waitMs: wait / 1e6 };
  } catch {
    return undefined;
  }
}

/**
 * Between two readings over wallMs: the share of the time the main thread ran, and the share it
 * was ready to run but waited for a core. The second is time every request that arrived then
 * waited on top of its own work: a wait that no profile of the process shows.
 */
export function mainThreadShares(before: MainThreadTimes | undefined, after: MainThreadTimes | undefined, wallMs: number): string {
  if (!before || !after || wallMs <= 0) return 'n/a';
  const pct = (ms: number) => `${((100 * ms) / wallMs).toFixed(0)} %`;
  return `ran ${pct(after.runMs - before.runMs)}, waited for a core ${pct(after.waitMs - before.waitMs)}`;
}
