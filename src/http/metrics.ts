import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, register, Registry } from 'prom-client';
import type { App } from '../app.js';

let defaultsCollected = false;

/**
 * The outbox as an operator alerts on it: how many messages wait, by status, and how long the
 * longest-waiting due one has waited (a stuck worker or a dead server shows here first).
 * Read from the store at scrape time, so every process reports the shared queue. The gauges
 * live in a registry of this app (tests run several apps in one process); the counters and
 * process metrics stay on prom-client's global one.
 */
function outboxRegistry(app: App): Registry {
  const registry = new Registry();
  let stats: Promise<Awaited<ReturnType<App['store']['repos']['messages']['queueStats']>>> | null = null;
  // One query per scrape, shared by both gauges.
  const current = () => (stats ??= app.store.repos.messages.queueStats(app.clock.now()).finally(() => setImmediate(() => (stats = null))));
  new Gauge({
    name: 'mailroom_outbox_messages',
    help: 'Messages not yet delivered, by status (queued, deferred, sending)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const s = await current();
      for (const status of ['queued', 'deferred', 'sending'] as const) this.set({ status }, s[status]);
    },
  });
  new Gauge({
    name: 'mailroom_outbox_oldest_due_seconds',
    help: 'How long the longest-waiting due message (queued or deferred) has been due; 0 when none is',
    registers: [registry],
    async collect() {
      const s = await current();
      this.set(s.oldestDueAt === null ? 0 : Math.max(0, (app.clock.now() - s.oldestDueAt) / 1000));
    },
  });
  return registry;
}

/**
 * The outbox gauges' text, or '' when the store fails or has not answered by the deadline:
 * the process metrics and delivery counters must stay scrapeable while the database is down
 * or stuck, which is when an operator needs them. A read still running keeps going, and the
 * next scrapes share it instead of queueing more (see `current` above).
 */
async function outboxText(app: App, outbox: Registry, deadlineMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([outbox.metrics(), deadline]);
  } catch (err) {
    app.logger.warn({ err }, 'outbox gauges left out of this scrape: reading the queue from the store failed');
    return '';
  } finally {
    clearTimeout(timer);
  }
}

/** Prometheus metrics: process defaults, the delivery counters, and the outbox gauges. */
export function metricsRoutes(app: App, opts: { outboxDeadlineMs?: number } = {}) {
  return async (server: FastifyInstance) => {
    if (!defaultsCollected) {
      collectDefaultMetrics({ prefix: 'mailroom_' });
      defaultsCollected = true;
    }
    const outbox = outboxRegistry(app);
    server.get('/metrics', { config: { permission: 'public' }, schema: { hide: true } }, async (_req, reply) => {
      reply.header('content-type', register.contentType);
      // Below Prometheus's default 10 s scrape timeout, so the rest of the scrape still arrives.
      const [global, gauges] = await Promise.all([register.metrics(), outboxText(app, outbox, opts.outboxDeadlineMs ?? 5_000)]);
      return global + gauges;
    });
  };
}
