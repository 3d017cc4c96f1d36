import type { CoreContext } from '../core/context.js';
import { JOURNALED_EVENT_TYPES } from '../core/kernel/event-journal.js';
import type { StoreCapabilities } from '../core/ports.js';
import type { Logger } from '../logger.js';
import type { Worker, WorkSignals } from '../ports.js';
import type { WebhookTransport } from './http-transport.js';
import { WebhookRunner, type WebhookRunnerOptions } from './runner.js';

export type WebhookTuning = Partial<Pick<WebhookRunnerOptions, 'maxInFlight' | 'perEndpoint' | 'leaseMs' | 'pollMs'>> & {
  /** false: recover claims but leave the work to drain() (tests driving a manual clock). */
  loop?: boolean;
};

export interface WebhookWorker extends Worker {
  runner: WebhookRunner;
}

/**
 * Webhooks in the background: the runner wakes when this process journals an event (the
 * message-events port, after the commit) or, on PostgreSQL, when a process without a webhook
 * worker of its own announces one (the work-signals port), and polls for other processes'
 * events and for retries coming due.
 */
export function webhookWorker(
  deps: { ctx: CoreContext; capabilities: StoreCapabilities; logger: Logger; transport: WebhookTransport; signals?: WorkSignals },
  tuning: WebhookTuning = {},
): WebhookWorker {
  const { loop, ...runnerTuning } = tuning;
  const { signals, ...runnerDeps } = deps;
  const runner = new WebhookRunner({ ...runnerDeps, logger: deps.logger.child({ component: 'webhooks' }), ...runnerTuning });
  let unsubscribe: (() => void) | undefined;
  let unlisten: (() => void) | undefined;
  return {
    name: 'webhooks',
    runner,
    async start() {
      unsubscribe = deps.ctx.events.subscribe(() => runner.wake(), JOURNALED_EVENT_TYPES);
      unlisten = await signals?.subscribe('webhooks', () => runner.wake());
      await runner.start({ loop });
    },
    async stop() {
      unsubscribe?.();
      unlisten?.();
      await runner.stop();
      await deps.transport.close();
    },
  };
}
