import type { CoreContext } from '../core/context.js';
import type { StoreCapabilities } from '../core/ports.js';
import type { Logger } from '../logger.js';
import type { Worker, WorkSignals } from '../ports.js';
import { Dispatcher, type Deliverer, type DispatcherOptions } from './dispatcher.js';
import { mayBeUrgent } from '../core/routing/purposes.js';

export type DeliveryTuning = Partial<Pick<DispatcherOptions, 'maxInFlight' | 'maxInFlightBytes' | 'batchSize' | 'urgentReserve' | 'leaseMs' | 'pollMs' | 'claimGatherMs'>> & {
  /** false: recover claims but leave claiming to drain() (tests driving a manual clock). */
  loop?: boolean;
};

export interface DeliveryWorker extends Worker {
  dispatcher: Dispatcher;
}

/**
 * The outbox worker: a dispatcher sending through the deliverer the composition root chose
 * (pooled SMTP or the log driver). It wakes when a message is accepted or retried in this
 * process (the message-events port) or, on PostgreSQL, announced by another process (the
 * work-signals port); polling finds what a lost signal and a retry coming due leave behind.
 */
export function deliveryWorker(
  deps: { ctx: CoreContext; capabilities: StoreCapabilities; logger: Logger; deliverer: Deliverer & { close?(): Promise<void> }; signals?: WorkSignals },
  tuning: DeliveryTuning = {},
): DeliveryWorker {
  const { loop, ...dispatcherTuning } = tuning;
  const dispatcher = new Dispatcher({ ctx: deps.ctx, capabilities: deps.capabilities, logger: deps.logger.child({ component: 'dispatcher' }), deliverer: deps.deliverer, ...dispatcherTuning });
  let unsubscribe: (() => void) | undefined;
  let unlisten: (() => void) | undefined;
  return {
    name: 'delivery',
    dispatcher,
    async start() {
      unsubscribe = deps.ctx.events.subscribe((e) => dispatcher.wake(mayBeUrgent(e)), ['message.accepted', 'message.retried']);
      // Listening before the first round: a message committed elsewhere from here on wakes it
      // (another process's bulk mail without cutting this one's gathering pause, as its own would).
      unlisten = await deps.signals?.subscribe('outbox', (urgent) => dispatcher.wake(urgent));
      await dispatcher.start({ loop });
    },
    async stop() {
      unsubscribe?.();
      unlisten?.();
      await dispatcher.stop();
      await deps.deliverer.close?.();
    },
  };
}
