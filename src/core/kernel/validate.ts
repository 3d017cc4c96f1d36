import { invalid, notAllowed, ErrorCodes, MailroomError } from './errors.js';
import { hasControlChars } from './header-safety.js';
import { readInstant } from './instants.js';
export { refuseEmpty } from './refuse-empty.js';

export { LAST_INSTANT } from './instants.js';

/**
 * Small checks the core uses on every input, whatever the entry point (HTTP, CLI, env).
 * Each throws a MailroomError naming the field and what to fix.
 */
export type Doc = Record<string, unknown>;

export function isDoc(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function doc(field: string, v: unknown): Doc {
  if (!isDoc(v)) throw invalid(field, 'must be an object');
  return v;
}

export function onlyKeys(field: string, v: Doc, allowed: readonly string[]): void {
  const unknown = Object.keys(v).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw new MailroomError(
      ErrorCodes.UNKNOWN_FIELD,
      `${field}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; allowed: ${allowed.join(', ')}`,
      { field, unknown },
    );
  }
}

/** String.prototype.isWellFormed (Node 20; TypeScript types it from lib ES2024, this project compiles for ES2022). */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * A lone UTF-16 surrogate ("\ud800" in JSON) is not a character: UTF-8 — the database, the
 * answer, the mail — cannot carry it and would write U+FFFD instead. Refused where it comes in.
 */
export function wellFormed(field: string, v: string): string {
  if (!isWellFormed(v)) throw invalid(field, 'contains a lone UTF-16 surrogate (such as \\ud800 without its pair): no mail or database can carry it');
  return v;
}

/**
 * Characters as a person (and PostgreSQL's varchar) counts them: code points, so an emoji is one,
 * not the two UTF-16 units of `length`. For well-formed text (what `str` lets through).
 */
export function characters(v: string): number {
  let pairs = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) pairs++;
  }
  return v.length - pairs;
}

export function str(field: string, v: unknown, opts: { min?: number; max?: number } = {}): string {
  if (typeof v !== 'string') throw invalid(field, 'must be a string');
  wellFormed(field, v);
  const min = opts.min ?? 1;
  if (v.length < min) throw invalid(field, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
  // `length` counts at least the characters: only a string longer in units is counted again.
  if (opts.max !== undefined && v.length > opts.max && characters(v) > opts.max) throw invalid(field, `must be at most ${opts.max} characters (it has ${characters(v)})`);
  return v;
}

/**
 * A name people give a thing (a server, a key, a credential, a template): one line of text,
 * trimmed, not empty. A line break or other control character would be echoed into lists, audit
 * entries and log lines (and an actor label such as `smtp:<name>`), where it forges lines.
 */
export function label(field: string, v: unknown, max = 200): string {
  const s = str(field, v, { max }).trim();
  if (!s) throw invalid(field, 'must not be empty');
  if (hasControlChars(s)) throw invalid(field, 'must be one line of text, without control characters');
  return s;
}

/** An optional {@link label} (a person's display name): absent, null, "" or only spaces is null. */
export function optLabel(field: string, v: unknown, max = 200): string | null {
  if (v === undefined || v === null || (typeof v === 'string' && !v.trim())) return null;
  return label(field, v, max);
}

/**
 * A filter's comma-separated list (`?status=sent,failed`), each entry trimmed. An empty entry
 * (`sent,`, `sent,,failed`) is refused: dropped, `?status=,` would list everything.
 */
export function commaList(field: string, text: string): string[] {
  const entries = text.split(',').map((s) => s.trim());
  if (entries.includes('')) throw invalid(field, 'has an empty entry: list them separated by single commas');
  return entries;
}

export function optStr(field: string, v: unknown, opts: { max?: number } = {}): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return str(field, v, opts);
}

export function int(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(field, `must be a whole number between ${min} and ${max}`);
  if (v < min || v > max) throw invalid(field, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

export function bool(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalid(field, 'must be true or false');
  return v;
}

export function oneOf<T extends string>(field: string, v: unknown, options: readonly T[]): T {
  if (typeof v !== 'string' || !options.includes(v as T)) {
    throw notAllowed(field, `must be one of ${options.map((o) => `"${o}"`).join(', ')}`, options);
  }
  return v as T;
}

export function arr(field: string, v: unknown, max = 1000): unknown[] {
  if (!Array.isArray(v)) throw invalid(field, 'must be a list');
  if (v.length > max) throw invalid(field, `must have at most ${max} entries`);
  return v;
}

/** Host names and IP addresses as an admin would type them; nothing that could smuggle a path. */
export function hostname(field: string, v: unknown): string {
  const h = str(field, v, { max: 253 }).trim().toLowerCase();
  const ipv6 = /^\[?[0-9a-f:.]+\]?$/.test(h) && h.includes(':');
  if (!ipv6 && !/^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/.test(h)) {
    // The one fault no spelling shows: a label's length (RFC 1035: at most 63).
    const long = h.split('.').find((l) => l.length > 63);
    throw invalid(field, `"${h}" is not a valid host name or IP address${long ? `: label ${long} is ${long.length} characters; a label is at most 63` : ''}`);
  }
  return h.replace(/^\[|\]$/g, '');
}

/**
 * A point in time in a body (sendAt, expireAt, an API key's expiresAt, an event's occurredAt):
 * an ISO 8601 date-time or epoch milliseconds, between 1970 and the year 9999 (readInstant).
 * Undefined when absent.
 */
export function instant(field: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  return readInstant(field, v);
}
