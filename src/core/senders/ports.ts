import type { MailAccount } from './accounts.js';
import type { StoredDkimKey } from './dkim.js';
import type { MailServer } from './servers.js';

/** What servers, accounts, their secrets and DKIM keys need from storage. */
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
  /** OAuth2's client secret and refresh token, as secret ids (encrypted in SecretRepository). */
  clientSecretId: string | null;
  refreshTokenId: string | null;
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

/** DKIM keys per sender domain; the private key is a secret id, never the PEM. */
export interface DkimKeyRepository {
  list(): Promise<StoredDkimKey[]>;
  get(domain: string): Promise<StoredDkimKey | undefined>;
  insert(key: StoredDkimKey): Promise<void>;
  update(next: StoredDkimKey, expectedVersion: number): Promise<boolean>;
  delete(domain: string): Promise<void>;
}
