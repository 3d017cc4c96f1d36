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

/** Cumulative bucket counts (le → count) of POST /api/v1/messages' 2xx answers in Mailroom's /metrics text. */
export function acceptBuckets(metricsText: string): Map<string, number> {
  const buckets = new Map<string, number>();
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('mailroom_http_request_duration_seconds_bucket{') || !line.includes('method="POST"') || !line.includes('route="/api/v1/messages"') || !line.includes('status="2xx"')) continue;
    const le = /le="([^"]+)"/.exec(line)![1];
    buckets.set(le, Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return buckets;
}

/**
 * Mailroom's own view of the accepts between two scrapes (mailroom_http_request_duration_seconds,
 * from the moment Mailroom has read the request's headers to the answer's last byte): the share
 * answered within 20 ms and the bucket the p99 falls in. What the client measures on top is its
 * own lag, the loopback, and the time a request waited in the socket before Mailroom read it.
 */
export function serverSideLine(before: Map<string, number>, after: Map<string, number>): string {
  return `Mailroom's own answer times (/metrics, headers read → last byte): ${answeredBetween(before, after)}`;
}

/** The accepts counted between two scrapes: the share within 20 ms and the bucket of the p99. */
export function answeredBetween(before: Map<string, number>, after: Map<string, number>): string {
  const les = [...after.keys()];
  const counts = les.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (!total) return 'no accepts counted';
  const within20 = counts[les.indexOf('0.02')] / total;
  const p99At = les.findIndex((_, i) => counts[i] >= 0.99 * total);
  const ms = (le: string) => (le === '+Inf' ? '∞' : `${Number(le) * 1000}`);
  const bucket = p99At <= 0 ? `≤ ${ms(les[0])} ms` : `${ms(les[p99At - 1])}–${ms(les[p99At])} ms`;
  return `${(100 * within20).toFixed(2)} % of ${total} accepts within 20 ms; p99 in ${bucket}`;
}
