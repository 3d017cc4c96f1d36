import type { Kysely } from 'kysely';
import type { Repositories, Store } from '../core/ports.js';
import type { Keyring } from '../secrets/keyring.js';
import { secretsRepository } from './repositories/secrets.repository.js';
import { namedSecretsRepository, secretProvidersRepository } from './repositories/secret-providers.repository.js';
import { accountsRepository } from './repositories/accounts.repository.js';
import { oauth2SignInsRepository } from './repositories/oauth2-sign-ins.repository.js';
import { oauth2LastConnectsRepository } from './repositories/oauth2-last-connects.repository.js';
import { apiKeysRepository } from './repositories/api-keys.repository.js';
import { loginThrottleRepository } from './repositories/login-throttle.repository.js';
import { auditRepository } from './repositories/audit.repository.js';
import type { DB } from './schema.js';
import { serversRepository } from './repositories/servers.repository.js';
import { sessionsRepository } from './repositories/sessions.repository.js';
import { settingsRepository } from './repositories/settings.repository.js';
import { usersRepository } from './repositories/users.repository.js';
import { dkimKeysRepository } from './repositories/dkim-keys.repository.js';
import { purposesRepository } from './repositories/purposes.repository.js';
import { sendCountersRepository } from './repositories/send-counters.repository.js';
import { messagesRepository } from './repositories/messages.repository.js';
import { layoutsRepository } from './repositories/layouts.repository.js';
import { templatesRepository } from './repositories/templates.repository.js';
import { eventJournalRepository } from './repositories/event-journal.repository.js';
import { webhookDeliveriesRepository } from './repositories/webhook-deliveries.repository.js';
import { webhookEndpointsRepository } from './repositories/webhook-endpoints.repository.js';
import { relayRejectionsRepository, smtpCredentialsRepository } from './repositories/relay.repository.js';
import { autoRepliesRepository, notifyEventsRepository, rulesRepository } from './repositories/notify.repository.js';
import { inboundMessagesRepository } from './repositories/inbound-messages.repository.js';
import { mailboxesRepository } from './repositories/mailboxes.repository.js';
import { suppressionsRepository } from './repositories/suppressions.repository.js';
import { processesRepository } from './repositories/processes.repository.js';
import { previewPagesRepository } from './repositories/preview-pages.repository.js';
import { GroupCommit, type GroupCommitOptions } from './group-commit.js';
import { ConfigCache } from './config-cache.js';
import { createErrorTranslator, translatingRepositories, type ErrorTranslator } from './driver-errors.js';
import { isStoreUnavailable } from '../core/kernel/errors.js';
import type { StoreTraits } from './sql-dialect.js';
import { notifyThrough } from './postgres/pg-wake.js';

/** Runs `fn` in one transaction and settles after its COMMIT is durable. */
export type TransactionRunner = <T>(fn: (trx: Kysely<DB>) => Promise<T>) => Promise<T>;

/**
 * Repositories whose concurrent callers' statements are merged (pg-batched-writes.ts): `group`
 * for the jobs of one group-commit batch (which then run concurrently), `shared` for reads
 * outside transactions.
 */
export interface StoreBatching {
  group(trx: Kysely<DB>, repos: Repositories): Repositories;
  shared(repos: Repositories): Repositories;
}

function repositories(db: Kysely<DB>, keyring: Keyring, now: () => number, caps: StoreTraits, scans: Kysely<DB> = db): Repositories {
  return {
    servers: serversRepository(db, caps.dialect),
    accounts: accountsRepository(db, caps.dialect),
    secrets: secretsRepository(db, keyring, now, caps.dialect),
    oauth2SignIns: oauth2SignInsRepository(db, caps.dialect),
    oauth2LastConnects: oauth2LastConnectsRepository(db),
    secretProviders: secretProvidersRepository(db),
    namedSecrets: namedSecretsRepository(db),
    audit: auditRepository(db, scans),
    settings: settingsRepository(db, now),
    users: usersRepository(db),
    sessions: sessionsRepository(db),
    apiKeys: apiKeysRepository(db),
    loginThrottle: loginThrottleRepository(db),
    purposes: purposesRepository(db, caps.dialect),
    sendCounters: sendCountersRepository(db),
    messages: messagesRepository(db, caps, scans),
    dkimKeys: dkimKeysRepository(db),
    templates: templatesRepository(db, caps.dialect),
    layouts: layoutsRepository(db, caps.dialect),
    eventJournal: eventJournalRepository(db, caps),
    webhookEndpoints: webhookEndpointsRepository(db),
    webhookDeliveries: webhookDeliveriesRepository(db, caps, scans),
    smtpCredentials: smtpCredentialsRepository(db),
    relayRejections: relayRejectionsRepository(db),
    rules: rulesRepository(db),
    notifyEvents: notifyEventsRepository(db, scans),
    autoReplies: autoRepliesRepository(db),
    suppressions: suppressionsRepository(db, caps.dialect, scans),
    mailboxes: mailboxesRepository(db),
    inbound: inboundMessagesRepository(db),
    processes: processesRepository(db),
    previewPages: previewPagesRepository(db, caps.dialect),
  };
}

/** How a group commit's batch gathers: how long its first job waits for company, and whether it waits at all when nothing is committing. */
export type GroupGathering = Pick<GroupCommitOptions, 'maxWaitMs' | 'commitAtOnceWhenIdle'>;

/** For a process callers wait on (an accepted message's 202): a lone job commits at once, company gathers 2 ms while another batch commits. */
const PROMPT_GATHERING: GroupGathering = { maxWaitMs: 2, commitAtOnceWhenIdle: true };

/**
 * What the store offers the adapters beside the core's port: a NOTIFY (PostgreSQL) carried by
 * the next group-commit transaction instead of one of its own (see notifyWithNextCommit below).
 */
export interface StoreWithCommitNotices extends Store {
  /**
   * pg_notify on each channel with the payload, inside the next group-commit batch: delivered
   * when that batch commits, as a NOTIFY sent after it would be. A NOTIFY takes a transaction
   * id, so on its own it is a commit record and a WAL flush; a busy process commits a batch
   * every few milliseconds anyway. With nothing else committing it is a batch of its own, as before.
   */
  notifyWithNextCommit(channels: string[], payload: string): Promise<void>;
}

/** The core's Store port over Kysely: the same repositories, bound to a transaction when asked. */
export function createStore(
  db: Kysely<DB>,
  keyring: Keyring,
  now: () => number,
  caps: StoreTraits,
  opts: { groupTransaction?: TransactionRunner; groupLanes?: number; groupGathering?: GroupGathering; translate?: ErrorTranslator; batching?: StoreBatching; scans?: Kysely<DB> } = {},
): StoreWithCommitNotices {
  const cache = new ConfigCache();
  /** The transaction behind each batch's repositories, for the NOTIFY that rides a batch (notifyWithNextCommit). */
  const transactionOf = new WeakMap<Repositories, Kysely<DB>>();
  // Failures reach the core as its typed errors (driver-errors.ts): duplicate key, store unavailable or full.
  const translate = opts.translate ?? createErrorTranslator();
  const inTransaction =
    (runner: TransactionRunner, batched?: StoreBatching['group']): Store['transaction'] =>
    async (fn) => {
      let wrote = false;
      try {
        return await runner((trx) => {
          const repos = repositories(trx, keyring, now, caps);
          const wrapped = cache.wrap(batched ? batched(trx, repos) : repos, { cacheReads: false, onWrite: () => (wrote = true) });
          transactionOf.set(wrapped, trx);
          return fn(wrapped);
        });
      } catch (err) {
        throw await translate(err);
      } finally {
        // A read between the write and the COMMIT may have cached the old value: drop it again.
        if (wrote) cache.invalidate();
      }
    };
  const transaction = inTransaction((fn) => db.transaction().execute(fn));
  const shared = opts.batching?.shared ?? ((repos: Repositories) => repos);
  // The group commit may run on a runner whose fsync leaves the event loop free (SQLite: wal-sync.ts).
  const groupRunner: TransactionRunner = opts.groupTransaction ?? ((fn) => db.transaction().execute(fn));
  const group = new GroupCommit<Repositories>(inTransaction(groupRunner, opts.batching?.group), {
    maxBatch: 500,
    ...(opts.groupGathering ?? PROMPT_GATHERING),
    lanes: opts.groupLanes ?? 1,
    // Merged statements need the batch's jobs to reach them together.
    concurrent: opts.batching !== undefined,
    // With the database away, re-running each job alone only multiplies the failures.
    failsEveryJob: isStoreUnavailable,
  });
  return {
    // Outside transactions, reads that scan go where the database puts them (StoreDatabase.scans).
    repos: cache.wrap(translatingRepositories(shared(repositories(db, keyring, now, caps, opts.scans)), translate), { cacheReads: true }),
    transaction,
    grouped: (fn) => group.run(fn),
    notifyWithNextCommit: (channels, payload) =>
      group.run(async (repos) => {
        const trx = transactionOf.get(repos);
        if (!trx) throw new Error('a group-commit batch without its transaction');
        await notifyThrough(trx)(channels, payload);
      }),
  };
}
