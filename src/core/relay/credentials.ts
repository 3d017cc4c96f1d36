import type { Principal } from '../access/auth.js';
import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import { senderEntry } from '../kernel/sender-entry.js';
import { arr, bool, doc, int, oneOf, onlyKeys, optStr, refuseEmpty, str, label } from '../kernel/validate.js';
import { LIMITS } from '../outbox/messages.js';
import { inCidr, parseCidr, parseIp, type Cidr, type ParsedIp } from '../probes/network-policy.js';

/**
 * An SMTP credential: how one application logs in to the relay and what it may send. Either a
 * generated password (AUTH PLAIN or LOGIN, only inside TLS), or the client's own address
 * ("client-ip", for devices and programs that cannot log in, like a printer or Postfix's
 * smtp-source), which then must come from a listed address.
 */
export const AUTHENTICATIONS = ['password', 'client-ip'] as const;
export type Authentication = (typeof AUTHENTICATIONS)[number];

export interface SmtpCredential {
  id: string;
  name: string;
  username: string;
  authentication: Authentication;
  /** Envelope senders and From addresses it may use: "app@example.com" or "@example.com". */
  allowedFrom: string[];
  /** Its messages' purpose (routing, priority, expiry, global copies), or null for none. */
  purpose: string | null;
  /** Pins the sending account (otherwise the purpose or the default account decides). */
  accountId: string | null;
  maxMessageBytes: number;
  maxRecipients: number;
  /** Transactions (MAIL FROM commands, whether or not a message follows) per minute, across every process; null: no limit. */
  perMinute: number | null;
  /** Client addresses or CIDRs it may connect from; empty: any (password credentials only). */
  allowedIps: string[];
  enabled: boolean;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
  passwordRotatedAt: number | null;
  version: number;
}

/** As stored: with the password's hash (never leaves the store and the core). */
export interface StoredSmtpCredential extends SmtpCredential {
  passwordHash: string | null;
}

export const CREDENTIAL_DEFAULTS = { maxMessageBytes: 10 * 1024 * 1024, maxRecipients: 50 } as const;
export const CREDENTIAL_LIMITS = {
  /** The relay's own ceiling is the outbox's: 25 MiB, 100 recipients. */
  maxMessageBytes: { min: 1024, max: LIMITS.messageBytes },
  maxRecipients: { min: 1, max: LIMITS.recipients },
  perMinute: { min: 1, max: 100_000 },
  allowedFrom: 100,
  allowedIps: 100,
} as const;

const USERNAME = /^[a-z0-9][a-z0-9._@-]{2,63}$/;

/** The default username: the name in lower case, anything but letters, digits, dot, dash as "-". */
export function usernameFromName(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    // Letters with accents become the letter ("é" is "e" and a combining mark).
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64);
  return slug.length >= 3 ? slug : `smtp-${slug || 'app'}`;
}

/**
 * `base` if no credential has it, else the first free of base-2, base-3, … (cut to 64
 * characters): names that make the same username ("Приложение" and "应用" are both smtp-app,
 * "My App" and "my-app" both my-app) still get one each.
 */
export function freeUsername(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = base.slice(0, 64 - suffix.length).replace(/[-.]+$/, '') + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Who a relay session acts as once logged in: the credential, with the send permission only. */
export function relayPrincipal(c: Pick<SmtpCredential, 'id' | 'name' | 'accountId'>): Principal {
  return { kind: 'smtp', id: c.id, label: `smtp:${c.name}`, permissions: new Set(['send']), allowOverride: c.accountId !== null, accountChosenBy: `SMTP credential "${c.name}"` };
}

export function publicCredential(c: StoredSmtpCredential): SmtpCredential {
  const { passwordHash: _hidden, ...rest } = c;
  return rest;
}

/** ::ffff:0:0/96: the IPv4-mapped IPv6 addresses, IPv4 clients as a dual-stack socket names them. */
const IPV4_MAPPED = parseCidr('::ffff:0:0/96')!;

/**
 * An IPv4-mapped address or range ("::ffff:10.0.0.0/104") as the IPv4 one it means
 * (10.0.0.0/8); anything else unchanged. The relay sees every IPv4 client as IPv4 (smtp-server
 * drops the "::ffff:" of a dual-stack socket), so a mapped entry compared as IPv6 would never
 * match anybody.
 */
function unmapped(c: Cidr): Cidr {
  if (c.ip.version !== 6 || c.prefix < 96 || !inCidr(c.ip, IPV4_MAPPED)) return c;
  return { ip: { version: 4, bytes: c.ip.bytes.slice(12) }, prefix: c.prefix - 96 };
}

/** An allowedIps entry as the relay matches it (a mapped one stored as typed, before they were rewritten, as IPv4). */
export function relayCidr(entry: string): Cidr | undefined {
  const c = parseCidr(entry);
  return c && unmapped(c);
}

/** A client address as the relay matches it: an IPv4-mapped one as IPv4. */
export function relayClientIp(address: string): ParsedIp | undefined {
  const ip = parseIp(address);
  return ip && unmapped({ ip, prefix: 128 }).ip;
}

/**
 * "10.1.2.3", "10.1.2.0/24", "2001:db8::/64". A /0 is refused: it would let any address in,
 * which for a client-ip credential is an open relay and for a password credential says
 * nothing an empty list does not. An IPv4-mapped entry ("::ffff:10.1.2.0/120") is stored as
 * the IPv4 one it means ("10.1.2.0/24"); one holding every IPv4 address is refused as a /0.
 */
export function allowedIpEntry(field: string, v: unknown): { text: string; cidr: Cidr } {
  const s = str(field, v, { max: 64 }).trim().toLowerCase();
  const typed = parseCidr(s);
  if (!typed) throw invalid(field, `"${s}" is not an IP address or CIDR range such as 10.0.0.5 or 10.0.0.0/24`);
  const cidr = unmapped(typed);
  if (cidr !== typed && cidr.prefix === 0) {
    throw invalid(field, `"${s}" holds every IPv4 address (it is 0.0.0.0/0 written as IPv4-mapped IPv6): list the addresses or networks the application connects from`);
  }
  if (cidr.prefix === 0) throw invalid(field, `"${s}" would allow every address: list the addresses or networks the application connects from`);
  if (cidr === typed) return { text: s, cidr };
  return { text: `${cidr.ip.bytes.join('.')}${cidr.prefix === 32 ? '' : `/${cidr.prefix}`}`, cidr };
}

export type CredentialConfig = Pick<SmtpCredential, 'name' | 'username' | 'authentication' | 'allowedFrom' | 'purpose' | 'accountId' | 'maxMessageBytes' | 'maxRecipients' | 'perMinute' | 'allowedIps' | 'enabled'>;

const FIELDS = ['name', 'username', 'authentication', 'allowedFrom', 'purpose', 'accountId', 'maxMessageBytes', 'maxRecipients', 'perMinute', 'allowedIps', 'enabled'] as const;

/**
 * Validates a create (no `prev`) or an update (fields given replace `prev`'s). The username
 * and the way of logging in are fixed once created: applications are configured with them.
 */
export function normalizeCredential(input: unknown, prev?: SmtpCredential): CredentialConfig {
  const d = doc('credential', input);
  onlyKeys('credential', d, prev ? [...FIELDS, 'version'] : FIELDS);
  if (prev && d.username !== undefined && d.username !== prev.username) throw invalid('username', 'cannot be changed (applications log in with it); create a new credential instead');
  if (prev && d.authentication !== undefined && d.authentication !== prev.authentication) throw invalid('authentication', 'cannot be changed; create a new credential instead');
  const name = d.name === undefined && prev ? prev.name : label('name', d.name);
  if (!name) throw invalid('name', 'must not be empty');
  const authentication = prev ? prev.authentication : d.authentication === undefined ? 'password' : oneOf('authentication', d.authentication, AUTHENTICATIONS);
  let username = prev?.username ?? usernameFromName(name);
  if (!prev && d.username !== undefined) {
    username = str('username', d.username, { max: 64 }).trim().toLowerCase();
    if (!USERNAME.test(username)) throw invalid('username', 'must be 3-64 characters: lower-case letters, digits, ".", "_", "@" or "-", starting with a letter or digit');
  }
  const allowedFrom =
    d.allowedFrom === undefined && prev ? prev.allowedFrom : [...new Set(arr('allowedFrom', d.allowedFrom, CREDENTIAL_LIMITS.allowedFrom).map((v, i) => senderEntry(`allowedFrom[${i}]`, v, 'allowedFrom')))];
  // Never an open relay: every credential names who it may send as.
  if (!allowedFrom.length) throw invalid('allowedFrom', 'give at least one address ("app@example.com") or domain ("@example.com") the application sends as');
  // "" is refused, not taken as none: a PATCH with it cleared the credential's routing unseen.
  for (const field of ['purpose', 'accountId'] as const) refuseEmpty(field, d[field], 'give null for none, or leave it out to keep it');
  const purpose = d.purpose === undefined && prev ? prev.purpose : (optStr('purpose', d.purpose, { max: 64 }) ?? null);
  if (purpose !== null && !/^[a-z0-9][a-z0-9_.-]*$/.test(purpose)) throw invalid('purpose', 'must be a purpose key such as "report"');
  const accountId = d.accountId === undefined && prev ? prev.accountId : (optStr('accountId', d.accountId, { max: 40 }) ?? null);
  const number = <K extends 'maxMessageBytes' | 'maxRecipients'>(key: K) =>
    d[key] === undefined ? (prev ? prev[key] : CREDENTIAL_DEFAULTS[key]) : int(key, d[key], CREDENTIAL_LIMITS[key].min, CREDENTIAL_LIMITS[key].max);
  const perMinute = d.perMinute === undefined ? (prev?.perMinute ?? null) : d.perMinute === null ? null : int('perMinute', d.perMinute, CREDENTIAL_LIMITS.perMinute.min, CREDENTIAL_LIMITS.perMinute.max);
  const allowedIps =
    d.allowedIps === undefined && prev ? prev.allowedIps : [...new Set(arr('allowedIps', d.allowedIps ?? [], CREDENTIAL_LIMITS.allowedIps).map((v, i) => allowedIpEntry(`allowedIps[${i}]`, v).text))];
  if (authentication === 'client-ip' && !allowedIps.length) {
    throw invalid('allowedIps', 'a client-ip credential needs the addresses its clients connect from (it has no password: the address is the login)');
  }
  const enabled = d.enabled === undefined ? (prev?.enabled ?? true) : bool('enabled', d.enabled);
  return { name, username, authentication, allowedFrom, purpose, accountId, maxMessageBytes: number('maxMessageBytes'), maxRecipients: number('maxRecipients'), perMinute, allowedIps, enabled };
}

/** Two CIDR ranges share an address when the wider one holds the other's network address. */
export function rangesOverlap(a: Cidr, b: Cidr): boolean {
  const [wide, narrow] = a.prefix <= b.prefix ? [a, b] : [b, a];
  return inCidr(narrow.ip, wide);
}

/**
 * A client address must name one client-ip credential at most: otherwise which application's
 * rules apply would depend on the order of a list. Throws DUPLICATE naming the other one.
 */
export function assertNoOverlap(config: CredentialConfig, others: readonly SmtpCredential[]): void {
  if (config.authentication !== 'client-ip') return;
  const mine = config.allowedIps.map((t) => relayCidr(t)!);
  for (const other of others) {
    if (other.authentication !== 'client-ip' || !other.enabled) continue;
    for (const theirs of other.allowedIps) {
      const range = relayCidr(theirs);
      const hit = range ? mine.findIndex((m) => rangesOverlap(m, range)) : -1;
      if (hit >= 0) {
        throw new MailroomError(
          ErrorCodes.DUPLICATE,
          `allowedIps: ${config.allowedIps[hit]} overlaps ${theirs} of client-ip credential "${other.name}"; a client address may belong to one client-ip credential only`,
          { field: `allowedIps[${hit}]`, credentialId: other.id },
        );
      }
    }
  }
}
