import type { ApiKey } from './auth.js';
import type { User } from './users.js';

/** What access control needs from storage: users, sessions, API keys. */
export interface UserRecord extends User {
  passwordHash: string;
}

export interface UserRepository {
  list(): Promise<UserRecord[]>;
  get(id: string): Promise<UserRecord | undefined>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
  count(): Promise<number>;
  insert(user: UserRecord): Promise<void>;
  /** Writes `next` if the stored version is still `expectedVersion`; false when another write came first. */
  update(next: UserRecord, expectedVersion: number): Promise<boolean>;
  delete(id: string): Promise<void>;
  /**
   * The active admins (role admin, not disabled), counted for a change that may take one away.
   * Call it inside that change's transaction, before its write: until the transaction ends, no
   * other transaction, in any process, counts them or changes them, and a count taken after
   * another such change waited for it and sees its outcome. So two changes at the same moment,
   * each taking away one of the last two admins, cannot both see two.
   */
  lockActiveAdmins(): Promise<number>;
}

export interface SessionRecord {
  tokenHash: string;
  userId: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
  ip: string | null;
}

export interface SessionRepository {
  insert(s: SessionRecord): Promise<void>;
  get(tokenHash: string): Promise<SessionRecord | undefined>;
  delete(tokenHash: string): Promise<void>;
  deleteForUser(userId: string): Promise<void>;
  /** Ends every session of the user but this one (a password changed by the user themself). */
  deleteForUserExcept(userId: string, keepTokenHash: string): Promise<void>;
  deleteExpired(now: number): Promise<void>;
}

/** A key as stored: the API's fields but what is worked out when it is read (creator, state, limitedBy). */
export interface ApiKeyRecord extends Omit<ApiKey, 'creator' | 'state' | 'limitedBy'> {
  keyHash: string;
  /** The creator's email when the key was made (the user may be deleted later). */
  createdByLabel: string | null;
}

/** A key as read: with its creator's user row as it is now (undefined when that user is gone). */
export interface StoredApiKey extends ApiKeyRecord {
  creatorUser: Pick<User, 'email' | 'role' | 'disabled'> | undefined;
}

export interface ApiKeyRepository {
  list(): Promise<StoredApiKey[]>;
  get(id: string): Promise<StoredApiKey | undefined>;
  findByHash(hash: string): Promise<StoredApiKey | undefined>;
  insert(k: ApiKeyRecord): Promise<void>;
  revoke(id: string, at: number): Promise<void>;
  touch(id: string, at: number): Promise<void>;
}

/**
 * Failed-login times per key ("ip:…", "email:…"), shared by every process on the database.
 * The core decides what counts; this only keeps the lists.
 */
export interface LoginThrottleRepository {
  /**
   * The key's failure times (oldest first; empty for a new key). Inside a transaction the
   * key's row stays locked until it ends, so two processes never count the same key at once.
   */
  lock(key: string, now: number): Promise<number[]>;
  save(key: string, failures: number[], now: number): Promise<void>;
  remove(key: string): Promise<void>;
  /** Drops every key not written since `before`; returns how many. */
  prune(before: number): Promise<number>;
}
