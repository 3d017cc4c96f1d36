import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { existsSync } from 'node:fs';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';
import path from 'node:path';
import type { DB } from './schema.js';
import { withStatementCache } from './statement-cache.js';
import { trackConnectionLoss } from './postgres/pg-connection-loss.js';
import { trackCommitsInDoubt } from './postgres/pg-commit-outcome.js';
import { trackConnectFailures } from './postgres/pg-connect-failures.js';
import { refuseStatementLosingPooler } from './postgres/pg-pooling-check.js';
import { pgWriteRefusal } from './postgres/pg-writable.js';
import { batchedOutboxWrites, batchedSuppressionLookups } from './postgres/pg-batched-writes.js';
import { pipelineBeginOnConnect } from './postgres/pg-pipelined-begin.js';
import { prepareTemplatesOnConnect } from './postgres/pg-prepared.js';
import type { StoreBatching, TransactionRunner } from './store.js';
import { walSyncedTransaction } from './sqlite/wal-sync.js';
import { startBackgroundConnection } from './sqlite/background-connection.js';
import { backgroundReads } from './sqlite/background-reads.js';
import { ownerOnlySqliteFiles } from './sqlite/owner-only.js';
import { sqliteOpenFailure } from './sqlite/open-failure.js';
import { registerFoldFunction } from './sqlite/subject-fold.js';
import { throttledWarnings } from '../core/kernel/throttled-warnings.js';
import { SqliteWriteFailures } from './sqlite/write-failures.js';
import type { StoreTraits } from './sql-dialect.js';
import { ensureDirectory } from '../ensure-directory.js';

export interface StoreDatabase {
  db: Kysely<DB>;
  /** The core's capability flags, and the SQL dialect for the store's own repositories. */
  capabilities: StoreTraits;
  /** Where the data lives, for messages to people (never includes a password). */
  describe: string;
  close(): Promise<void>;
  /** Where reads that scan run (SQLite file: a connection in a thread of its own, so the event loop serves requests meanwhile); else `db`. */
  scans?: Kysely<DB>;
  /** A transaction runner for the group commit whose fsync leaves the event loop free (SQLite file only). */
  groupTransaction?: TransactionRunner;
  /** A cheap round trip that fails when the database is away (driver-errors.ts asks it about errors without a code). */
  probe(): Promise<void>;
  /** Whether an error is the end of a connection the driver reported (it carries no code). */
  isConnectionLoss(err: unknown): boolean;
  /** Whether an error ended a transaction whose COMMIT was sent and never answered (it may have committed). */
  isCommitInDoubt(err: unknown): boolean;
  /** Whether an error came from opening a connection (nothing was sent). */
  isConnectFailure(err: unknown): boolean;
  /** Why the database takes no writes right now (a standby, read-only; SQLite: its last write failed for want of disk), or null: for /readyz. */
  writeRefusal(): Promise<string | null>;
  /** Start-up checks of the way to the database (PostgreSQL: a pooler that loses prepared statements is MAILROOM_E_CONFIG). */
  checkPath?(): Promise<void>;
  /** Merges concurrent callers' statements into multi-row ones where round trips cost (PostgreSQL). */
  batching?: StoreBatching;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  /** SQLite file name inside dataDir; tests may use ':memory:'. */
  sqliteFile?: string;
  poolSize?: number;
  /**
   * false: refuse to start an empty store where none exists (a one-shot command run from the
   * wrong directory would otherwise create a second, empty ./data with a new key).
   */
  create?: boolean;
}

// int8 (COUNT, BIGINT timestamps) arrives as a string by default; our values fit a double.
pg.types.setTypeParser(20, (v) => Number(v));

export function openDatabase(opts: DatabaseOptions): StoreDatabase {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 10);
  return openSqlite(opts.dataDir, opts.sqliteFile ?? 'mailroom.db', opts.create ?? true);
}

function openSqlite(dataDir: string, file: string, create: boolean): StoreDatabase {
  const inMemory = file === ':memory:';
  const location = inMemory ? ':memory:' : path.join(dataDir, file);
  if (!inMemory && !create && !existsSync(location)) {
    throw new MailroomError(
      ErrorCodes.CONFIG,
      `there is no Mailroom data in ${dataDir} (no ${file}): run this command where \`mailroom start\` runs, set MAILROOM_DATA_DIR to its data directory` +
        ' (or DATABASE_URL to its PostgreSQL database), or add --create-store to start a new, empty store here',
    );
  }
  if (!inMemory) ensureDirectory(dataDir, 'data directory');
  const sqlite = openSqliteFile(location, inMemory);
  // Checkpoints and scans run on a connection in a thread of its own (background-connection.ts), not inside this connection's commits.
  // A checkpoint that fails fails again every 50 ms: said once per cause and minute.
  const warn = throttledWarnings((m) => process.emitWarning(`SQLite background connection: ${m}`));
  const background = inMemory ? undefined : startBackgroundConnection(location, { onError: warn, onExit: () => sqlite.open && sqlite.pragma('wal_autocheckpoint = 1000') });
  if (background) sqlite.pragma('wal_autocheckpoint = 0');
  // Whether the file takes writes (for /readyz): SQLite says so only when a write fails.
  const writeFailures = new SqliteWriteFailures(sqlite);
  const db = new Kysely<DB>({ dialect: new RollbackSafeSqliteDialect(sqlite, { database: writeFailures.watch(withStatementCache(sqlite)) }) });
  const walSync = inMemory ? undefined : walSyncedTransaction(db, `${location}-wal`);
  // The group commit's fsync of the WAL fails outside any statement.
  const groupTransaction: TransactionRunner | undefined = walSync
    ? (fn) =>
        walSync.run(fn).catch((err: unknown) => {
          writeFailures.noteFailure(err);
          throw err;
        })
    : undefined;
  return {
    db,
    capabilities: { supportsSkipLocked: false, multiWriter: false, indexHints: true, dialect: 'sqlite' },
    describe: `SQLite at ${location}`,
    ...(background ? { scans: backgroundReads(background, db) } : {}),
    probe: async () => void sqlite.prepare('select 1').get(),
    isConnectionLoss: () => false,
    // One local file: a commit either happened or failed, and opening sends nothing anywhere.
    isCommitInDoubt: () => false,
    isConnectFailure: () => false,
    writeRefusal: async () => writeFailures.refusal(),
    close: async () => {
      await background?.close();
      await walSync?.close();
      await db.destroy();
    },
    ...(groupTransaction ? { groupTransaction } : {}),
  };
}

/** The database file opened with the settings every connection of Mailroom's uses, or MAILROOM_E_CONFIG saying why not. */
function openSqliteFile(location: string, inMemory: boolean): Database.Database {
  let sqlite: Database.Database | undefined;
  try {
    if (!inMemory) ownerOnlySqliteFiles(location, (m) => process.emitWarning(m));
    sqlite = new Database(location);
    // WAL lets readers run beside the writer; synchronous=FULL fsyncs every commit, which is
    // what makes "202 Accepted means on disk" true. The first pragma reads the file: a damaged
    // one, or another file under the name, fails here.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // The subject search's case folding beyond ASCII (subject-fold.ts).
    registerFoldFunction(sqlite);
    return sqlite;
  } catch (err) {
    sqlite?.close();
    throw sqliteOpenFailure(err, location);
  }
}

/**
 * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR, …);
 * Kysely's ROLLBACK then fails with "no transaction is active" and that error replaces the
 * real one. Only roll back what is still open, so the caller sees SQLITE_FULL.
 */
class RollbackSafeSqliteDialect extends SqliteDialect {
  constructor(
    private readonly sqlite: Database.Database,
    config: ConstructorParameters<typeof SqliteDialect>[0],
  ) {
    super(config);
  }

  override createDriver() {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      if (this.sqlite.inTransaction) await rollback(connection);
    };
    driver.beginTransaction = async (connection) => {
      if (this.migrating) return beginImmediate(this.sqlite);
      // The write lock at BEGIN, waited for (busy_timeout), not at the first write: a deferred
      // transaction that read, then wrote after another process (a CLI command beside `start`,
      // or beside another command) had written, failed at once with SQLITE_BUSY, which SQLite
      // does not wait out (its snapshot is stale). 3 of 12 `mailroom user create` run at once
      // failed so. Within this process transactions run one at a time on its one connection anyway.
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }

  /**
   * Migrations from two processes on one file (`mailroom migrate` beside the `mailroom start`
   * of an upgrade, or of a new data directory) ran side by side: Kysely's SQLite adapter has no
   * lock ("table users already exists"), and no transaction either, so a failed migration stayed
   * half applied. Here they run in one transaction that takes the write lock at its BEGIN: the
   * second process waits, then finds them applied. Kysely holds the one connection for the whole
   * run, so no other transaction of this process begins meanwhile.
   */
  override createAdapter() {
    return new MigrationLockAdapter((on) => {
      this.migrating = on;
    });
  }

  private migrating = false;
}

/** Migrations in one transaction, begun by the driver as BEGIN IMMEDIATE while `migrating` says so. */
class MigrationLockAdapter extends SqliteAdapter {
  constructor(private readonly migrating: (on: boolean) => void) {
    super();
  }

  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  override async acquireMigrationLock(): Promise<void> {
    this.migrating(true);
  }

  override async releaseMigrationLock(): Promise<void> {
    this.migrating(false);
  }
}

/** How long a migration waits for another process's migrations on the same file (each try waits busy_timeout). */
const MIGRATION_WAIT_MS = 10 * 60_000;

async function beginImmediate(sqlite: Database.Database): Promise<void> {
  const deadline = Date.now() + MIGRATION_WAIT_MS;
  for (;;) {
    try {
      sqlite.exec('BEGIN IMMEDIATE');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** How long a new PostgreSQL connection may take before the request fails as unavailable. */
const PG_CONNECT_TIMEOUT_MS = 5_000;

function openPostgres(url: string, poolSize: number): StoreDatabase {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS, keepAlive: true });
  // A transaction's BEGIN travels with its first statement. Registered first, it wraps the
  // driver's own query, and the connection-loss tracking sees its answers as every other's.
  pipelineBeginOnConnect(pool);
  const isConnectionLoss = trackConnectionLoss(pool);
  // A COMMIT sent and never answered may have committed: the caller is told so, not "nothing was stored".
  const isCommitInDoubt = trackCommitsInDoubt(pool);
  // The outbox's hot statements are parsed and planned once per connection, not per call.
  prepareTemplatesOnConnect(pool);
  const isConnectFailure = trackConnectFailures(pool);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const safe = new URL(url);
  safe.password = '';
  return {
    db,
    capabilities: { supportsSkipLocked: true, multiWriter: true, indexHints: false, dialect: 'postgres' },
    describe: `PostgreSQL at ${safe.host}${safe.pathname}`,
    probe: async () => void (await pool.query('select 1')),
    isConnectionLoss,
    isCommitInDoubt,
    isConnectFailure,
    writeRefusal: () => pgWriteRefusal(db),
    // Those named statements need a way to PostgreSQL that keeps them (PgBouncer: docs/operations.md).
    checkPath: () => refuseStatementLosingPooler(url, PG_CONNECT_TIMEOUT_MS),
    // A group commit's accepts read the suppression list in their own transaction: one look-up for the batch.
    batching: { group: (trx, repos) => batchedSuppressionLookups(batchedOutboxWrites(trx, repos)), shared: batchedSuppressionLookups },
    close: () => db.destroy(),
  };
}

/** A cheap round trip, for /readyz. */
export async function ping(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}
