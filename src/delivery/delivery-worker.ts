import type { CoreContext } from '../core/context.js';
import type { StoreCapabilities } from '../core/ports.js';
import type { Logger } from '../logger.js';
import type { Worker } from '../ports.js';
import { Dispatcher, type Deliverer, type DispatcherOptions } from './dispatcher.js';

export type DeliveryTuning = Partial<Pick<DispatcherOptions, 'maxInFlight' | 'batchSize' | 'leaseMs' | 'pollMs'>> & {
  /** false: recover claims but leave claiming to drain() (tests driving a manual clock). */
  loop?: boolean;
};

export interface DeliveryWorker extends Worker {
  dispatcher: Dispatcher;
}

/**
 * The outbox worker: a dispatcher sending through the deliverer the composition root chose
 * (pooled SMTP or the log driver). It wakes when a message is accepted or retried in this
 * process (the message-events port); other processes' messages are found by polling.
 */
export function deliveryWorker(
  deps: { ctx: CoreContext; capabilities: StoreCapabilities; logger: Logger; deliverer: Deliverer & { close?(): Promise<void> } },
  tuning: DeliveryTuning = {},
): DeliveryWorker {
  const { loop, ...dispatcherTuning } = tuning;
  const dispatcher = new Dispatcher({ ctx: deps.ctx, capabilities: deps.capabilities, logger: deps.logger.child({ component: 'dispatcher' }), deliverer: deps.deliverer, ...dispatcherTuning });
  let unsubscribe: (() => void) | undefined;
  return {
    name: 'delivery',
    dispatcher,
    async start() {
      unsubscribe = deps.ctx.events.subscribe(() => dispatcher.wake(), ['message.accepted', 'message.retried']);
      await dispatcher.start({ loop });
    },
    async stop() {
      unsubscribe?.();
      await dispatcher.stop();
      await deps.deliverer.close?.();
    },
  };
}
