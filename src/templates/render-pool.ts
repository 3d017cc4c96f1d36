import type { Worker } from 'node:worker_threads';
import type { RenderLimits } from './limits.js';
import { PARTS, type EngineFailure, type EngineRequest, type EngineResponse, type FromRenderThread, type Part } from './render-protocol.js';

interface Job {
  id: number;
  req: EngineRequest;
  resolve: (res: EngineResponse) => void;
  /**
   * Threads that failed to start while this job waited for them: it is sent again, a few times
   * at most. A thread ended under another job's render (its deadline, its heap) is that job's
   * failure, not this one's, and is not counted: under a burst of renders that each hit the
   * deadline, a job queued behind them waits its turn instead of failing for deaths it did not
   * cause (each such death answers the job that caused it, so the waiting ends).
   */
  resent: number;
}

interface Slot {
  worker: Worker;
  /** Jobs posted to the thread, in the order it renders them; the first is rendering now. */
  inflight: Job[];
  /** When the first job became the one rendering (as seen from here: never earlier than it really did). */
  headSince: number;
  timer: NodeJS.Timeout | null;
  /** The part the thread is rendering (an index of PARTS), written by the thread. */
  progress: Int32Array;
  /** The thread has loaded: until then its jobs wait in its port and no deadline runs. */
  ready: boolean;
}

/** A thread busy this long with one render is passed over while another can take the work. */
const SLOW_MS = 50;
/** A job waiting for a thread that fails to start is sent to a new one at most this many times (a broken installation fails it, not loops). */
const MAX_RESENDS = 3;
/** A thread that has not loaded by then is given up (a broken installation, not a template). */
const STARTUP_MS = 60_000;

export interface RenderPoolOptions {
  limits: RenderLimits;
  /** Starts one render thread (render-thread.ts) with the limits and its progress buffer. */
  spawn: (workerData: { limits: RenderLimits; progress: SharedArrayBuffer }) => Worker;
  onThreadError?: (err: unknown) => void;
}

/**
 * A few render threads and the hard limits around them. Each request goes to the least busy
 * thread (passing over one stuck in a long render); a thread renders its requests in order and
 * answers each at once. The request being rendered has a deadline: when it passes, the thread is
 * terminated — a template cannot stall Mailroom however it loops — that request fails with
 * MAILROOM_E_TEMPLATE_LIMIT, and the requests queued behind it go to another thread. A thread
 * that dies (its heap limit reached) is handled the same way.
 */
export class RenderPool {
  private readonly slots: (Slot | null)[];
  private nextId = 0;
  private closed = false;

  constructor(private readonly opts: RenderPoolOptions) {
    this.slots = Array.from({ length: Math.max(1, opts.limits.threads) }, () => null);
  }

  run(req: EngineRequest): Promise<EngineResponse> {
    if (this.closed) return Promise.resolve(failed({ kind: 'unavailable', message: 'the template engine is shutting down' }));
    return new Promise((resolve) => this.dispatch({ id: ++this.nextId, req, resolve, resent: 0 }));
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0).filter((s): s is Slot => s !== null);
    for (const slot of slots) {
      if (slot.timer) clearTimeout(slot.timer);
      for (const job of slot.inflight.splice(0)) job.resolve(failed({ kind: 'unavailable', message: 'the template engine is shutting down' }));
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private dispatch(job: Job): void {
    if (this.closed) return job.resolve(failed({ kind: 'unavailable', message: 'the template engine is shutting down' }));
    const slot = this.choose();
    slot.inflight.push(job);
    slot.worker.postMessage({ id: job.id, req: job.req });
    if (slot.inflight.length === 1) this.startHead(slot);
  }

  /** An idle thread, else a new one while there is room, else the least busy thread not stuck in a long render. */
  private choose(): Slot {
    const live = this.slots.filter((s): s is Slot => s !== null);
    const idle = live.find((s) => s.inflight.length === 0);
    if (idle) return idle;
    const free = this.slots.indexOf(null);
    if (free >= 0) return (this.slots[free] = this.spawn());
    const now = performance.now();
    const quick = live.filter((s) => now - s.headSince < SLOW_MS);
    return (quick.length ? quick : live).reduce((a, b) => (b.inflight.length < a.inflight.length ? b : a));
  }

  private spawn(): Slot {
    const progress = new SharedArrayBuffer(4);
    const worker = this.opts.spawn({ limits: this.opts.limits, progress });
    const slot: Slot = { worker, inflight: [], headSince: performance.now(), timer: null, progress: new Int32Array(progress), ready: false };
    slot.timer = setTimeout(() => this.lose(slot, { kind: 'unavailable', message: `the render thread did not start within ${STARTUP_MS / 1000} s` }), STARTUP_MS);
    worker.on('message', (m: FromRenderThread) => {
      if ('ready' in m) {
        slot.ready = true;
        if (slot.inflight.length) this.startHead(slot);
        else this.idle(slot);
      } else this.answered(slot, m);
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') return this.lose(slot, { kind: 'limit', limit: 'memory', message: 'the render needed more memory than a template may use' });
      this.opts.onThreadError?.(err);
      this.lose(slot, { kind: 'unavailable', message: `the render thread failed: ${err.message}` });
    });
    worker.on('exit', () => this.lose(slot, { kind: 'unavailable', message: 'the render thread exited' }));
    return slot;
  }

  private answered(slot: Slot, m: { id: number; res: EngineResponse }): void {
    const head = slot.inflight[0];
    if (!head || head.id !== m.id) return;
    slot.inflight.shift();
    head.resolve(m.res);
    if (slot.inflight.length) this.startHead(slot);
    else this.idle(slot);
  }

  private startHead(slot: Slot): void {
    slot.headSince = performance.now();
    if (!slot.ready) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.worker.ref();
    slot.timer = setTimeout(() => this.lose(slot, { kind: 'limit', limit: 'deadline', message: `the render did not finish within ${this.opts.limits.deadlineMs} ms` }), this.opts.limits.deadlineMs);
  }

  private idle(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    // An idle thread must not keep the process alive.
    slot.worker.unref();
  }

  /**
   * The thread is gone or being ended: the render it was doing fails with `failure`, the jobs
   * queued behind it (never started, or started and lost) go to another thread. Only a thread
   * that never loaded counts against its queued jobs (see Job.resent); one that died rendering
   * died of its head job.
   */
  private lose(slot: Slot, failure: EngineFailure): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    this.slots[at] = null;
    if (slot.timer) clearTimeout(slot.timer);
    const [head, ...rest] = slot.inflight.splice(0);
    // The thread wrote which part it was rendering: the failure names it.
    const part = PARTS[Atomics.load(slot.progress, 0)] || undefined;
    void slot.worker.terminate();
    head?.resolve(failed(failure.kind === 'limit' && part && !failure.part ? { ...failure, part: part as Part } : failure));
    for (const job of rest) {
      if (!slot.ready && ++job.resent > MAX_RESENDS) job.resolve(failed({ kind: 'unavailable', message: 'render threads kept failing to start' }));
      else this.dispatch(job);
    }
  }
}

const failed = (failure: EngineFailure): EngineResponse => ({ ok: false, failure });
