import type { AuditName } from '../../api.js';
import { fieldInWords, formatDate, formatDuration } from '../../format.js';

/** The names the server gave an entry's ids (GET /audit `names`). */
export type Names = Record<string, AuditName>;

/** An item by its name, said deleted or revoked once it is: "Marketing (deleted)", "CI (revoked)". */
export const nameInWords = (n: AuditName): string => `${n.name}${stateInWords(n)}`;

/** What became of a named item since, as a suffix: deleted, or kept but revoked (an API key). */
export const stateInWords = (n: Pick<AuditName, 'deleted' | 'revoked'>): string => (n.deleted ? ' (deleted)' : n.revoked ? ' (revoked)' : '');

// An id inside a longer text: a secret reference ("vault:spv_…/mail#password") names its provider by id.
const ID_IN_TEXT = /\b[a-z]{3}_[0-9a-z]{26}\b/g;

/** A text with the ids the server named said by their names; null when it holds none. */
function textWithNames(text: string, names: Names): string | null {
  let named = false;
  const out = text.replace(ID_IN_TEXT, (id) => {
    const n = names[id];
    if (!n) return id;
    named = true;
    return nameInWords(n);
  });
  return named ? out : null;
}

/** One field of an audited target, said in words: what it was and what it became (absent: none). */
export interface Change {
  field: string;
  before?: string;
  after?: string;
}

// The server redacts every secret-looking field before storing an entry (core/kernel/audit.ts):
// what arrives as "[redacted]" is said as set or changed, never as the word itself.
const REDACTED = '[redacted]';
export const NOT_SHOWN = 'set or changed (not shown)';

// Bookkeeping every save changes: saying "version: 3 → 4" on each entry tells nobody anything.
// The target's own id too: the entry's heading names the target already.
const BOOKKEEPING = new Set(['version', 'updatedAt', 'createdAt', 'id']);

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const SECONDS_KEY = /[a-z]Sec$/;

function valueInWords(key: string, v: unknown, names: Names): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'string' && names[v]) return nameInWords(names[v]);
  // A time under an …At key is said in the reader's local time, whether stored as ISO text or milliseconds.
  if (typeof v === 'string' && /At$/.test(key) && ISO_TIME.test(v)) return formatDate(v);
  if (typeof v === 'string') return textWithNames(v, names) ?? v;
  if (v === true) return 'yes';
  if (v === false) return 'no';
  if (typeof v === 'number' && /At$/.test(key) && v > 1e11) return formatDate(v);
  // A count of seconds (graceSec, backoffSec) is a duration: "1 h", not "3600".
  if (typeof v === 'number' && SECONDS_KEY.test(key)) return formatDuration(v);
  if (Array.isArray(v)) return v.length ? v.map((x) => valueInWords(key, x, names)).join(', ') : 'none';
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${fieldInWords(k)} ${valueInWords(k, x, names)}`).join(', ');
  return String(v);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFlatList = (v: unknown): boolean => Array.isArray(v) && v.every((x) => !isPlainObject(x) && !Array.isArray(x));

/** Every leaf of a snapshot by its dotted path; lists of plain values stay one leaf. */
function leaves(v: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (isPlainObject(v) || (Array.isArray(v) && !isFlatList(v))) {
    for (const [k, x] of Object.entries(v)) {
      if (!prefix && BOOKKEEPING.has(k)) continue;
      leaves(x, prefix ? `${prefix}.${k}` : k, out);
    }
  } else if (prefix) out.set(prefix, v);
  return out;
}

function shown(path: string, v: unknown, names: Names): string | undefined {
  if (v === undefined) return undefined;
  if (v === REDACTED) return NOT_SHOWN;
  return valueInWords(path.split('.').pop() ?? path, v, names);
}

const namedIn = (v: unknown, names: Names): boolean => (Array.isArray(v) ? v.some((x) => namedIn(x, names)) : typeof v === 'string' && !!names[v]);

/** A field that holds ids shown by their names is said without "id": "accounts", not "account ids". */
function label(path: string, named: boolean): string {
  // Its value is said as a duration ("1 h"), so "grace sec" would say the unit twice.
  const words = SECONDS_KEY.test(path) ? fieldInWords(path).replace(/ sec$/, '') : fieldInWords(path);
  if (!named) return words;
  return words.replace(/ ids$/, 's').replace(/ id$/, '');
}

/**
 * What differs between two recorded states of a target, field by field, in words. A creation
 * (nothing before) lists what it was created with, a removal what it held. Ids the server named
 * (`names`) are said by their names.
 */
export function changesBetween(before: unknown, after: unknown, names: Names): Change[] {
  const was = leaves(before, '', new Map());
  const is = leaves(after, '', new Map());
  const paths = [...new Set([...was.keys(), ...is.keys()])];
  const changes: Change[] = [];
  for (const path of paths) {
    const b = shown(path, was.get(path), names);
    const a = shown(path, is.get(path), names);
    // Both sides redacted tell nothing: a secret shows as changed only where one side says so.
    if (b === a) continue;
    const named = namedIn(was.get(path), names) || namedIn(is.get(path), names);
    changes.push({ field: label(path, named), ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) });
  }
  return changes;
}
