import { VALUE_KINDS, type ConditionDraft, type ValueDraft, type ValueKind } from './conditions.js';

/**
 * A condition's value, as its operator takes it: present/absent for "is present", a pattern for
 * "matches", one typed value for equals / does not equal, a list of typed values for "is one of".
 * `n` is the row's number in the labels ("Condition 2 value").
 */
export function ConditionValue({ row, n, invalid, itemInvalid, onChange }: { row: ConditionDraft; n: number; invalid: boolean; itemInvalid?(j: number): boolean; onChange(values: ValueDraft[]): void }) {
  const first = row.values[0] ?? { kind: 'text', text: '' };
  const ariaInvalid = invalid ? true : undefined;
  if (row.op === 'exists') {
    return (
      <select aria-label={`Condition ${n} value`} aria-invalid={ariaInvalid} value={first.kind === 'false' ? 'absent' : 'present'} onChange={(e) => onChange([{ kind: e.target.value === 'absent' ? 'false' : 'true', text: '' }])}>
        <option value="present">present</option>
        <option value="absent">absent</option>
      </select>
    );
  }
  if (row.op === 'matches') {
    return <input aria-label={`Condition ${n} value`} aria-invalid={ariaInvalid} value={first.text} maxLength={1000} placeholder="^db-[0-9]+$" onChange={(e) => onChange([{ kind: 'text', text: e.target.value }])} />;
  }
  if (row.op === 'in') return <ValueList n={n} values={row.values} invalid={invalid} itemInvalid={itemInvalid ?? (() => false)} onChange={onChange} />;
  return <TypedValue label={`Condition ${n} value`} kindLabel={`Condition ${n} kind of value`} value={first} invalid={invalid} onChange={(v) => onChange([v])} />;
}

/**
 * One value and what it is (text, number, true, false, null): the kind is chosen, so "5" and 5,
 * "" and null stay apart. True, false and null have nothing to type: their box goes.
 */
function TypedValue({ label, kindLabel, value, invalid, onChange }: { label: string; kindLabel: string; value: ValueDraft; invalid: boolean; onChange(v: ValueDraft): void }) {
  const typed = value.kind === 'text' || value.kind === 'number';
  return (
    <span className="typed-value">
      <select aria-label={kindLabel} value={value.kind} aria-invalid={invalid && !typed ? true : undefined} onChange={(e) => onChange({ kind: e.target.value as ValueKind, text: value.text })}>
        {VALUE_KINDS.map((k) => (
          <option key={k.kind} value={k.kind}>
            {k.label}
          </option>
        ))}
      </select>
      {typed ? (
        <input
          aria-label={label}
          aria-invalid={invalid ? true : undefined}
          value={value.text}
          maxLength={1000}
          inputMode={value.kind === 'number' ? 'decimal' : undefined}
          placeholder={value.kind === 'number' ? '42' : 'Acme'}
          onChange={(e) => onChange({ ...value, text: e.target.value })}
        />
      ) : null}
    </span>
  );
}

/** "Is one of": a box per item, so an item may hold a comma; at least one item (the API wants 1–100). */
function ValueList({ n, values, invalid, itemInvalid, onChange }: { n: number; values: ValueDraft[]; invalid: boolean; itemInvalid(j: number): boolean; onChange(values: ValueDraft[]): void }) {
  // A refusal of the list as a whole (not of one item) is marked on its first item.
  const anyItem = values.some((_, j) => itemInvalid(j));
  const set = (j: number, v: ValueDraft) => onChange(values.map((x, k) => (k === j ? v : x)));
  return (
    <ul className="value-list" aria-label={`Values of condition ${n}`}>
      {values.map((v, j) => (
        <li key={j} className="inline">
          <TypedValue label={`Condition ${n} value ${j + 1}`} kindLabel={`Condition ${n} kind of value ${j + 1}`} value={v} invalid={itemInvalid(j) || (invalid && !anyItem && j === 0)} onChange={(x) => set(j, x)} />
          <button type="button" className="btn btn-small" disabled={values.length === 1} aria-label={`Remove value ${j + 1} of condition ${n}`} onClick={() => onChange(values.filter((_, k) => k !== j))}>
            Remove value
          </button>
        </li>
      ))}
      <li>
        <button type="button" className="btn btn-small" disabled={values.length >= 100} aria-label={`Add a value to condition ${n}`} onClick={() => onChange([...values, { kind: 'text', text: '' }])}>
          Add value
        </button>
      </li>
    </ul>
  );
}
