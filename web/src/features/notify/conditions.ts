import type { Condition, ConditionOp } from '../../api.js';

/** The operators the API accepts, as the condition builder offers them. */
export const OPS: { op: ConditionOp; label: string }[] = [
  { op: 'eq', label: 'equals' },
  { op: 'neq', label: 'does not equal' },
  { op: 'in', label: 'is one of' },
  { op: 'exists', label: 'is present' },
  { op: 'matches', label: 'matches the regular expression' },
];

/** The server words the dry run's reasons with this very function. */
export { describeCondition } from '../../../../src/core/notify/condition-text.js';

/**
 * What a compared value is, as the API stores it (docs/events.md: a string, number, boolean or
 * null). The kind is chosen, never guessed from the text: "5" and 5, "" and null, "true" and true
 * are different values to store (null equals only null), so a box of text alone could not say which.
 */
export type ValueKind = 'text' | 'number' | 'true' | 'false' | 'null';

export const VALUE_KINDS: { kind: ValueKind; label: string }[] = [
  { kind: 'text', label: 'text' },
  { kind: 'number', label: 'number' },
  { kind: 'true', label: 'true' },
  { kind: 'false', label: 'false' },
  { kind: 'null', label: 'null' },
];

/** One value as typed: `text` counts only for text and numbers. */
export interface ValueDraft {
  kind: ValueKind;
  text: string;
}

/**
 * One row of the builder as typed. `values` holds one value for equals / does not equal /
 * matches (a pattern is text), a list item each for "is one of" (an item may hold a comma: no
 * separator is ever parsed), and for "is present" true (present) or false (absent).
 */
export interface ConditionDraft {
  path: string;
  op: ConditionOp;
  values: ValueDraft[];
}

type Scalar = string | number | boolean | null;

function valueDraft(v: Scalar): ValueDraft {
  if (v === null) return { kind: 'null', text: '' };
  if (typeof v === 'boolean') return { kind: v ? 'true' : 'false', text: '' };
  // String(n) reads back as the very same number (JavaScript prints the shortest exact form).
  if (typeof v === 'number') return { kind: 'number', text: String(v) };
  return { kind: 'text', text: v };
}

/** The value as the API takes it; a number box that holds no number yet stays text, which `numberProblem` refuses before a save. */
function valueOf(d: ValueDraft): Scalar {
  switch (d.kind) {
    case 'null':
      return null;
    case 'true':
      return true;
    case 'false':
      return false;
    case 'number':
      return isNumberText(d.text) ? Number(d.text) : d.text;
    case 'text':
      return d.text;
  }
}

// A number as written (42, -1.5, 1e6): Number() alone would also take "0x10", " ", "Infinity".
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function isNumberText(text: string): boolean {
  return NUMBER.test(text.trim()) && Number.isFinite(Number(text));
}

/** Why a number box cannot be saved, in words; null when it holds a number (or is no number box). */
export function numberProblem(d: ValueDraft): string | null {
  if (d.kind !== 'number') return null;
  if (d.text.trim() === '') return 'is empty: type a number, or choose another kind of value';
  return isNumberText(d.text) ? null : `"${d.text}" is not a number`;
}

export function toDraft(c: Condition): ConditionDraft {
  const v = c.value as Scalar | Scalar[] | undefined;
  if (c.op === 'exists') return { path: c.path, op: c.op, values: [valueDraft(v !== false)] };
  if (Array.isArray(v)) return { path: c.path, op: c.op, values: v.map(valueDraft) };
  return { path: c.path, op: c.op, values: [valueDraft(v === undefined ? '' : v)] };
}

/**
 * What the API takes. Values go exactly as shown (no trimming, no splitting), so a condition
 * nobody touched goes back as it was stored, types included.
 */
export function fromDraft(d: ConditionDraft): Condition {
  const path = d.path.trim();
  const first = d.values[0] ?? { kind: 'text', text: '' };
  switch (d.op) {
    case 'in':
      return { path, op: d.op, value: d.values.map(valueOf) };
    case 'exists':
      return { path, op: d.op, value: first.kind !== 'false' };
    case 'matches':
      return { path, op: d.op, value: first.text };
    default:
      return { path, op: d.op, value: valueOf(first) };
  }
}

/**
 * The values a row keeps when its operator changes: "is present" takes present/absent, which mean
 * nothing to the others (from "is present" back to "equals" the box starts empty, not "present");
 * a pattern is text; one value becomes the list's first item and a list's first item the one value.
 */
export function valuesAfterOp(row: ConditionDraft, op: ConditionOp): ValueDraft[] {
  const empty: ValueDraft = { kind: 'text', text: '' };
  if (op === 'exists') return row.op === 'exists' ? row.values : [{ kind: 'true', text: '' }];
  if (row.op === 'exists') return [empty];
  if (op === 'in') return row.values.length ? row.values : [empty];
  const first = row.values[0] ?? empty;
  if (op === 'matches') return [{ kind: 'text', text: first.text }];
  return [first];
}

/**
 * The first number box that holds no number, as the API would name its field
 * (`conditions[1].value`, `conditions[1].value[2]` for a list's item), with why; null when none.
 * Saving it as text would store something the admin did not choose.
 */
export function firstNumberProblem(rows: ConditionDraft[]): { field: string; message: string } | null {
  for (const [i, r] of rows.entries()) {
    if (r.op === 'exists' || r.op === 'matches') continue;
    const values = r.op === 'in' ? r.values : r.values.slice(0, 1);
    for (const [j, v] of values.entries()) {
      const message = numberProblem(v);
      if (message) return { field: r.op === 'in' ? `conditions[${i}].value[${j}]` : `conditions[${i}].value`, message: r.op === 'in' ? `value ${j + 1} ${message}` : message };
    }
  }
  return null;
}
