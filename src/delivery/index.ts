import type { App } from '../app.js';
import { createDkimSigner } from './dkim-signer.js';
import { resolveAccountPassword } from '../secrets/references.js';
import { Dispatcher, type Deliverer, type DispatcherOptions } from './dispatcher.js';
import { logTransport } from './log-transport.js';
import { SmtpTransports } from './smtp/transport.js';
import { SmtpThread } from './smtp/thread.js';
import { dkimSigningOptions } from '../core/senders/dkim.service.js';
import type { StoredAccount } from '../core/ports.js';

const running = new WeakMap<App, Dispatcher>();

/** The dispatcher of a running app, if delivery was started (routes use it to wake it up). */
export function dispatcherOf(app: App): Dispatcher | undefined {
  return running.get(app);
}

/**
 * Starts the outbox dispatcher with the driver the configuration names: `smtp` (pooled
 * transports per account) or `log` (nothing leaves the machine). Stopped by app.close().
 */
export async function startDelivery(
  app: App,
  tuning: Partial<Pick<DispatcherOptions, 'maxInFlight' | 'batchSize' | 'leaseMs' | 'pollMs'>> & { loop?: boolean; smtpThread?: boolean } = {},
): Promise<Dispatcher> {
  const existing = running.get(app);
  if (existing) return existing;
  let deliverer: Deliverer;
  let transports: { close(): Promise<void> } | undefined;
  if (app.config.mailDriver === 'log') {
    const log = logTransport(app.logger);
    deliverer = { logOnly: true, send: (_target, out) => log.send(out) };
  } else {
    const password = (account: StoredAccount) => resolveAccountPassword(app.store.repos, account);
    const logger = app.logger.child({ component: 'smtp' });
    // Default: the pools live in a worker thread (the second core); `smtpThread: false` keeps them here.
    const smtp =
      tuning.smtpThread === false
        ? new SmtpTransports({ password, logger, dkim: createDkimSigner(app.store.repos) })
        : new SmtpThread({ password, logger, dkim: (domain) => dkimSigningOptions(app.store.repos, domain) });
    transports = smtp;
    deliverer = {
      logOnly: false,
      send: (target, out) => {
        if (!target) throw new Error('smtp delivery needs a sending account');
        return smtp.send(target, out);
      },
    };
  }
  const { smtpThread: _thread, ...dispatcherTuning } = tuning;
  const dispatcher = new Dispatcher({ ctx: app.ctx, capabilities: app.capabilities, logger: app.logger.child({ component: 'dispatcher' }), deliverer, ...dispatcherTuning });
  running.set(app, dispatcher);
  app.onClose(async () => {
    await dispatcher.stop();
    await transports?.close();
    running.delete(app);
  });
  await dispatcher.start({ loop: tuning.loop });
  return dispatcher;
}
