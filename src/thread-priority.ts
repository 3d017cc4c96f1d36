import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/**
 * How much lower (in nice steps) the SMTP thread and V8's helper threads run than the thread that
 * answers requests.
 * Under Linux's scheduler a thread 5 steps lower gets about a third of the CPU time of the
 * other when both want it, and all the CPU it wants when the other does not.
 */
export const BACKGROUND_NICE_STEPS = 5;

/** The size of V8's worker pool when Node's `--v8-pool-size` is not given. */
const NODE_DEFAULT_V8_POOL_SIZE = 4;

/**
 * How many worker threads Node gave V8's platform: `--v8-pool-size` on Node's command line or in
 * NODE_OPTIONS (the last one given wins, as in Node), else 4. Undefined for 0 ("Node chooses")
 * or a value it could not read: then nobody can say which threads they are.
 */
export function v8PoolSize(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): number | undefined {
  // NODE_OPTIONS first: a flag on the command line overrides it.
  const args = [...nodeOptions.split(/\s+/).filter(Boolean), ...execArgv];
  let size: string | null = null;
  args.forEach((arg, i) => {
    const m = /^--v8[-_]pool[-_]size(?:=(.*))?$/.exec(arg);
    if (m) size = m[1] ?? args[i + 1] ?? '';
  });
  if (size === null) return NODE_DEFAULT_V8_POOL_SIZE;
  const n = size === '' ? NaN : Number(size);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Node's platform threads, by thread id: the delayed-task scheduler and V8's worker pool, which
 * compile the hot code and help the garbage collector. Node starts them before it runs any
 * JavaScript, first of all its threads, in that order (then the inspector's signal thread, then
 * — on the first file read, which loading the ES modules is — libuv's pool), and Linux numbers
 * a process's threads in the order they start: they are the oldest threads after the main one.
 * `test/integration/thread-priority.test.ts` checks that against the threads' own stacks (gdb).
 */
export function platformThreads(poolSize = v8PoolSize()): number[] {
  if (!isMainThread || poolSize === undefined) return [];
  let tids: number[];
  try {
    tids = readdirSync('/proc/self/task').map(Number);
  } catch {
    return [];
  }
  return oldestThreads(process.pid, tids, readPidMax(), 1 + poolSize);
}

/**
 * The `count` threads started first after the main thread, from their ids. Ids count up to
 * pid_max and start again from low numbers: counted from the main thread's own id, round the
 * wrap, they stay in the order the threads started.
 */
export function oldestThreads(mainTid: number, tids: readonly number[], pidMax: number, count: number): number[] {
  const age = (tid: number) => (tid - mainTid + pidMax) % pidMax;
  return tids
    .filter((tid) => tid !== mainTid)
    .sort((a, b) => age(a) - age(b))
    .slice(0, count);
}

/** The kernel's largest process id (/proc/sys/kernel/pid_max): where thread ids wrap. */
function readPidMax(): number {
  try {
    const n = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
    if (Number.isInteger(n) && n > 0) return n;
  } catch {
    // Not readable in some sandboxes: Linux's largest possible value then.
  }
  return 4_194_304;
}

/**
 * Linux: Node's platform threads (V8's compilers and GC helpers) run BACKGROUND_NICE_STEPS below
 * the main thread. Call it from the main thread at start.
 * Why lower: a fresh process compiles its hot paths during its first seconds of traffic, and
 * those compilations kept the main thread — the one that reads requests and answers 202 —
 * waiting for a core (docs/performance.md).
 * Why never SCHED_IDLE, which kept that wait shorter still (10–22 % of the first two seconds of
 * `npm run bench:paced` against 19–37 % niced): the main thread waits for these threads too. A
 * scavenge hands its array-buffer sweep to them and signals a condition variable, whose lock an
 * idle helper can hold; glibc's condvars and V8's mutexes pass no priority on, so on a machine
 * whose other processes keep the cores busy an idle helper got no CPU while the main thread
 * waited for it (gdb: the main thread in pthread_cond_signal under ArrayBufferSweeper::RequestSweep,
 * the helper runnable with 0 CPU time). At a load average of 22–28 on 2 cores a start took
 * 22–64 s, /healthz up to 3.48 s and a stop 20–52 s; niced, in the same load: 14–18 s, at most
 * 39 ms and 0.6–0.7 s. A niced thread always gets its share, however busy the machine.
 * Every other thread keeps the main thread's priority: libuv's pool runs the WAL's fsync that
 * each 202 waits for, and DNS look-ups and password hashing; the SMTP thread lowers itself
 * (lowerThisThread); render threads and SQLite's background connection (checkpoints, queue
 * counts) are waited for by requests.
 * Returns how many threads went lower and how many stayed as they were (already at nice 19, or
 * a sandbox that refuses); never throws.
 */
export function lowerPlatformThreads(): { lowered: number; unchanged: number } {
  const results = platformThreads().map((tid) => lower(tid));
  return { lowered: results.filter(Boolean).length, unchanged: results.filter((r) => !r).length };
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
