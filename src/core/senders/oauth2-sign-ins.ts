import type { ConnectStarter } from './oauth2-connect-flow.js';

/**
 * A "Connect" sign-in as the store keeps it, shared by every process on the database: the way
 * back may reach another process than the one that answered Connect, or the same one restarted.
 * Only hashes of the state and of the browser's key are kept; the PKCE verifier is a stored
 * secret (SecretRepository), named by id.
 */
export interface OAuth2SignIn {
  /** SHA-256 (hex) of the state: what the way back looks it up by. */
  stateHash: string;
  accountId: string;
  accountVersion: number;
  /** The verifier's secret id; null once the sign-in is spent or expired. */
  verifierSecretId: string | null;
  redirectUri: string;
  startedBy: ConnectStarter;
  /** SHA-256 (hex) of the key the browser that pressed Connect holds. */
  browserKeyHash: string;
  createdAt: number;
  expiresAt: number;
  /** When a way back spent it (a code exchanged, a refusal); null while it is open. */
  spentAt: number | null;
}

export interface OAuth2SignInRepository {
  /**
   * Until the calling transaction ends, no other start counts the open sign-ins or adds one, so
   * the limit on open sign-ins holds across processes (PostgreSQL: a transaction-scoped advisory
   * lock; SQLite has one writer). Call it inside a transaction, first.
   */
  lockStarts(): Promise<void>;
  /** Sign-ins neither spent nor expired at `now`. */
  countOpen(now: number): Promise<number>;
  insert(signIn: OAuth2SignIn): Promise<void>;
  get(stateHash: string): Promise<OAuth2SignIn | undefined>;
  /**
   * Spends the sign-in if it is still open at `now` (and, when given, still holds that
   * verifier): one conditional UPDATE, so of two ways back at the same moment, in any
   * processes, exactly one gets true. Spending detaches the verifier (the caller deletes it).
   */
  spend(stateHash: string, now: number, verifierSecretId?: string): Promise<boolean>;
  /**
   * Forgets sign-ins that ended (spent, or expired) before `endedBefore`, and detaches the
   * verifiers of those expired at `now`: returns the verifiers' secret ids no sign-in holds any
   * more, for the caller to delete in the same transaction.
   */
  prune(now: number, endedBefore: number): Promise<string[]>;
}
