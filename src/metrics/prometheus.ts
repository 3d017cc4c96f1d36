import { collectDefaultMetrics, Counter, Gauge, Histogram, register, Registry } from 'prom-client';
import type { CoreContext } from '../core/context.js';
import type { QueueStats } from '../core/outbox/ports.js';
import type { Logger } from '../logger.js';
import type { AnsweredRequest, MetricsExposition } from '../ports.js';

let defaultsCollected = false;

/**
 * This app's Prometheus metrics. The counters are counted from the message-events port, so
 * every source (API, CLI, test email, relay …) and every worker in this process counts, and
 * nothing else has to remember to. They live in a registry of this app (tests run several
 * apps in one process); only the process metrics (CPU, memory, event loop) are process-wide.
 */
export function prometheusMetrics(deps: { ctx: CoreContext; logger: Logger; outboxDeadlineMs?: number }): MetricsExposition & { close(): void } {
  if (!defaultsCollected) {
    collectDefaultMetrics({ prefix: 'mailroom_' });
    defaultsCollected = true;
  }
  const registry = new Registry();
  const accepted = new Counter({ name: 'mailroom_messages_accepted_total', help: 'Messages accepted into the outbox, by source', labelNames: ['source'], registers: [registry] });
  const attempts = new Counter({ name: 'mailroom_delivery_attempts_total', help: 'Delivery attempts by outcome', labelNames: ['outcome'], registers: [registry] });
  const duplicates = new Counter({ name: 'mailroom_delivery_possible_duplicates_total', help: 'Attempts after which the server may already hold the message (a retry may deliver a second copy)', registers: [registry] });
  const finished = new Counter({ name: 'mailroom_messages_finished_total', help: 'Messages that reached a final status', labelNames: ['status'], registers: [registry] });
  const attemptSeconds = new Histogram({
    name: 'mailroom_delivery_attempt_seconds',
    help: 'Duration of one delivery attempt',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [registry],
  });
  const unsubscribe = deps.ctx.events.subscribe((e) => {
    switch (e.type) {
      case 'message.accepted':
        accepted.inc({ source: e.source });
        return;
      case 'message.attempted':
        attempts.inc({ outcome: e.outcome });
        attemptSeconds.observe(e.durationMs / 1000);
        if (e.possibleDuplicate) duplicates.inc();
        return;
      case 'message.sent':
      case 'message.failed':
      case 'message.expired':
      case 'message.logged':
      case 'message.cancelled':
        finished.inc({ status: e.type.slice('message.'.length) });
        return;
    }
  });
  outboxGauges(registry, deps.ctx);
  inboundGauges(registry, deps.ctx);
  const observeRequest = answerTimes(registry);
  const deadlineMs = deps.outboxDeadlineMs ?? 5_000;
  return {
    contentType: register.contentType,
    observeRequest,
    async text() {
      // Below Prometheus's default 10 s scrape timeout, so the rest of the scrape still arrives.
      const [global, own] = await Promise.all([register.metrics(), withDeadline(registry, deadlineMs, deps.logger)]);
      return global + own;
    },
    close: unsubscribe,
  };
}

/**
 * The outbox as an operator alerts on it: how many messages wait, by status, and how long the
 * longest-waiting due one has waited (a stuck worker or a dead server shows here first).
 * Read from the store at scrape time, so every process reports the shared queue.
 */
function outboxGauges(registry: Registry, ctx: CoreContext): void {
  let stats: Promise<QueueStats> | null = null;
  // One count per scrape, shared by both gauges (and with other readers once the queue is deep).
  const current = () => (stats ??= ctx.queueCounts.get().then((c) => c.stats).finally(() => setImmediate(() => (stats = null))));
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
      this.set(s.oldestDueAt === null ? 0 : Math.max(0, (ctx.clock.now() - s.oldestDueAt) / 1000));
    },
  });
}

/**
 * The IMAP readers as an operator alerts on them (bounces and replies that are not read are
 * bounces nobody acts on): how many folders are in each state (alert on `failing`), and how long
 * ago the least recently synced folder that is read synced (a reader syncs at least every
 * minute; `idle` folders, which nobody reads, do not count). Read from the store at scrape time,
 * so every process reports every reader, whichever process holds it.
 */
function inboundGauges(registry: Registry, ctx: CoreContext): void {
  // A row per folder read (a handful per account): each gauge reads them itself.
  const current = () => ctx.store.repos.mailboxes.list();
  new Gauge({
    name: 'mailroom_inbound_mailboxes',
    help: 'IMAP folders by reader state (idle: not read; syncing, watching; failing: waiting to try again after an error)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const list = await current();
      for (const state of ['idle', 'syncing', 'watching', 'failing'] as const) this.set({ state }, list.filter((m) => m.state === state).length);
    },
  });
  new Gauge({
    name: 'mailroom_inbound_oldest_sync_seconds',
    help: 'Seconds since the least recently synced folder that is read (not idle) last synced; 0 when none has',
    registers: [registry],
    async collect() {
      const synced = (await current()).filter((m) => m.state !== 'idle' && m.lastSyncAt !== null).map((m) => m.lastSyncAt as number);
      this.set(synced.length ? Math.max(0, (ctx.clock.now() - Math.min(...synced)) / 1000) : 0);
    },
  });
}

/**
 * How long Mailroom took to answer, by route and status class: the accept latency an application
 * sees, less its network (for POST /api/v1/messages the 202 comes after the commit's fsync).
 * Timed by the HTTP server from the moment it has read the request's headers to the answer's
 * last byte handed to the socket (time a request waits in the socket before the main thread
 * reads it is not in it). Labelled by the route's pattern, never the URL, so ids and probes for paths that do
 * not exist ("unmatched") cannot grow the series without bound. The 0.02 bucket is the paced
 * load's target (docs/performance.md).
 */
function answerTimes(registry: Registry): (r: AnsweredRequest) => void {
  const histogram = new Histogram({
    name: 'mailroom_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status class',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (r) => histogram.observe({ method: r.method, route: r.route ?? 'unmatched', status: `${Math.floor(r.status / 100)}xx` }, r.seconds);
}

/**
 * This app's metrics text; without the outbox gauges when the store fails or has not answered
 * by the deadline: the process metrics and counters must stay scrapeable while the database is
 * down or stuck, which is when an operator needs them. The counters are read from memory, so
 * on failure the scrape falls back to them alone.
 */
async function withDeadline(registry: Registry, deadlineMs: number, logger: Logger): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([registry.metrics(), deadline]);
  } catch (err) {
    logger.warn({ err }, 'outbox gauges and inbound gauges left out of this scrape: reading them from the store failed');
    return countersOnly(registry);
  } finally {
    clearTimeout(timer);
  }
}

/** The gauges read from the store at scrape time: left out together when it fails. */
const STORE_GAUGES = ['mailroom_outbox_', 'mailroom_inbound_'];

async function countersOnly(registry: Registry): Promise<string> {
  const texts = await Promise.all(
    registry
      .getMetricsAsArray()
      .filter((m) => !STORE_GAUGES.some((prefix) => m.name.startsWith(prefix)))
      .map((m) => registry.getSingleMetricAsString(m.name)),
  );
  return texts.length ? texts.join('\n') + '\n' : '';
}
