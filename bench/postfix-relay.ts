import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { havePostfix, startPrivatePostfix, type PrivatePostfix } from '../test/helpers/postfix.js';
import { body, cpuMs, statCpuMs } from './peers.js';

/**
 * Postfix as a relay, measured the way bench/throughput.ts measures Mailroom: a nodemailer pool
 * (`pool` connections) submits N messages of ~2 KB to a private Postfix's smtpd, which relays
 * every one to the bench's smtp-sink; the figure is N / time until Postfix's queue is empty
 * again, i.e. until it has handed every message to the sink (or bounced it, which makes the run
 * fail). Postfix fsyncs each queue file before its 250, as Mailroom commits before its 202.
 */

export interface PostfixRelayResult {
  /** Messages of the timed run (what `submit` said it sent). */
  messages: number;
  rate: number;
  secs: number;
  /** Seconds until smtpd had taken the last message (in_flow_delay ties this to delivery). */
  acceptSecs: number;
  /** CPU (user + system) of every Postfix process, including those that exited during the run. */
  cpuPerMsg: number;
  /** CPU of this process (the submitting nodemailer pool and the polling). */
  clientCpuPerMsg: number;
  sinkCpuPerMsg: number;
  /** Share of deliveries made over a connection Postfix reused from its cache (conn_use= in its log). */
  reusedShare: number;
}

const WARMUP = 300;

/** main.cf for the relay; every line here that moves throughput says so. */
function relayConfig(sinkPort: number, parallel: number): Record<string, string> {
  return {
    // Relay for 127.0.0.1 only; nothing is local (mydestination is empty in the shared config).
    mynetworks: '127.0.0.1/32',
    // Every message goes to the sink, no MX or A lookup (a bracketed address; DNS is off too).
    relayhost: `[127.0.0.1]:${sinkPort}`,
    relay_transport: 'smtp',
    default_transport: 'smtp',
    // No TLS either way: the sink offers none and Mailroom's pool uses none in this bench.
    smtpd_tls_security_level: 'none',
    smtp_tls_security_level: 'none',
    // THROUGHPUT: at most `parallel` deliveries to the sink at once (the one destination), and
    // start at that concurrency instead of Postfix's slow start from 5.
    smtp_destination_concurrency_limit: String(parallel),
    smtp_initial_destination_concurrency: String(parallel),
    // THROUGHPUT, left at Postfix's defaults and named so nobody has to guess:
    // - smtp_connection_cache_on_demand = yes: with a backlog to one destination, the smtp
    //   processes hand their connection to scache and reuse it instead of reconnecting. The
    //   backlog comes and goes (in_flow_delay below), so the share of deliveries that reuse one
    //   varies from run to run (20-90% seen) and the rate with it; the bench prints the share.
    //   smtp_connection_cache_destinations = 127.0.0.1 (permanent caching) made it ~99% in a few
    //   trials on a loaded machine with no clear gain in msgs/s or CPU per message, so the
    //   default stays.
    // - in_flow_delay = 1s: cleanup pauses a submission (up to 1 s) when mail arrives faster than
    //   qmgr delivers it, so smtpd's accept rate is tied to the delivery rate.
    // - max_use = 100: smtp and cleanup processes exit after 100 requests and the master forks
    //   new ones (part of the CPU counted below).
    // - default_process_limit = 100 (smtpd, cleanup, smtp each); smtpd_client_connection_count_limit
    //   = 50 per client: neither binds with 20 connections.
  };
}

/** CPU ms of the instance so far: its live processes plus the children the master has reaped. */
function postfixCpuMs(pf: PrivatePostfix): number {
  let total = 0;
  for (const pid of pf.processes()) {
    try {
      // With the reaped children: the smtp and cleanup processes that max_use retired, for the master.
      total += statCpuMs(`/proc/${pid}/stat`, true);
    } catch {
      // exited between the listing and the read: its CPU is in the master's cutime now
    }
  }
  return total;
}

/** Files under the queue directories that hold mail not yet delivered. */
function queued(queueDir: string): number {
  const count = (dir: string): number => {
    let n = 0;
    try {
      for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? count(path.join(dir, e.name)) : 1;
    } catch {
      // the directory is created by postfix-script at start; absent means empty
    }
    return n;
  };
  return ['maildrop', 'incoming', 'active', 'deferred', 'hold'].reduce((n, d) => n + count(path.join(queueDir, d)), 0);
}

/** Postfix's log, read as postlogd appends to it: the delivery outcomes only. */
class DeliveryLog {
  sent = 0;
  /** status=sent lines with conn_use=: delivered over a connection taken from the cache. */
  reused = 0;
  /** Every other outcome (deferred, bounced, ...): none is expected. */
  other: string[] = [];
  private offset = 0;
  private partial = '';
  constructor(private readonly file: string) {}

  update(): this {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return this; // postlogd has not written anything yet
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return this;
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buf.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const l of lines) {
        if (l.includes(' status=sent ')) {
          this.sent++;
          if (l.includes(' conn_use=')) this.reused++;
        } else if (/ status=\w+/.test(l)) this.other.push(l);
      }
      return this;
    } finally {
      closeSync(fd);
    }
  }
}

async function waitFor(what: string, done: () => boolean, timeoutMs: number, explain: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error(`Postfix relay: ${what} not reached after ${timeoutMs} ms\n${explain()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Puts `count` messages (numbered from `first`) into the SMTP server on `port`; resolves with
 * how many it put in (a latency probe running beside the load adds its own).
 */
export type Submitter = (port: number, first: number, count: number) => Promise<number>;

export async function measurePostfixRelay(opts: { sinkPort: number; sinkPid: number; messages: number; pool: number; submit?: Submitter }): Promise<PostfixRelayResult> {
  const { sinkPort, sinkPid, messages: n, pool } = opts;
  if (!havePostfix()) throw new Error('--postfix needs Postfix installed (/usr/sbin/postfix, smtpd) and root, which its master requires');
  const pf = await startPrivatePostfix({ prefix: 'mailroom-bench-postfix-', main: relayConfig(sinkPort, pool), services: ['smtp unix - - n - - smtp'] });
  const transport = nodemailer.createTransport({ pool: true, host: '127.0.0.1', port: pf.port, secure: false, ignoreTLS: true, maxConnections: pool, maxMessages: Infinity });
  const log = new DeliveryLog(pf.maillog);
  const explain = () => `queued: ${queued(pf.queueDir)}, sent: ${log.update().sent}\n${log.other.slice(0, 5).join('\n')}`;
  // The queue empties when every message is delivered; a deferral would keep it from emptying
  // for minutes, so the first one in the log ends the run at once.
  const queueEmpty = () => {
    if (log.update().other.length) throw new Error(`Postfix relay: a delivery to the sink did not succeed\n${explain()}`);
    return queued(pf.queueDir) === 0;
  };
  // Everything delivered: the queue is empty and the log has a status=sent line per message.
  // The queue is what ends the timing (exact: a queue file goes once all its recipients are
  // done); the log, written by postlogd a moment later, confirms nothing bounced or deferred.
  const drained = async (expected: number, timeoutMs: number) => {
    await waitFor('an empty queue', queueEmpty, timeoutMs, explain);
    await waitFor(`${expected} status=sent log lines`, () => log.update().sent >= expected, 10_000, explain);
    if (log.other.length || log.sent !== expected) throw new Error(`Postfix relay: expected ${expected} status=sent lines, log has ${log.sent}\n${explain()}`);
  };
  // By default a nodemailer pool of `pool` connections submits (bench/throughput.ts).
  const send = opts.submit
    ? (from: number, count: number) => opts.submit!(pf.port, from, count)
    : async (from: number, count: number) => {
        let next = from;
        const worker = async () => {
          while (next < from + count) {
            const i = next++;
            await transport.sendMail({ from: 'Bench <bench@example.com>', to: `rcpt${i % 50}@example.net`, subject: `Bench ${i}`, text: body(i) });
          }
        };
        await Promise.all(Array.from({ length: pool * 4 }, worker));
        return count;
      };
  try {
    // Warm-up, untimed as Mailroom's is: the pool's connections, smtpd/cleanup/smtp processes
    // forked, the scache filled.
    const warm = await send(0, WARMUP);
    await drained(warm, 60_000);
    const cpu0 = postfixCpuMs(pf);
    const sink0 = cpuMs(sinkPid) ?? 0;
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    const submitted = await send(WARMUP, n);
    const acceptSecs = (performance.now() - t0) / 1000;
    await waitFor('an empty queue', queueEmpty, Math.max(120_000, n * 20), explain);
    const secs = (performance.now() - t0) / 1000;
    const cpu = postfixCpuMs(pf) - cpu0;
    const sinkCpu = (cpuMs(sinkPid) ?? 0) - sink0;
    const client = process.cpuUsage(client0);
    await drained(warm + submitted, 0);
    return {
      messages: submitted,
      rate: submitted / secs,
      secs,
      acceptSecs,
      cpuPerMsg: cpu / submitted,
      clientCpuPerMsg: (client.user + client.system) / 1000 / submitted,
      sinkCpuPerMsg: sinkCpu / submitted,
      reusedShare: log.reused / log.sent,
    };
  } finally {
    transport.close();
    await pf.stop();
  }
}
