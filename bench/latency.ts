import { readFileSync } from 'node:fs';
import { percentile } from './peers.js';

/** p50, p99 and max of latencies in ms, as the scale benches print them. */
export function summary(values: number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

export function summaryLine(values: number[]): string {
  const r = summary(values);
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  return `p50 ${f(r.p50)} ms, p90 ${f(r.p90)} ms, p99 ${f(r.p99)} ms, max ${f(r.max)} ms (n=${r.n})`;
}

/** Resident set size of a process now (VmRSS), in MiB; undefined off Linux. */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The machine's 1-minute load average (other engineers' work shares the machine). */
export function loadLine(): string {
  try {
    const [one, five] = readFileSync('/proc/loadavg', 'utf8').split(' ');
    return `machine load average ${one} (1 min), ${five} (5 min)`;
  } catch {
    return 'machine load n/a';
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
