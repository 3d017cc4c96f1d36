import type { CoreContext } from '../core/context.js';
import { applyRetention } from '../core/outbox/retention.service.js';
import type { Logger } from '../logger.js';
import type { Worker } from '../ports.js';

/** How often the retention looks for messages it no longer keeps (a setting changed applies by the next look). */
export const RETENTION_INTERVAL_MS = 10 * 60_000;

/**
 * Applies the email log's retention (settings.retention) in the background: a pass soon after
 * start and every RETENTION_INTERVAL_MS after, each deleting chunk after chunk and yielding to
 * the event loop between them, so a first pass over a large old log never holds a request.
 * With the log kept forever (the default) a pass reads two settings and stops. On PostgreSQL
 * every process with workers runs one; their chunks skip each other's rows.
 */
export function retentionWorker(ctx: CoreContext, logger: Logger, o: { intervalMs?: number; firstPassMs?: number } = {}): Worker {
  const intervalMs = o.intervalMs ?? RETENTION_INTERVAL_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  let failing = false;
  const pass = async () => {
    try {
      const { messages, events, webhookDeliveries, cutoff } = await applyRetention(ctx, {
        between: async () => {
          await new Promise((r) => setImmediate(r));
          return !stopped;
        },
      });
      if (messages + events + webhookDeliveries > 0 && cutoff !== null) {
        logger.info({ messages, events, webhookDeliveries, lastChangeBefore: new Date(cutoff).toISOString() }, 'retention: deleted finished messages, their events and webhook deliveries the logs no longer keep');
      }
      if (failing) logger.info('retention: working again');
      failing = false;
    } catch (err) {
      // The store may be away for a while: say so once, try again at the next pass.
      if (!failing) logger.warn({ err }, 'retention: could not delete old messages; trying again at the next pass');
      failing = true;
    }
    schedule(intervalMs);
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => (running = pass()), ms);
    timer.unref();
  };
  return {
    name: 'retention',
    async start() {
      stopped = false;
      // Not at once: a start has enough to do; a minute later is soon enough for a daily matter.
      schedule(o.firstPassMs ?? 60_000);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
