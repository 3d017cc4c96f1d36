import type { MailroomConfig } from './config.js';
import type { CoreContext } from './core/context.js';
import { systemClock, type Clock } from './core/kernel/clock.js';
import type { StoreTrouble } from './core/kernel/errors.js';
import { JOURNALED_EVENT_TYPES } from './core/kernel/event-journal.js';
import { createMessageEvents } from './core/kernel/message-events.js';
import { QueueCounts } from './core/outbox/queue-counts.js';
import { mayBeUrgent } from './core/routing/purposes.js';
import { serverWritesLockedReason } from './core/senders/deploy-config.js';
import { createLogger, type Logger } from './logger.js';
import type { WorkSignals } from './ports.js';
import { loadKeyring, type Keyring } from './secrets/keyring.js';
import { openKeyring, rotateMasterKey } from './secrets/rotation.js';
import { openDatabase, type StoreDatabase } from './store/database.js';
import { createErrorTranslator } from './store/driver-errors.js';
import { groupCommitShape } from './store/group-commit-shape.js';
import { migrateToLatest } from './store/migrator.js';
import { listenersThrough, pgWorkSignals } from './store/postgres/pg-wake.js';
import { createStore } from './store/store.js';
import { BUILTIN_TEMPLATES } from './templates/builtin/index.js';
import { liquidTemplateEngine } from './templates/engine.js';

/**
 * The first part of the composition root: the store, the master key, the message events, the
 * wake-ups between processes and the template engine, bound into the core's context. It is all
 * a one-shot CLI command (`user`, `apikey`, `send`, `migrate`, `rotate-key`) needs, and all it
 * loads: the HTTP routes, the workers and their adapters (src/app.ts builds them on top of this)
 * were two fifths of such a command's start.
 */
/** The claim of a SQLite data directory by the process that serves it (`mailroom start`, `rotate-key`). */
export { lockDataDir } from './store/sqlite/data-dir-lock.js';

export interface CoreRuntime {
  config: Readonly<MailroomConfig>;
  logger: Logger;
  clock: Clock;
  ctx: CoreContext;
  database: StoreDatabase;
  keyring: Keyring;
  /** PostgreSQL: how the processes sharing the database wake each other (LISTEN/NOTIFY); none on SQLite. */
  signals?: WorkSignals;
  /** PostgreSQL: the pids of the processes listening for wake-ups on this database. */
  listeners?: () => Promise<number[]>;
  /** Migrations this opening applied. */
  migrationsApplied: string[];
  /** Runs `close` at close(), after whatever was added later (last added, first closed). */
  onClose(close: () => Promise<void>): void;
  /** Re-encrypts every stored secret under a new master key (`mailroom rotate-key`). */
  rotateMasterKey(): ReturnType<typeof rotateMasterKey>;
  close(): Promise<void>;
}

export interface CoreOptions {
  clock?: Clock;
  logger?: Logger;
  /**
   * false: this process takes no mail in (`mailroom worker`): nobody waits on its commits but
   * its own delivery slots, so its group commit gathers (see WORKER_GROUP_COMMIT).
   */
  acceptsMail?: boolean;
  /** false: refuse to create an empty store where none exists (one-shot CLI commands). */
  createStore?: boolean;
  /**
   * This process joins a store and never records its first master key (`mailroom worker`): what
   * to do instead, said when the database has none yet.
   */
  joinOnly?: string;
  /**
   * Whether this process fans out its own event journal to webhooks right now (its webhook
   * worker runs); when not, a journaled event tells the other processes instead. None: never
   * (a one-shot command).
   */
  fansOutWebhooks?: () => boolean;
  /**
   * false: a store outage is the caller's to report (a one-shot command fails with the error's
   * own one-line message). The line logged otherwise is a server's ("requests are refused with
   * 503 until it answers again"), with a stack trace: wrong words before a command's answer.
   */
  logsOutages?: boolean;
}

/** The one line an outage is logged with (once per cause and minute: driver-errors.ts). */
function outageLine(kind: StoreTrouble, problem: string | undefined): string {
  if (kind === 'full') return 'the disk under the database is full: requests are refused with 507 until space is freed';
  if (kind === 'outcome-unknown') {
    return 'the connection to the database was lost while a transaction was committing: it may have committed; its requests were answered 503 MAILROOM_E_STORE_OUTCOME_UNKNOWN (a retry with the same idempotency key is safe)';
  }
  return `the database is unavailable${problem ? ` (${problem})` : ''}: requests are refused with 503 until it answers again`;
}

export async function openCore(config: Readonly<MailroomConfig>, opts: CoreOptions = {}): Promise<CoreRuntime> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger(config.logLevel);
  // A MAILROOM_SECRET_KEY that is no key is refused before the store is opened (it created and
  // migrated a store first); loadKeyring only parses it, the key check is openKeyring's below.
  if (config.secretKey) loadKeyring({ envKey: config.secretKey, dataDir: config.dataDir, createIfMissing: false });
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, create: opts.createStore });
  const closers: (() => Promise<void>)[] = [() => database.close()];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((err) => logger.warn({ err }, 'error while closing'));
  };
  try {
    // Before the migrations, whose named statements a pooler that loses them would fail at random.
    await database.checkPath?.();
    const migrationsApplied = await migrateToLatest(database.db, database.describe);
    if (migrationsApplied.length) logger.info({ applied: migrationsApplied }, 'database migrations applied');
    const keyring = await openKeyring(
      database.db,
      { envKey: config.secretKey, dataDir: config.dataDir, ...(opts.joinOnly ? { joinOnly: { where: database.describe, todo: opts.joinOnly } } : {}) },
      clock.now(),
    );
    const translate = createErrorTranslator({
      probe: () => database.probe(),
      isConnectionLoss: (err) => database.isConnectionLoss(err),
      isCommitInDoubt: (err) => database.isCommitInDoubt(err),
      isConnectFailure: (err) => database.isConnectFailure(err),
      onOutage: (err, kind, problem) => {
        if (opts.logsOutages !== false) logger.error({ err }, outageLine(kind, problem));
      },
    });
    // How the group commit batches: lanes and gathering by store and role (group-commit-shape.ts).
    const groupShape = groupCommitShape({ multiWriter: database.capabilities.multiWriter, acceptsMail: opts.acceptsMail !== false, fsyncOffLoop: database.groupTransaction !== undefined });
    const store = createStore(database.db, keyring, () => clock.now(), database.capabilities, {
      translate,
      groupTransaction: database.groupTransaction,
      batching: database.batching,
      scans: database.scans,
      groupLanes: groupShape.lanes,
      groupGathering: groupShape.gathering,
    });
    const events = createMessageEvents((err, event) => logger.error({ err, event: event.type, messageId: event.messageId }, 'a message-event subscriber failed; the message is unaffected'));
    // PostgreSQL: the processes sharing the database wake each other (LISTEN/NOTIFY). SQLite has
    // one process, which its events port wakes. Closed before the database, after the workers.
    const listeners = database.capabilities.multiWriter ? listenersThrough(database.db) : undefined;
    const signals = listeners
      ? // Each NOTIFY rides the process's next group commit: no transaction (and WAL flush) of its own.
        pgWorkSignals({ listenUrl: config.listenUrl, notify: store.notifyWithNextCommit, listeners, logger: logger.child({ component: 'wake' }) })
      : undefined;
    if (signals) {
      closers.push(() => signals.close());
      // Once per commit batch, not per message (the adapter merges one event-loop turn's worth).
      events.subscribe((e) => signals.announce('outbox', mayBeUrgent(e)), ['message.accepted', 'message.retried']);
      // A process whose webhook worker runs fans out its own journal; any other (a CLI command) tells the others.
      const fansOut = opts.fansOutWebhooks ?? (() => false);
      events.subscribe(() => {
        if (!fansOut()) signals.announce('webhooks');
      }, JOURNALED_EVENT_TYPES);
    }
    // Templates render in threads of their own (started on the first render) under hard limits.
    const templateEngine = liquidTemplateEngine({ onThreadError: (err) => logger.error({ err }, 'a template render thread failed; its renders were answered with an error') });
    closers.push(() => templateEngine.close());
    const queueCounts = new QueueCounts((now) => store.repos.messages.queueStats(now), clock);
    const ctx: CoreContext = { store, clock, events, templates: { engine: templateEngine, builtins: BUILTIN_TEMPLATES }, queueCounts, serverWritesLockedReason: serverWritesLockedReason(config.mailDriver) };
    return {
      config,
      logger,
      clock,
      ctx,
      database,
      keyring,
      signals,
      listeners,
      migrationsApplied,
      onClose: (c) => closers.push(c),
      rotateMasterKey: () => rotateMasterKey(database.db, keyring, config.dataDir, clock.now(), database.capabilities.dialect),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
