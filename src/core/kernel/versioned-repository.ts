/**
 * What storage offers for every resource admins edit (servers, accounts, purposes, rules,
 * credentials, keys, …): rows named by one key, written with optimistic locking. A resource's
 * port extends it with what only that resource needs.
 */
export interface VersionedRepository<T> {
  list(): Promise<T[]>;
  get(key: string): Promise<T | undefined>;
  /** DuplicateKeyError when the key exists. */
  insert(value: T): Promise<void>;
  /** Writes `next` if the stored version is still `expectedVersion`; false when another write came first. */
  update(next: T, expectedVersion: number): Promise<boolean>;
  delete(key: string): Promise<void>;
}

/** A versioned resource Mailroom ships built-ins of, seeded at every start. */
export interface SeededRepository<T> extends VersionedRepository<T> {
  /** Inserts unless the key exists (idempotent seeding); true when inserted. */
  insertIfMissing(value: T): Promise<boolean>;
}
