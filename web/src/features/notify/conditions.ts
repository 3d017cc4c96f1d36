import type { Condition, ConditionOp } from '../../api.js';

/** The operators the API accepts, as the condition builder offers them. */
export const OPS: { op: ConditionOp; label: string }[] = [
  { op: 'eq', label: 'equals' },
  { op: 'neq', label: 'does not equal' },
  { op: 'in', label: 'is one of (comma-separated)' },
  { op: 'exists', label: 'is present' },
  { op: 'matches', label: 'matches the regular expression' },
];

/** The server words the dry run's reasons with this very function. */
export { describeCondition } from '../../../../src/core/notify/condition-text.js';

/** One row of the builder as typed: the value is text until it is saved. */
export interface ConditionDraft {
  path: string;
  op: ConditionOp;
  value: string;
}

export function toDraft(c: Condition): ConditionDraft {
  const v = c.value;
  return { path: c.path, op: c.op, value: Array.isArray(v) ? v.join(', ') : v === undefined || v === null ? '' : String(v) };
}

/** What the API takes: lists split, "present"/"absent" as true/false; text stays text (numbers compare by their text). */
export function fromDraft(d: ConditionDraft): Condition {
  if (d.op === 'in') return { path: d.path.trim(), op: d.op, value: d.value.split(',').map((x) => x.trim()).filter(Boolean) };
  if (d.op === 'exists') return { path: d.path.trim(), op: d.op, value: d.value !== 'absent' };
  return { path: d.path.trim(), op: d.op, value: d.value };
}
