import type { ReferencedRows, VersionedRepository } from '../kernel/versioned-repository.js';
import type { MailAccount } from './accounts.js';
import type { StoredDkimKey } from './dkim.js';
import type { MailServer } from './servers.js';

/** What servers, accounts, their secrets and DKIM keys need from storage. */
/**
 * The ports the core talks to. Adapters in src/store and src/secrets implement them; the
 * core never imports Kysely, a driver or node:crypto's key handling directly.
 */
/** Accounts, and the report mail's settings, name servers by id (ReferencedRows). */
export interface ServerRepository extends VersionedRepository<MailServer>, ReferencedRows<MailServer> {
  findByName(name: string): Promise<MailServer | undefined>;
}

export interface StoredAccount extends MailAccount {
  passwordSecretId: string | null;
  /** OAuth2's client secret and refresh token, as secret ids (encrypted in SecretRepository). */
  clientSecretId: string | null;
  refreshTokenId: string | null;
}

/** Purposes, rules, SMTP credentials and settings name accounts by id (ReferencedRows). */
export interface AccountRepository extends VersionedRepository<StoredAccount>, ReferencedRows<StoredAccount> {
  list(filter?: { serverId?: string }): Promise<StoredAccount[]>;
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
export type DkimKeyRepository = VersionedRepository<StoredDkimKey>;
