import { readdirSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/**
 * How much lower (in nice steps) background threads run than the thread that answers requests.
 * Under Linux's scheduler a thread 5 steps lower gets about a third of the CPU time of the
 * other when both want it, and all the CPU it wants when the other does not.
 */
export const BACKGROUND_NICE_STEPS = 5;

/**
 * Linux: lowers the scheduling priority of every thread of this process but the main one (the
 * one that parses requests, runs the store's statements and answers with 202): V8's compiler
 * and garbage-collector helpers and libuv's pool. Call it from the main thread. A fresh process
 * compiles its hot paths on those helpers during its first seconds of traffic; on a machine
 * whose cores are short, they took the CPU from the main thread, and answers waited behind
 * compilations (measured with `npm run bench:paced`: docs/performance.md).
 * Threads started later inherit the main thread's priority; the SMTP thread lowers itself
 * (lowerThisThread). Returns how many threads were lowered; 0 where there is no /proc (not Linux).
 */
export function lowerOtherThreads(): number {
  // From a worker thread "every other thread" would include the main one.
  if (!isMainThread) return 0;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  return tids.filter((tid) => Number(tid) !== process.pid && lower(Number(tid))).length;
}

/** Linux: lowers the calling thread (a worker thread doing background work). False where it cannot. */
export function lowerThisThread(): boolean {
  let tid: number;
  try {
    // "<pid>/task/<tid>": a thread's own id, which Node does not otherwise expose.
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return false;
  }
  return Number.isInteger(tid) && lower(tid);
}

/**
 * Relative to the thread's current nice (a process started with `nice -n 10` keeps its threads
 * below the main thread, never above it), at most 19. Raising one's own nice needs no privilege;
 * a thread that ended meanwhile, or a sandbox that refuses, leaves things as they were.
 */
function lower(tid: number): boolean {
  try {
    const current = getPriority(tid);
    const target = Math.min(19, current + BACKGROUND_NICE_STEPS);
    if (target === current) return false;
    setPriority(tid, target);
    return true;
  } catch {
    return false;
  }
}
