import { parseMailbox } from '../kernel/addresses.js';
import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import { assertHeaderSafe } from '../kernel/header-safety.js';
import { inboundSettings, type InboundSettings } from './inbound-settings.js';
import { rateLimit, type RateLimit } from './servers.js';
import { arr, bool, doc, onlyKeys, optStr, str } from '../kernel/validate.js';

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
  active: boolean;
  ownerId: string | null;
  rateLimit: RateLimit | null;
  /** Reading the account's mailbox over IMAP (its server's IMAP section); null: not read. */
  inbound: InboundSettings | null;
}

export interface MailAccount extends AccountConfig {
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
}

export const ACCOUNT_FIELDS = ['serverId', 'address', 'login', 'fromName', 'replyTo', 'aliases', 'password', 'passwordRef', 'active', 'ownerId', 'rateLimit', 'inbound'] as const;

const MAILROOM_OWN_SECRETS = ['MAILROOM_SECRET_KEY', 'DATABASE_URL', 'MAILROOM_ADMIN_PASSWORD'];

/** The kinds of reference this version can read. */
const REF_KINDS = ['env', 'file'] as const;
/** Kinds people expect (secret stores) that this version cannot read yet: refused when saved, never deferred at send time. */
const REF_KINDS_NOT_YET = ['vault', 'azure-keyvault', 'cyberark', 'internal'] as const;

export function validatePasswordRef(v: unknown): string | null {
  const ref = optStr('passwordRef', v, { max: 500 });
  if (!ref) return null;
  const kind = ref.slice(0, ref.indexOf(':'));
  if (ref.includes(':') && (REF_KINDS_NOT_YET as readonly string[]).includes(kind)) {
    throw new MailroomError(
      ErrorCodes.SECRET_PROVIDER_UNSUPPORTED,
      `passwordRef: this version of Mailroom cannot read "${kind}:" references; use "env:NAME" or "file:/path", or store the password in Mailroom (it is encrypted at rest)`,
      { field: 'passwordRef', provider: kind },
    );
  }
  if (!ref.includes(':') || !(REF_KINDS as readonly string[]).includes(kind)) {
    throw invalid('passwordRef', `must start with ${REF_KINDS.map((k) => `"${k}:"`).join(' or ')} (e.g. "env:SMTP_PASSWORD" or "file:/run/secrets/smtp")`);
  }
  if (ref.length === kind.length + 1) throw invalid('passwordRef', `names no ${kind} secret after "${kind}:"`);
  if (kind === 'env' && !/^env:[A-Za-z_][A-Za-z0-9_]*$/.test(ref)) throw invalid('passwordRef', 'env: must be followed by a variable name');
  // The password goes to whatever server the account names: a reference to Mailroom's own
  // secrets would let an admin send the master key or the database password there.
  if (kind === 'env' && MAILROOM_OWN_SECRETS.includes(ref.slice(4).toUpperCase())) throw invalid('passwordRef', `${ref.slice(4)} is Mailroom's own secret, not an SMTP password`);
  if (kind === 'file' && !ref.startsWith('file:/')) throw invalid('passwordRef', 'file: must be followed by an absolute path');
  return ref;
}

function alias(i: number, v: unknown): string {
  const s = str(`aliases[${i}]`, v, { max: 320 }).trim().toLowerCase();
  if (s.startsWith('@')) {
    const domain = parseMailbox(`aliases[${i}]`, `x${s}`).domain;
    return `@${domain}`;
  }
  return parseMailbox(`aliases[${i}]`, s).address;
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
      return s;
    }, null),
    replyTo: pick('replyTo', (v) => {
      const s = optStr('replyTo', v, { max: 320 });
      return s ? parseMailbox('replyTo', s).address : null;
    }, null),
    aliases: pick('aliases', (v) => [...new Set(arr('aliases', v, 100).map((a, i) => alias(i, a)))], []),
    passwordRef: pick('passwordRef', validatePasswordRef, null),
    active: pick('active', (v) => bool('active', v), true),
    ownerId: pick('ownerId', (v) => optStr('ownerId', v, { max: 100 }) ?? null, null),
    rateLimit: pick('rateLimit', (v) => rateLimit('rateLimit', v), null),
    inbound: pick('inbound', inboundSettings, null),
  };
  let password: string | null | undefined;
  if (d.password === undefined) password = undefined;
  else if (d.password === null || d.password === '') password = null;
  else password = str('password', d.password, { max: 1000 });
  if (password && config.passwordRef) {
    throw new MailroomError(ErrorCodes.VALIDATION, 'password and passwordRef are mutually exclusive: give one', { field: 'password' });
  }
  return { config, password };
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
