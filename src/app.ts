import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import type { RoutePlugin } from './http/server.js';
import { systemClock, type Clock } from './core/kernel/clock.js';
import type { CoreContext } from './core/context.js';
import { LoginThrottle } from './core/access/login-throttle.js';
import { ensureFirstAdmin } from './core/access/bootstrap.js';
import type { Store } from './core/ports.js';
import type { MailroomConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { openKeyring } from './secrets/rotation.js';
import type { Keyring } from './secrets/keyring.js';
import { openDatabase, type StoreCapabilities } from './store/database.js';
import { migrateToLatest } from './store/migrator.js';
import type { DB } from './store/schema.js';
import { createStore } from './store/store.js';
import { serverWritesLockedReason } from './core/senders/deploy-config.js';
import { routingRoutes, startRouting } from './wiring/routing.js';
import { startDelivery } from './delivery/index.js';
import { messagesRoutes } from './http/routes/messages.js';
import { registerSend } from './cli/commands/send.js';
import { registerTestSmtp } from './cli/commands/test-smtp.js';
import { diagnosticsAreaRoutes } from './wiring/diagnostics.js';

/** Group-commit batches that may commit at once on PostgreSQL (its pool holds 10 connections). */
const GROUP_COMMIT_LANES_PG = 4;

/** Everything a running Mailroom is made of; the one place where ports meet adapters. */
export interface App {
  config: Readonly<MailroomConfig>;
  db: Kysely<DB>;
  capabilities: StoreCapabilities;
  store: Store;
  ctx: CoreContext;
  keyring: Keyring;
  logger: Logger;
  clock: Clock;
  loginThrottle: LoginThrottle;
  /** Set on the very first start when Mailroom generated the admin password. */
  firstAdmin?: { email: string; generatedPassword?: string };
  describeStorage: string;
  /** Registers work to undo on close (workers, pools, listeners); run in reverse order. */
  onClose(fn: () => Promise<void>): void;
  close(): Promise<void>;
}

export interface AppOptions {
  clock?: Clock;
  logger?: Logger;
  /** Skip creating the first admin (CLI commands that only migrate or rotate). */
  skipBootstrap?: boolean;
}

export async function createApp(config: Readonly<MailroomConfig>, opts: AppOptions = {}): Promise<App> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger(config.logLevel);
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const closers: (() => Promise<void>)[] = [() => database.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((err) => logger.warn({ err }, 'error while closing'));
  };
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length) logger.info({ applied }, 'database migrations applied');
    const keyring = await openKeyring(database.db, { envKey: config.secretKey, dataDir: config.dataDir }, clock.now());
    const store = createStore(database.db, keyring, () => clock.now(), {
      groupTransaction: database.groupTransaction,
      // PostgreSQL: a few batches commit in parallel (each is mostly round trips); SQLite has one writer.
      groupLanes: database.capabilities.multiWriter ? GROUP_COMMIT_LANES_PG : 1,
    });
    const ctx: CoreContext = { store, clock, serverWritesLockedReason: serverWritesLockedReason(config.mailDriver) };
    const app: App = {
      config,
      db: database.db,
      capabilities: database.capabilities,
      store,
      ctx,
      keyring,
      logger,
      clock,
      loginThrottle: new LoginThrottle(10, 15 * 60_000, () => clock.now()),
      describeStorage: database.describe,
      onClose: (fn) => closers.push(fn),
      close,
    };
    if (!opts.skipBootstrap) await startRouting(app);
    if (!opts.skipBootstrap) app.firstAdmin = await ensureFirstAdmin(ctx, config.admin);
    return app;
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The /api/v1 route groups beyond the foundation's (messages, routing, diagnostics …).
 * Each area adds its plugin here.
 */
export function apiRoutes(app: App): RoutePlugin[] {
  return [
    ...routingRoutes(app),
    messagesRoutes(app),
    ...diagnosticsAreaRoutes(app),
  ];
}

/** Starts what runs in the background of `mailroom start` / `mailroom worker` (delivery workers, pollers). */
export async function startBackground(app: App): Promise<void> {
  if (app.config.runWorkers) await startDelivery(app);
}

/** CLI commands contributed by areas beyond the foundation (send, test-smtp …). */
export const cliCommands: ((program: Command) => void)[] = [registerSend, registerTestSmtp];
