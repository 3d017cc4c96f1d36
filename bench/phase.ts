import { cpuMs, machineCpuMs, percentile, stealLine, threadCpuLine, threadCpuMs } from './peers.js';

/** One HTTP request to Mailroom over the bench's keep-alive agent. */
export type Post = (url: string, payload: unknown, method?: string) => Promise<{ status: number; body: string }>;

export interface PhaseResult {
  messages: number;
  failures: number;
  acceptRate: number;
  e2eRate: number;
  e2eSecs: number;
  p50: number;
  p99: number;
  /** Mailroom's CPU (all threads) per message, ms. */
  cpuPerMsg: number | undefined;
  threads: string;
  /** With workers: each worker process's threads, as `threads` (ms per message of the phase). */
  workerThreads: string[];
  /** How much of the machine's CPU the hypervisor took away during the phase, and how much sat idle. */
  machine: string;
  /** What the phase's first refused request answered, to say why. */
  firstFailure?: string;
}

/**
 * Sends `n` requests made by `payload(i)` to `url` (POST /api/v1/messages, or /events whose
 * rule makes one message each) with `concurrency`
 * requests in flight, then waits until `sentCount()` reaches `sentBefore + n - failures`:
 * accept and end-to-end rates of this phase alone, with Mailroom's CPU over it.
 */
export async function runPhase(o: { post: Post; pid: number; otherPids?: number[]; n: number; concurrency: number; payload: (i: number) => unknown; sentCount: () => Promise<number>; sentBefore: number; url?: string }): Promise<PhaseResult> {
  const url = o.url ?? '/api/v1/messages';
  const latencies: number[] = [];
  // Every Mailroom process of the run (with --workers, the API process and the workers).
  const pids = [o.pid, ...(o.otherPids ?? [])];
  const allCpu = () => {
    let sum = 0;
    for (const pid of pids) {
      const ms = cpuMs(pid);
      if (ms === undefined) return undefined;
      sum += ms;
    }
    return sum;
  };
  const cpu0 = allCpu();
  const perProcess0 = pids.map((pid) => cpuMs(pid));
  const threads0 = pids.map((pid) => threadCpuMs(pid));
  const machine0 = machineCpuMs();
  const t0 = performance.now();
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const worker = async () => {
    while (next < o.n) {
      const i = next++;
      const start = performance.now();
      const res = await o.post(url, o.payload(i));
      latencies.push(performance.now() - start);
      if (res.status !== 202) {
        failures++;
        firstFailure ??= `${res.status} ${res.body.slice(0, 300)}`;
      }
    }
  };
  // BENCH_TIMELINE=1: every 250 ms, accepted and sent so far and Mailroom's CPU over the
  // interval (100% = one core): where a slow run stalls, and whether it was short of CPU then.
  const timeline: string[] = [];
  let lastCpu = allCpu();
  let lastAt = performance.now();
  const sampler = process.env.BENCH_TIMELINE
    ? setInterval(() => {
        const cpu = allCpu();
        const at = performance.now();
        const share = cpu !== undefined && lastCpu !== undefined ? `${Math.round(((cpu - lastCpu) / (at - lastAt)) * 100)}%` : '?';
        [lastCpu, lastAt] = [cpu, at];
        void o.sentCount().then((sent) => timeline.push(`${((at - t0) / 1000).toFixed(2)}s a${latencies.length} s${sent - o.sentBefore} cpu${share}`));
      }, 250)
    : undefined;
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const acceptSecs = (performance.now() - t0) / 1000;
  for (;;) {
    if ((await o.sentCount()) >= o.sentBefore + o.n - failures) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const e2eSecs = (performance.now() - t0) / 1000;
  if (sampler) {
    clearInterval(sampler);
    console.log(`timeline: ${timeline.join(' | ')}`);
  }
  const cpu1 = allCpu();
  const machine1 = machineCpuMs();
  // With workers: each process's share, to see which one a second process costs CPU in.
  const perProcess = pids.length > 1 ? pids.map((pid, i) => {
    const [a, b] = [perProcess0[i], cpuMs(pid)];
    return `${i === 0 ? 'API process' : `worker ${i}`} ${a === undefined || b === undefined ? 'n/a' : ((b - a) / o.n).toFixed(2)}`;
  }) : [];
  latencies.sort((a, b) => a - b);
  return {
    messages: o.n,
    failures,
    acceptRate: o.n / acceptSecs,
    e2eRate: o.n / e2eSecs,
    e2eSecs,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPerMsg: cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) / o.n : undefined,
    threads: threadCpuLine(threads0[0], threadCpuMs(o.pid), o.n) + (perProcess.length ? `; by process: ${perProcess.join(', ')}` : ''),
    workerThreads: pids.slice(1).map((pid, i) => threadCpuLine(threads0[i + 1], threadCpuMs(pid), o.n)),
    machine: stealLine(machine0, machine1),
    firstFailure,
  };
}
