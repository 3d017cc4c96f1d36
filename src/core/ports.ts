import type { MailAccount, AccountConfig } from './senders/accounts.js';
import type { MailServer, ServerConfig } from './senders/servers.js';
import type { User, Role } from './access/users.js';
import type { ApiKey, Scope } from './access/auth.js';
import type { AuditEntry, AuditQuery } from './kernel/audit.js';
import type { StoredDkimKey } from './senders/dkim.js';
import type { Purpose } from './routing/purposes.js';
import type { MessageRepository } from './outbox/ports.js';

/**
 * The ports the core talks to. Adapters in src/store and src/secrets implement them; the
 * core never imports Kysely, a driver or node:crypto's key handling directly.
 */
export interface ServerRepository {
  list(): Promise<MailServer[]>;
  get(id: string): Promise<MailServer | undefined>;
  findByName(name: string): Promise<MailServer | undefined>;
  insert(server: MailServer): Promise<void>;
  /** Writes `next` if the stored version is `expectedVersion`; false when it was not. */
  update(next: MailServer, expectedVersion: number): Promise<boolean>;
  delete(id: string): Promise<void>;
}

export interface StoredAccount extends MailAccount {
  passwordSecretId: string | null;
}

export interface AccountRepository {
  list(filter?: { serverId?: string }): Promise<StoredAccount[]>;
  get(id: string): Promise<StoredAccount | undefined>;
  insert(account: StoredAccount): Promise<void>;
  update(next: StoredAccount, expectedVersion: number): Promise<boolean>;
  delete(id: string): Promise<void>;
  countByServer(serverId: string): Promise<number>;
}

/** Encrypted secrets; callers see plaintext only through this port. */
export interface SecretRepository {
  put(plaintext: string): Promise<string>;
  replace(id: string, plaintext: string): Promise<void>;
  reveal(id: string): Promise<string>;
  delete(id: string): Promise<void>;
}

export interface AuditRepository {
  append(entry: AuditEntry): Promise<void>;
  list(query: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }>;
}

export interface SettingsRepository {
  get<T>(key: string): Promise<T | undefined>;
  all(): Promise<Record<string, { value: unknown; updatedAt: number; updatedBy: string | null }>>;
  set(key: string, value: unknown, by: string | null): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface UserRecord extends User {
  passwordHash: string;
}

export interface UserRepository {
  list(): Promise<UserRecord[]>;
  get(id: string): Promise<UserRecord | undefined>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
  count(): Promise<number>;
  insert(user: UserRecord): Promise<void>;
  update(next: UserRecord): Promise<void>;
  delete(id: string): Promise<void>;
  countAdmins(): Promise<number>;
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
  deleteExpired(now: number): Promise<void>;
}

export interface ApiKeyRecord extends ApiKey {
  keyHash: string;
}

export interface ApiKeyRepository {
  list(): Promise<ApiKeyRecord[]>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  insert(k: ApiKeyRecord): Promise<void>;
  revoke(id: string, at: number): Promise<void>;
  touch(id: string, at: number): Promise<void>;
}

/** Purposes as stored; built-ins are inserted at start, custom ones by admins. */
export interface PurposeRepository {
  list(): Promise<Purpose[]>;
  get(key: string): Promise<Purpose | undefined>;
  insert(p: Purpose): Promise<void>;
  /** Inserts unless a purpose with that key exists (idempotent seeding); true when inserted. */
  insertIfMissing(p: Purpose): Promise<boolean>;
  update(next: Purpose, expectedVersion: number): Promise<boolean>;
  delete(key: string): Promise<void>;
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

export interface Repositories {
  servers: ServerRepository;
  accounts: AccountRepository;
  secrets: SecretRepository;
  audit: AuditRepository;
  settings: SettingsRepository;
  users: UserRepository;
  sessions: SessionRepository;
  apiKeys: ApiKeyRepository;
  purposes: PurposeRepository;
  sendCounters: SendCounterRepository;
  messages: MessageRepository;
  dkimKeys: DkimKeyRepository;
}

/** DKIM keys per sender domain; the private key is a secret id, never the PEM. */
export interface DkimKeyRepository {
  list(): Promise<StoredDkimKey[]>;
  get(domain: string): Promise<StoredDkimKey | undefined>;
  insert(key: StoredDkimKey): Promise<void>;
  update(next: StoredDkimKey, expectedVersion: number): Promise<boolean>;
  delete(domain: string): Promise<void>;
}

/** The store as the core sees it: repositories, optionally inside one transaction. */
export interface Store {
  repos: Repositories;
  transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
  /**
   * Like transaction(), but concurrent callers share one transaction and one fsync (group
   * commit). Resolves after the shared COMMIT. `fn` may run twice: it must only use `repos`.
   */
  grouped<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
}

export type { Role, Scope, ServerConfig, AccountConfig };
