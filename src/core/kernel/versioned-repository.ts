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

/**
 * Rows other configuration names without a foreign key to guard them (an id in a JSON list, a
 * key in another table's column). A write about to name one holds it, and a delete locks it
 * before looking for what names it, so that neither slips past the other: the delete waits for
 * the write and then sees its reference, or the write waits for the delete and then finds the
 * row gone. (PostgreSQL: row locks; SQLite runs one write transaction at a time anyway.)
 */
export interface ReferencedRows<T> {
  /** The row, which no other transaction can delete until this one ends. */
  hold(key: string): Promise<T | undefined>;
  /** The row, locked as its delete would lock it, until this transaction ends. */
  lockForDelete(key: string): Promise<T | undefined>;
}

/** A versioned resource Mailroom ships built-ins of, seeded at every start. */
export interface SeededRepository<T> extends VersionedRepository<T> {
  /** Inserts unless the key exists (idempotent seeding); true when inserted. */
  insertIfMissing(value: T): Promise<boolean>;
}
