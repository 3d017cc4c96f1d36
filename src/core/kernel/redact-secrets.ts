/**
 * Keeps credentials out of what a peer wrote back. A mail server may echo the AUTH exchange in
 * its refusal, a secret provider the token it was sent, a token endpoint the form it received:
 * whatever we show, store or log of their words must not carry the secret, in clear or in the
 * encoding it travelled in. One place derives those encodings, for diagnostics and delivery
 * alike (docs/security.md, "What is redacted where").
 */

export const REDACTED = '[redacted]';

/** A secret and, when it is a login's, the user it was sent with (SASL's encodings hold both). */
export interface SecretValue {
  value: string;
  user?: string;
}

/** What callers hand over: a bare secret, a login, or nothing (an unset credential). */
export type SecretInput = string | SecretValue | null | undefined;

/** Shorter values are not hidden in clear: a two-letter password would blank ordinary words. */
const MIN_CLEAR = 3;
/** Shorter base64 forms are not hidden: "YQ" (of "a") is in queue ids and words alike; "YWJj" (of "abc") and longer are. */
const MIN_ENCODED = 4;
/** A line of a multi-line secret (a PEM key's body) hidden on its own: one-line text joins them with spaces. */
const MIN_LINE = 16;

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unpadded = (s: string): string => s.replace(/=+$/, '');
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The plain-text forms: as is, URL- and form-encoded, JSON-escaped, and each long line of a multi-line value. */
function clearForms(value: string): string[] {
  const out = [value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), JSON.stringify(value).slice(1, -1)];
  if (/[\r\n]/.test(value)) {
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= MIN_LINE && !line.startsWith('-----')) out.push(line.trim());
  }
  return out;
}

/**
 * What a secret looks like on the wire, base64-encoded: AUTH LOGIN's password; AUTH PLAIN's
 * "\0user\0pass" (RFC 4616) and its form with the authorization identity; SASL XOAUTH2's
 * "user=…\x01auth=Bearer <token>\x01\x01" (Google's and Microsoft's format).
 */
function encodedForms({ value, user }: SecretValue): string[] {
  const plain = [value];
  if (user !== undefined) plain.push(`\0${user}\0${value}`, `${user}\0${user}\0${value}`, `user=${user}\x01auth=Bearer ${value}\x01\x01`);
  else plain.push(`\0\0${value}`);
  return plain.map(b64);
}

function normalized(s: SecretInput): SecretValue | undefined {
  if (s === null || s === undefined) return undefined;
  const v = typeof s === 'string' ? { value: s } : s;
  return v.value ? v : undefined;
}

/**
 * A function hiding each secret given, and the forms derived from it, behind "[redacted]".
 * Base64 forms match with or without their "=" padding, in standard or URL-safe letters.
 */
export function secretRedactor(secrets: readonly SecretInput[]): (text: string) => string {
  // Delivery asks for one per attempt, with the same login each time: the forms, their sort and
  // the pattern are built once per login, not once per message.
  const key = secrets.map((s) => {
    const v = normalized(s);
    return v ? `${v.user ?? ''}\0${v.value}` : '';
  }).join('\x01');
  const known = built.get(key);
  if (known) return known;
  if (built.size >= MAX_BUILT) built.clear();
  const made = buildRedactor(secrets);
  built.set(key, made);
  return made;
}

/** Redactors built, by the logins they hide (a handful of accounts and providers in practice). */
const built = new Map<string, (text: string) => string>();
const MAX_BUILT = 256;

function buildRedactor(secrets: readonly SecretInput[]): (text: string) => string {
  const clear = new Set<string>();
  const encoded = new Set<string>();
  for (const s of secrets) {
    const v = normalized(s);
    if (!v) continue;
    for (const f of clearForms(v.value)) if (f.length >= MIN_CLEAR) clear.add(f);
    for (const f of encodedForms(v)) {
      // A one- or two-letter password's base64 is as short, and would blank ordinary text too.
      if (unpadded(f).length < MIN_ENCODED) continue;
      encoded.add(unpadded(f));
      encoded.add(unpadded(f).replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  // Longest first: an encoded form must go whole before a shorter form inside it is replaced.
  const alternatives = [...[...encoded].map((f) => ({ f, p: `${escapeRegExp(f)}={0,2}` })), ...[...clear].map((f) => ({ f, p: escapeRegExp(f) }))]
    .sort((a, b) => b.f.length - a.f.length)
    .map((a) => a.p);
  if (!alternatives.length) return (text) => text;
  const pattern = new RegExp(alternatives.join('|'), 'g');
  return (text) => text.replace(pattern, REDACTED);
}

/** `text` with every secret given, and its encodings, replaced by "[redacted]". */
export function redactSecrets(text: string, secrets: readonly SecretInput[]): string {
  return secretRedactor(secrets)(text);
}
