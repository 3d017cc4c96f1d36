import { parseMailbox } from '../kernel/addresses.js';
import { invalid } from '../kernel/errors.js';
import { arr, bool, doc, oneOf, onlyKeys, str } from '../kernel/validate.js';
import { boundedTest, compilePattern, INPUT_MAX_CHARS, patternBudget, type PatternBudget } from './bounded-regex.js';

/**
 * Conditions on an event's fields: `path` names a field (`data.company`, `type`, `locale`,
 * `recipients.owner`), `op` compares it. Numbers, booleans and text compare by their text
 * ("42" equals 42, "true" equals true), so a value typed into the admin UI matches a number or a
 * boolean in the event; null equals only null. A field holding a list: eq, in and matches hold
 * when one of its items does; neq is exactly "not eq", so it holds only when no item equals
 * (`[42, 1]` ≠ 42 does not hold: the list holds 42).
 */
export const CONDITION_OPS = ['eq', 'neq', 'in', 'exists', 'matches'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];
export type Scalar = string | number | boolean | null;

export interface Condition {
  path: string;
  op: ConditionOp;
  /** eq/neq: a scalar; in: a list of scalars; exists: true (present) or false (absent); matches: a pattern. */
  value?: Scalar | Scalar[];
}

export const CONDITION_LIMITS = { conditions: 20, pathChars: 200, inValues: 100, valueChars: 1_000 } as const;
const PATH = /^(type|id|locale|occurredAt|data(\.[A-Za-z0-9_-]+)+|recipients\.[a-z][a-z0-9_-]*)$/;

/** A value to compare with: a string, number, boolean or null (`op` is named for eq/neq: a list is what "in" takes). */
function scalar(field: string, v: unknown, op?: ConditionOp): Scalar {
  if (v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v as Scalar;
  if (typeof v !== 'string') throw invalid(field, `must be a string, number, boolean or null${op ? ` for "${op}"` : ''}`);
  return str(field, v, { min: 0, max: CONDITION_LIMITS.valueChars });
}

export function parseCondition(field: string, input: unknown): Condition {
  const d = doc(field, input);
  onlyKeys(field, d, ['path', 'op', 'value']);
  const path = str(`${field}.path`, d.path, { max: CONDITION_LIMITS.pathChars });
  if (!PATH.test(path)) throw invalid(`${field}.path`, `"${path}" is not a field of an event: use type, id, locale, occurredAt, data.<name>[.<name>…] or recipients.<role>`);
  const op = oneOf(`${field}.op`, d.op, CONDITION_OPS);
  switch (op) {
    case 'eq':
    case 'neq':
      if (d.value === undefined) throw invalid(`${field}.value`, `is required for "${op}"`);
      return { path, op, value: scalar(`${field}.value`, d.value, op) };
    case 'in': {
      const list = arr(`${field}.value`, d.value, CONDITION_LIMITS.inValues).map((x, i) => scalar(`${field}.value[${i}]`, x));
      if (!list.length) throw invalid(`${field}.value`, 'give at least one value');
      return { path, op, value: list };
    }
    case 'exists':
      return { path, op, value: d.value === undefined ? true : bool(`${field}.value`, d.value) };
    case 'matches':
      compilePattern(`${field}.value`, d.value);
      return { path, op, value: d.value as string };
  }
}

export function parseConditions(field: string, v: unknown): Condition[] {
  if (v === undefined || v === null) return [];
  return arr(field, v, CONDITION_LIMITS.conditions).map((c, i) => parseCondition(`${field}[${i}]`, c));
}

/** The value at `path` in the event (own properties only: nothing inherited is ever read). */
export function valueAt(event: Record<string, unknown>, path: string): unknown {
  let cur: unknown = event;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

const isScalar = (v: unknown): v is Scalar => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const same = (a: unknown, b: Scalar): boolean => a === b || (isScalar(a) && a !== null && b !== null && String(a) === String(b));

/**
 * How a recipient's address compares (`recipients.<role>` with eq, neq, in): as mail compares
 * them, not as text. The value may be written as the application sent it (`Olga <Olga@ACME.example>`,
 * `Olga@ACME.example`) and matches the address in any case; a value that is no address compares
 * by its text, in any case.
 */
function addressKey(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  try {
    const m = parseMailbox('value', v);
    return m.address.toLowerCase();
  } catch {
    return v.trim().toLowerCase();
  }
}
const sameAddress = (a: unknown, b: Scalar): boolean => {
  const x = addressKey(a);
  return x !== null && x === addressKey(b);
};
const items = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

const patterns = new Map<string, RegExp>();
function pattern(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    re = compilePattern('value', source);
    if (patterns.size > 1_000) patterns.clear();
    patterns.set(source, re);
  }
  return re;
}

/**
 * Whether the event meets the condition; `note` says why a pattern could not decide (too long,
 * too slow), `processBusy` that the pattern time of all events together kept it from deciding
 * (see BoundedResult): another time the same event might meet it.
 */
export function meets(c: Condition, event: Record<string, unknown>, budget: PatternBudget = patternBudget()): { ok: boolean; note?: string; processBusy?: true } {
  const v = valueAt(event, c.path);
  const equal = c.path.startsWith('recipients.') ? sameAddress : same;
  switch (c.op) {
    case 'exists': {
      const present = v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
      return { ok: present === c.value };
    }
    case 'eq':
      return { ok: v !== undefined && items(v).some((x) => equal(x, c.value as Scalar)) };
    case 'neq':
      // The negation of eq, item for item: "company ≠ Acme" must not hold for an event that names Acme.
      return { ok: v === undefined || !items(v).some((x) => equal(x, c.value as Scalar)) };
    case 'in':
      return { ok: v !== undefined && items(v).some((x) => (c.value as Scalar[]).some((y) => equal(x, y))) };
    case 'matches': {
      const re = pattern(c.value as string);
      let note: string | undefined;
      let processBusy = false;
      for (const x of items(v)) {
        if (typeof x !== 'string' && typeof x !== 'number') continue;
        const s = String(x);
        const r = boundedTest(re, s, budget);
        if (r.matched) return { ok: true };
        note ??= r.note;
        if (r.processBusy) processBusy = true;
        // An item the time left undecided (stopped, or not tried), with the time now spent: the
        // items left would each be cut or not tried for the same reason, so this answer stands
        // for them all (an item not tried is never a plain "does not match"), and a list of a
        // backtracking pattern's values costs one floor test, not one per item. With the
        // process's time spent, an item that decided (an ordinary pattern, in microseconds) or
        // was too long to try goes on to the next, each tried under the floor (bounded-regex.ts).
        if (r.note !== undefined && s.length <= INPUT_MAX_CHARS && budget.remainingMs() < 1) break;
      }
      if (!note) return { ok: false };
      return processBusy ? { ok: false, note, processBusy: true } : { ok: false, note };
    }
  }
}
