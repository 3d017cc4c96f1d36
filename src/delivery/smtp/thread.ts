import type { Worker } from 'node:worker_threads';
import type { DkimSigningOptions } from '../../core/senders/dkim.service.js';
import type { AttemptReport } from '../../core/outbox/retry-policy.js';
import type { Logger } from '../../logger.js';
import { startWorkerThread } from '../../worker-thread.js';
import { composable } from './composed-mail.js';
import type { OutgoingMessage } from '../outgoing.js';
import type { PasswordSource, SendTarget } from './transport.js';
import { targetKey, toWire, type DirectThreadConfig, type FromSmtpThread, type SendJob, type ToSmtpThread } from './thread-protocol.js';

export interface SmtpThreadDeps {
  password: PasswordSource;
  dkim: (fromDomain: string) => Promise<DkimSigningOptions | undefined>;
  logger: Logger;
  /** Direct servers' settings: the thread delivers their messages too (default: system resolver, no allow-list). */
  direct?: DirectThreadConfig;
}

/**
 * The SMTP transports in a worker thread. Building MIME, DKIM signing and the socket writes
 * of nodemailer cost as much CPU as everything else a message needs; in a thread they run
 * on the second core while this thread does HTTP and the store. Same contract as
 * SmtpTransports.send: a report per attempt, never a rejection for an SMTP problem.
 *
 * The thread starts when delivery starts (prepare) or else with the first send. If it dies, the
 * attempts it held end as transient failures (retried on the schedule) and the next send starts
 * a new thread.
 */
export class SmtpThread {
  private worker: Worker | null = null;
  private nextId = 0;
  private pending = new Map<number, (r: AttemptReport) => void>();
  private outbox: SendJob[] = [];
  private flushScheduled = false;
  /** Target keys the current thread already holds. */
  private known = new Set<string>();
  private closing: Promise<void> | null = null;

  constructor(private readonly deps: SmtpThreadDeps) {}

  send(target: SendTarget, out: OutgoingMessage): Promise<AttemptReport> {
    if (this.closing) return Promise.resolve(lost('the SMTP thread is shutting down'));
    const worker = this.worker ?? this.spawn();
    const key = targetKey(target);
    const job: SendJob = { id: ++this.nextId, key, out: composable(out) };
    if (!this.known.has(key)) {
      this.known.add(key);
      job.target = target;
    }
    this.outbox.push(job);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Everything a claim starts in this turn of the event loop travels in one message.
      setImmediate(() => {
        this.flushScheduled = false;
        const jobs = this.outbox;
        this.outbox = [];
        if (jobs.length && this.worker === worker) this.post({ t: 'send', jobs });
        else for (const j of jobs) this.settle(j.id, lost('the SMTP thread stopped'));
      });
    }
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve) => this.pending.set(job.id, resolve));
  }

  /** Starts the thread ahead of the first send (see Deliverer.prepare); an idle thread does not keep the process alive. */
  prepare(): void {
    if (this.worker || this.closing) return;
    this.spawn().unref();
  }

  /** See SmtpTransports.shed: messages still waiting for a relay connection come back not attempted. */
  shed(reason: string): void {
    this.post({ t: 'shed', reason });
  }

  /** Closes the pools (in-flight messages finish first) and ends the thread. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const worker = this.worker;
    if (!worker) return (this.closing = Promise.resolve());
    this.closing = new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        void worker.terminate().finally(resolve);
      };
      // nodemailer closes pools at once; don't hang shutdown on a stuck socket.
      const timer = setTimeout(done, 5_000);
      worker.once('exit', done);
      worker.on('message', (m: FromSmtpThread) => m.t === 'closed' && done());
      this.post({ t: 'close' });
    });
    return this.closing;
  }

  private post(m: ToSmtpThread): void {
    this.worker?.postMessage(m);
  }

  private settle(id: number, report: AttemptReport): void {
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    resolve(report);
    // An idle thread must not keep the process alive.
    if (this.pending.size === 0) this.worker?.unref();
  }

  private spawn(): Worker {
    const worker = startWorkerThread(import.meta.url, './worker', { workerData: { direct: this.deps.direct ?? { dnsServers: [], allowPrivateHosts: [] } } });
    this.worker = worker;
    this.known = new Set();
    worker.on('message', (m: FromSmtpThread) => this.onMessage(worker, m));
    worker.on('error', (err) => this.deps.logger.error({ err }, 'the SMTP thread failed; its attempts will be retried'));
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const id of [...this.pending.keys()]) this.settle(id, lost('the SMTP thread exited'));
    });
    return worker;
  }

  private onMessage(worker: Worker, m: FromSmtpThread): void {
    switch (m.t) {
      case 'done':
        for (const r of m.results) this.settle(r.id, r.report);
        return;
      case 'password?':
        this.deps.password(m.account, { fresh: m.fresh === true }).then(
          (value) => worker.postMessage({ t: 'password', req: m.req, value } satisfies ToSmtpThread),
          (err: unknown) => worker.postMessage({ t: 'password', req: m.req, error: toWire(err) } satisfies ToSmtpThread),
        );
        return;
      case 'dkim?':
        this.deps.dkim(m.domain).then(
          (value) => worker.postMessage({ t: 'dkim', req: m.req, value } satisfies ToSmtpThread),
          (err: unknown) => worker.postMessage({ t: 'dkim', req: m.req, error: toWire(err) } satisfies ToSmtpThread),
        );
        return;
      case 'warn':
        this.deps.logger.warn(m.obj, m.msg);
        return;
      case 'info':
        this.deps.logger.info(m.obj, m.msg);
        return;
      case 'closed':
        return;
    }
  }
}

/** A transient failure: the message is deferred and retried on its schedule. */
function lost(why: string): AttemptReport {
  return { accepted: [], rejected: [], failure: { kind: 'network', code: null, enhancedCode: null, message: why } };
}
