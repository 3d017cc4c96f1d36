import { asciiDomain, domainFault } from '../kernel/addresses.js';
import { invalid } from '../kernel/errors.js';
import { doc, hostname, int, onlyKeys, str } from '../kernel/validate.js';

/** A sender domain's DKIM key as the API shows it: public parts only. */
export interface DkimKey {
  domain: string;
  selector: string;
  /** Base64 SubjectPublicKeyInfo (the p= of the DNS record). */
  publicKey: string;
  keyBits: number;
  source: 'generated' | 'imported';
  createdAt: number;
  updatedAt: number;
  version: number;
}

export interface StoredDkimKey extends DkimKey {
  privateKeySecretId: string;
}

/** Key generation and PEM inspection live outside the core (node:crypto); the core asks through this. */
export interface DkimKeyTool {
  /** Asynchronous: a 4096-bit RSA key takes about a second to find, which must not hold the event loop. */
  generate(bits: number): Promise<{ privateKeyPem: string; publicKey: string; bits: number }>;
  /** Throws a VALIDATION error when the PEM is not an RSA private key Mailroom can sign with. */
  inspect(privateKeyPem: string): { privateKeyPem: string; publicKey: string; bits: number };
}

export interface DkimInput {
  selector: string;
  privateKey?: string;
  keyBits: number;
  /** The key's version as read: 0 creates only (there was no key), n rotates only the key at n. */
  version?: number;
}

export const DEFAULT_SELECTOR = 'mailroom';
export const KEY_BITS = [1024, 2048, 3072, 4096] as const;

/** RFC 6376 §3.1: a selector is one or more DNS labels. */
const SELECTOR = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A domain as GET and DELETE read it (a key stored by an earlier version under a looser rule stays reachable). */
export function normalizeDkimDomain(v: unknown): string {
  // A domain typed in Unicode is the ASCII form its addresses are stored in, and DNS publishes.
  const d = hostname('domain', typeof v === 'string' ? asciiDomain(v.trim().toLowerCase()) : v).replace(/\.$/, '');
  if (!d.includes('.') || /^[0-9.]+$/.test(d) || d.includes(':')) throw invalid('domain', `"${d}" is not a mail domain`);
  return d;
}

/**
 * A domain a new key is stored for: one an address can have (the same label rule as
 * addresses.ts), else the key would sign for a From no account or message can carry.
 */
export function newDkimKeyDomain(v: unknown): string {
  const d = normalizeDkimDomain(v);
  const fault = domainFault(d);
  if (fault) throw invalid('domain', `"${d}" is not a mail domain (no address can have it): ${fault}`);
  return d;
}

export function normalizeDkimInput(input: unknown): DkimInput {
  const d = doc('body', input ?? {});
  onlyKeys('body', d, ['selector', 'privateKey', 'keyBits', 'version']);
  // Left out, a field takes its default (the selector "mailroom", a generated key); given empty
  // or null it is refused, as "" in a write-only secret field is: it would otherwise replace an
  // imported key with a new one, or move the DNS record back to mailroom._domainkey.
  if (d.selector === null || d.selector === '') throw invalid('selector', 'is empty: give the selector (DNS labels, e.g. "s2025"), or leave selector out for "mailroom"');
  const selector = d.selector === undefined ? DEFAULT_SELECTOR : str('selector', d.selector, { max: 63 }).trim().toLowerCase();
  if (!SELECTOR.test(selector)) throw invalid('selector', 'must be DNS labels: letters, digits and hyphens, e.g. "mailroom" or "s2025"');
  if (d.privateKey === null || (typeof d.privateKey === 'string' && !d.privateKey.trim())) {
    throw invalid('privateKey', 'is empty: give the PEM private key to import, or leave privateKey out to generate a new key');
  }
  const privateKey = d.privateKey === undefined ? undefined : str('privateKey', d.privateKey, { max: 20_000 });
  if (privateKey && d.keyBits !== undefined) throw invalid('keyBits', 'applies only to a generated key; an imported key keeps its size');
  const keyBits = d.keyBits === undefined ? 2048 : int('keyBits', d.keyBits, 1024, 4096);
  if (!(KEY_BITS as readonly number[]).includes(keyBits)) throw invalid('keyBits', `must be one of ${KEY_BITS.join(', ')}`);
  const version = d.version === undefined ? undefined : int('version', d.version, 0, Number.MAX_SAFE_INTEGER);
  return { selector, keyBits, ...(privateKey ? { privateKey } : {}), ...(version === undefined ? {} : { version }) };
}

/** The TXT record to publish, whole and split in 255-byte strings for DNS panels that need it. */
export function dkimDnsRecord(key: Pick<DkimKey, 'domain' | 'selector' | 'publicKey'>): { name: string; type: 'TXT'; value: string; chunks: string[] } {
  const value = `v=DKIM1; k=rsa; p=${key.publicKey}`;
  const chunks: string[] = [];
  for (let i = 0; i < value.length; i += 255) chunks.push(value.slice(i, i + 255));
  return { name: `${key.selector}._domainkey.${key.domain}`, type: 'TXT', value, chunks };
}

export function publicDkimKey(k: StoredDkimKey): DkimKey & { dnsRecord: ReturnType<typeof dkimDnsRecord> } {
  const { privateKeySecretId: _hidden, ...rest } = k;
  return { ...rest, dnsRecord: dkimDnsRecord(k) };
}
