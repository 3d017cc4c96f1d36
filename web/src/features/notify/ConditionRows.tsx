import type { ConditionOp } from '../../api.js';
import { FieldError } from '../../ui/index.js';
import { OPS, type ConditionDraft } from './conditions.js';

/** Which part of a row a refusal names: the API's `path` is the row's field. */
export type ConditionPart = 'path' | 'op' | 'value';

/**
 * The value a row keeps when its operator changes: "is present" takes present/absent, which mean
 * nothing to the others (from "is present" back to "equals" the box starts empty, not "present");
 * between the others the typed text stays.
 */
function valueAfterOp(row: ConditionDraft, op: ConditionOp): string {
  if (op === 'exists') return row.op === 'exists' ? row.value : 'present';
  return row.op === 'exists' ? '' : row.value;
}

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
        Every condition must hold. Fields: <code>type</code>, <code>id</code>, <code>locale</code>, <code>data.&lt;name&gt;</code> (e.g. <code>data.company</code>), <code>recipients.&lt;role&gt;</code>. Numbers and text compare by their text; text is case-sensitive.
      </p>
      {rows.length === 0 ? <p className="muted small">No condition: every event of the types above matches.</p> : null}
      {rows.map((r, i) => {
        const errors = { path: errorAt(i, 'path'), op: errorAt(i, 'op'), value: errorAt(i, 'value') };
        const invalid = (part: ConditionPart) => (errors[part] ? true : undefined);
        return (
          <div key={i}>
            <div className="inline condition-row">
              <input aria-label={`Condition ${i + 1} field`} aria-invalid={invalid('path')} value={r.path} placeholder="data.company" maxLength={200} onChange={(e) => set(i, { path: e.target.value })} />
              <select aria-label={`Condition ${i + 1} operator`} aria-invalid={invalid('op')} value={r.op} onChange={(e) => set(i, { op: e.target.value as ConditionOp, value: valueAfterOp(r, e.target.value as ConditionOp) })}>
                {OPS.map((o) => (
                  <option key={o.op} value={o.op}>
                    {o.label}
                  </option>
                ))}
              </select>
              {r.op === 'exists' ? (
                <select aria-label={`Condition ${i + 1} value`} aria-invalid={invalid('value')} value={r.value === 'absent' ? 'absent' : 'present'} onChange={(e) => set(i, { value: e.target.value })}>
                  <option value="present">present</option>
                  <option value="absent">absent</option>
                </select>
              ) : (
                <input aria-label={`Condition ${i + 1} value`} aria-invalid={invalid('value')} value={r.value} maxLength={1000} placeholder={r.op === 'matches' ? '^db-[0-9]+$' : r.op === 'in' ? 'Acme, Globex' : 'Acme'} onChange={(e) => set(i, { value: e.target.value })} />
              )}
              <button type="button" className="btn btn-small" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove condition ${i + 1}`}>
                Remove
              </button>
            </div>
            <FieldError id={`rule-cond-${i}-err`} message={errors.path ?? errors.op ?? errors.value} />
          </div>
        );
      })}
      <div>
        <button type="button" className="btn btn-small" onClick={() => onChange([...rows, { path: 'data.', op: 'eq', value: '' }])}>
          Add condition
        </button>
      </div>
    </fieldset>
  );
}
