import type { ConditionOp } from '../../api.js';
import { FieldError } from '../../ui/index.js';
import { ConditionValue } from './ConditionValue.js';
import { OPS, valuesAfterOp, type ConditionDraft } from './conditions.js';

/**
 * Which part of a row a refusal names: the API's `path` is the row's field; `value.2` is the
 * third item of an "is one of" list (the API's conditions[i].value[2]).
 */
export type ConditionPart = 'path' | 'op' | 'value' | `value.${number}`;

/**
 * The condition builder: one row per condition (field, operator, value); every one must hold.
 * `errorAt` gives the API's refusal of one part of a row, shown under that row.
 */
export function ConditionRows({ rows, onChange, errorAt }: { rows: ConditionDraft[]; onChange(rows: ConditionDraft[]): void; errorAt(i: number, part: ConditionPart): string | null }) {
  const set = (i: number, patch: Partial<ConditionDraft>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset className="field field-wide">
      <legend>Conditions</legend>
      <p className="hint small">
        Every condition must hold. Fields: <code>type</code>, <code>id</code>, <code>locale</code>, <code>data.&lt;name&gt;</code> (e.g. <code>data.company</code>), <code>recipients.&lt;role&gt;</code>. A value is text, a number,
        true, false or null, as chosen beside it; numbers and text compare by their text, text is case-sensitive and compared exactly (spaces and commas included).
      </p>
      {rows.length === 0 ? <p className="muted small">No condition: every event of the types above matches.</p> : null}
      {rows.map((r, i) => {
        const errors = { path: errorAt(i, 'path'), op: errorAt(i, 'op'), value: errorAt(i, 'value') };
        const invalid = (part: 'path' | 'op') => (errors[part] ? true : undefined);
        const n = i + 1;
        return (
          <div key={i}>
            <div className="inline condition-row">
              <input aria-label={`Condition ${n} field`} aria-invalid={invalid('path')} value={r.path} placeholder="data.company" maxLength={200} onChange={(e) => set(i, { path: e.target.value })} />
              <select
                aria-label={`Condition ${n} operator`}
                aria-invalid={invalid('op')}
                value={r.op}
                onChange={(e) => set(i, { op: e.target.value as ConditionOp, values: valuesAfterOp(r, e.target.value as ConditionOp) })}
              >
                {OPS.map((o) => (
                  <option key={o.op} value={o.op}>
                    {o.label}
                  </option>
                ))}
              </select>
              {r.op === 'in' ? null : <ConditionValue row={r} n={n} invalid={Boolean(errors.value)} onChange={(values) => set(i, { values })} />}
              <button type="button" className="btn btn-small" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove condition ${n}`}>
                Remove
              </button>
            </div>
            {r.op === 'in' ? <ConditionValue row={r} n={n} invalid={Boolean(errors.value)} itemInvalid={(j) => Boolean(errorAt(i, `value.${j}`))} onChange={(values) => set(i, { values })} /> : null}
            <FieldError id={`rule-cond-${i}-err`} message={errors.path ?? errors.op ?? errors.value} />
          </div>
        );
      })}
      <div>
        <button type="button" className="btn btn-small" onClick={() => onChange([...rows, { path: 'data.', op: 'eq', values: [{ kind: 'text', text: '' }] }])}>
          Add condition
        </button>
      </div>
    </fieldset>
  );
}
