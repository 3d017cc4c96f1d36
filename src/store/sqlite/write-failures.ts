import type Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Whether the SQLite file takes writes, for /readyz. SQLite has no "read-only server" to ask
 * (PostgreSQL's pg_is_in_recovery()): a full disk, a quota, a file size limit or a file turned
 * read-only shows only when a write fails. /readyz said "ready" while every POST was 503
 * SQLITE_IOERR_WRITE, and a load balancer kept sending it the requests that all failed.
 *
 * So the connection remembers its latest write that failed for a reason that means it cannot
 * write (below), and reports it until a write succeeds again: a statement that changed rows
 * outside a transaction, or a COMMIT of a transaction that did. Those are real proofs (their
 * frames reached the WAL); a probe write of its own would only prove that a small write fits,
 * and would grow the WAL at every readiness check. Something writes often enough to notice a
 * recovery: the process heartbeat every 10 s (src/processes/heartbeat.ts), and every accept.
 *
 * A statement's own failure (a constraint) and a lock held too long (SQLITE_BUSY: another writer)
 * say nothing about the file. Reads are not judged: a SELECT that fails is not a refused write.
 */
const CANNOT_WRITE_PREFIXES = ['SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_CANTOPEN'];
/** What an fsync of the WAL (wal-sync.ts) fails with when the disk takes nothing. */
const FSYNC_CANNOT_WRITE = new Set(['EIO', 'ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG']);

export function cannotWriteCode(code: unknown): code is string {
  return typeof code === 'string' && (CANNOT_WRITE_PREFIXES.some((p) => code.startsWith(p)) || FSYNC_CANNOT_WRITE.has(code));
}

interface Failure {
  code: string;
  message: string;
  at: number;
}

export class SqliteWriteFailures {
  private failure: Failure | undefined;
  /** Rows changed in the transaction now open (its COMMIT proves writes work). */
  private changedInTransaction = false;
  private readonly wrapped = new WeakMap<object, SqliteStatement>();

  constructor(
    private readonly sqlite: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** `inner` (the connection Kysely runs statements on) with every statement watched. */
  watch(inner: SqliteDatabase): SqliteDatabase {
    return {
      close: () => inner.close(),
      prepare: (sql: string) => {
        const stmt = inner.prepare(sql);
        let w = this.wrapped.get(stmt);
        if (!w) {
          w = this.watchStatement(sql, stmt as unknown as Database.Statement);
          this.wrapped.set(stmt, w);
        }
        return w;
      },
    };
  }

  /** A failure from outside the statements (the WAL's fsync): remembered if it means the file takes no writes. */
  noteFailure(err: unknown): void {
    const code = (err as { code?: unknown } | null)?.code;
    if (!cannotWriteCode(code)) return;
    this.failure = { code, message: err instanceof Error ? err.message : String(err), at: this.now() };
  }

  /** Why the file takes no writes right now, or null. */
  refusal(): string | null {
    const f = this.failure;
    if (!f) return null;
    return (
      `the database file cannot write: the last write failed with ${f.code} (${f.message}) at ${new Date(f.at).toISOString()}, and none has succeeded since; ` +
      'is the disk full, a quota or file size limit reached, or the file read-only? Ready again once a write succeeds'
    );
  }

  private watchStatement(sql: string, stmt: Database.Statement): SqliteStatement {
    // Statements that change rows, and transaction control (BEGIN, COMMIT: readonly, no rows,
    // yet COMMIT is where a transaction's frames are written). A plain SELECT is not judged.
    const writes = !stmt.readonly;
    const judged = writes || !stmt.reader;
    const endsWithoutWriting = /^\s*rollback\s*;?\s*$/i.test(sql);
    // Every statement of the process passes here: no closure per call.
    return {
      reader: stmt.reader,
      all: (parameters) => {
        let rows: unknown[];
        try {
          rows = stmt.all(parameters as unknown[]);
        } catch (err) {
          this.failed(judged, err);
          throw err;
        }
        this.succeeded(writes && rows.length > 0, endsWithoutWriting);
        return rows;
      },
      run: (parameters) => {
        let info: Database.RunResult;
        try {
          info = stmt.run(parameters as unknown[]);
        } catch (err) {
          this.failed(judged, err);
          throw err;
        }
        this.succeeded(writes && info.changes > 0, endsWithoutWriting);
        return info;
      },
      iterate: (parameters) => stmt.iterate(parameters as unknown[]),
    };
  }

  private failed(judged: boolean, err: unknown): void {
    if (judged) this.noteFailure(err);
    if (!this.sqlite.inTransaction) this.changedInTransaction = false;
  }

  private succeeded(changed: boolean, rolledBack: boolean): void {
    if (changed) this.changedInTransaction = true;
    if (rolledBack) this.changedInTransaction = false;
    if (!this.sqlite.inTransaction) {
      // Out of any transaction: what changed is committed, so the file took a write.
      if (this.changedInTransaction) this.failure = undefined;
      this.changedInTransaction = false;
    }
  }
}
