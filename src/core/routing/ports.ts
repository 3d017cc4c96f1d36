import type { ReferencedRows, SeededRepository } from '../kernel/versioned-repository.js';
import type { Purpose } from './purposes.js';

/** What routing needs from storage: purposes, settings, rate-limit counters. */
export interface SettingsRepository {
  get<T>(key: string): Promise<T | undefined>;
  all(): Promise<Record<string, { value: unknown; updatedAt: number; updatedBy: string | null }>>;
  /**
   * Stores a value; `at` is its time (its version, default now). With `ifVersion`, only if the
   * stored version is still that one (0: no row yet): false when it is not, nothing written.
   */
  set(key: string, value: unknown, by: string | null, opts?: { at?: number; ifVersion?: number }): Promise<boolean>;
  delete(key: string): Promise<void>;
}

/** Purposes as stored; built-ins are inserted at start, custom ones by admins. Templates, rules and SMTP credentials name them by key (ReferencedRows). */
export interface PurposeRepository extends SeededRepository<Purpose>, ReferencedRows<Purpose> {
  /** The keys of the purposes whose accounts list has the account `accountId`, in key order. */
  listingAccount(accountId: string): Promise<string[]>;
}

/** Counters behind rate limits; each call is atomic on its own, across processes. */
export interface SendCounterRepository {
  /** Adds one to the counter if it is below `limit`; false (nothing changed) when it is not. */
  bump(scope: string, window: string, windowStart: number, limit: number): Promise<boolean>;
  /** Takes back one bump (another window refused the send). */
  release(scope: string, window: string, windowStart: number): Promise<void>;
  /** Forgets the counters of `scope` whose window started before `before`. */
  prune(scope: string, before: number): Promise<void>;
}
