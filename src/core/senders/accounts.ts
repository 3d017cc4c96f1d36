import { mailboxText, parseMailbox } from '../kernel/addresses.js';
import { senderEntry } from '../kernel/sender-entry.js';
import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import { assertHeaderSafe, hasControlChars } from '../kernel/header-safety.js';
import { inboundSettings, type InboundSettings } from './inbound-settings.js';
import { rateLimit, type RateLimit } from './servers.js';
import { arr, bool, doc, onlyKeys, optStr, refuseEmpty, str } from '../kernel/validate.js';
import { formatSecretRef, parseSecretRef } from '../credentials/references.js';
import { normalizeAccountAuth, oauth2SecretsOf, PASSWORD_AUTH, type AccountAuth, type OAuth2SecretsInput } from './account-auth.js';

/** What an admin edits; the password travels beside it, never inside a stored document. */
export interface AccountConfig {
  serverId: string;
  address: string;
  login: string | null;
  fromName: string | null;
  replyTo: string | null;
  /** Further From identities this account may use: full addresses or "@domain". */
  aliases: string[];
  passwordRef: string | null;
  /** Password (the default) or OAuth2 (XOAUTH2 with a token Mailroom fetches). */
  auth: AccountAuth;
  active: boolean;
  ownerId: string | null;
  rateLimit: RateLimit | null;
  /** Reading the account's mailbox over IMAP (its server's IMAP section); null: not read. */
  inbound: InboundSettings | null;
}

export interface MailAccount extends AccountConfig {
  /** OAuth2 settings say whether their write-only parts are stored, never what they are. */
  auth: AccountAuth & { clientSecretSet?: boolean; refreshTokenSet?: boolean };
  id: string;
  passwordSet: boolean;
  source: 'database' | 'env';
  overridden: string[];
  createdAt: number;
  updatedAt: number;
  version: number;
}

export interface AccountInput {
  config: AccountConfig;
  /** undefined: not given; null or "": remove; string: set. */
  password: string | null | undefined;
  /** OAuth2's client secret and refresh token, when `auth` gave them. */
  oauth2: OAuth2SecretsInput;
}

export const ACCOUNT_FIELDS = ['serverId', 'address', 'login', 'fromName', 'replyTo', 'aliases', 'password', 'passwordRef', 'auth', 'active', 'ownerId', 'rateLimit', 'inbound'] as const;

/**
 * Checks a reference's syntax (src/core/credentials/references.ts); whether the provider or the
 * internal secret it names exists is checked by the service, inside the save's transaction.
 */
export function validatePasswordRef(v: unknown): string | null {
  // "" removed the reference, as "" did the password: refused, null removes it.
  refuseEmpty('passwordRef', v, 'give null to remove the reference, or leave it out to keep it');
  const ref = optStr('passwordRef', v, { max: 500 });
  if (!ref) return null;
  // Mailroom's own secrets are refused by the parser: the password goes to whatever server the account names.
  return formatSecretRef(parseSecretRef('passwordRef', ref));
}

/** Validates an account as created (no prev) or patched (given fields replace stored ones). */
export function normalizeAccountInput(input: unknown, prev?: AccountConfig): AccountInput {
  const d = doc('account', input);
  onlyKeys('account', d, [...ACCOUNT_FIELDS, 'version']);
  const pick = <K extends keyof AccountConfig>(k: K, fn: (v: unknown) => AccountConfig[K], dflt: AccountConfig[K]): AccountConfig[K] =>
    d[k] === undefined ? (prev ? prev[k] : dflt) : fn(d[k]);
  if (!prev && d.serverId === undefined) throw invalid('serverId', 'is required: the mail server this account sends through');
  if (!prev && d.address === undefined) throw invalid('address', 'is required: the sender address');
  const config: AccountConfig = {
    serverId: pick('serverId', (v) => str('serverId', v, { max: 40 }), ''),
    address: pick('address', (v) => {
      const m = parseMailbox('address', str('address', v, { max: 320 }));
      if (m.name) throw invalid('address', 'must be a bare address; put the display name in fromName');
      return m.address;
    }, ''),
    login: pick('login', (v) => {
      const s = optStr('login', v, { max: 320 }) ?? null;
      assertHeaderSafe('login', s);
      return s;
    }, null),
    fromName: pick('fromName', (v) => {
      const s = optStr('fromName', v, { max: 200 })?.trim() ?? null;
      assertHeaderSafe('fromName', s);
      // A person's name, one line, as every other name: NEL (U+0085) or U+2028 broke it too.
      if (s && hasControlChars(s)) throw invalid('fromName', 'must be one line of text, without control characters');
      return s;
    }, null),
    replyTo: pick('replyTo', (v) => {
      const s = optStr('replyTo', v, { max: 320 });
      // The display name is kept (`Help Desk <help@example.com>`), in the text form a message's own Reply-To is stored in.
      if (!s) return null;
      const m = parseMailbox('replyTo', s);
      return mailboxText('replyTo', m.name ? { name: m.name, address: m.address } : { address: m.address });
    }, null),
    aliases: pick('aliases', (v) => [...new Set(arr('aliases', v, 100).map((a, i) => senderEntry(`aliases[${i}]`, a, 'aliases')))], []),
    passwordRef: pick('passwordRef', validatePasswordRef, null),
    auth: pick('auth', normalizeAccountAuth, PASSWORD_AUTH),
    active: pick('active', (v) => bool('active', v), true),
    ownerId: pick('ownerId', (v) => optStr('ownerId', v, { max: 100 }) ?? null, null),
    rateLimit: pick('rateLimit', (v) => rateLimit('rateLimit', v), null),
    inbound: pick('inbound', inboundSettings, null),
  };
  let password: string | null | undefined;
  if (d.password === undefined) password = undefined;
  else if (d.password === null) password = null;
  // "" removed the stored password: what a script sends with its variable unset.
  else {
    refuseEmpty('password', d.password, 'give null to remove the password, or leave it out to keep it');
    password = str('password', d.password, { max: 1000 });
  }
  if (password && config.passwordRef) {
    throw new MailroomError(ErrorCodes.VALIDATION, 'password and passwordRef are mutually exclusive: give one', { field: 'password' });
  }
  const oauth2 = oauth2SecretsOf(d.auth);
  // Choosing a password drops OAuth2; choosing OAuth2 drops the password.
  if ((password || (d.passwordRef !== undefined && config.passwordRef)) && d.auth === undefined) config.auth = PASSWORD_AUTH;
  if (config.auth.type === 'oauth2' && (password || (d.passwordRef !== undefined && config.passwordRef))) {
    throw new MailroomError(ErrorCodes.VALIDATION, 'an OAuth2 account has no password: give auth or a password, not both', { field: 'password' });
  }
  if (config.auth.type === 'oauth2') config.passwordRef = null;
  return { config, password, oauth2 };
}

/** The SMTP login: the explicit login, else the sender address. */
export function effectiveLogin(a: Pick<AccountConfig, 'login' | 'address'>): string {
  return a.login ?? a.address;
}

/**
 * Moving an account to another server or login without a new password clears the stored one,
 * so a password can never be sent somewhere the admin who typed it did not intend.
 */
export function accountChangeClearsPassword(before: AccountConfig, after: AccountConfig): boolean {
  return before.serverId !== after.serverId || effectiveLogin(before) !== effectiveLogin(after);
}
