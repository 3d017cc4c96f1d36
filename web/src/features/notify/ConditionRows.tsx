import type { ConditionOp } from '../../api.js';
import { OPS, type ConditionDraft } from './conditions.js';

/** The condition builder: one row per condition (field, operator, value); every one must hold. */
export function ConditionRows({ rows, onChange }: { rows: ConditionDraft[]; onChange(rows: ConditionDraft[]): void }) {
  const set = (i: number, patch: Partial<ConditionDraft>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset className="field field-wide">
      <legend>Conditions</legend>
      <p className="hint small">
        Every condition must hold. Fields: <code>type</code>, <code>id</code>, <code>locale</code>, <code>data.&lt;name&gt;</code> (e.g. <code>data.company</code>), <code>recipients.&lt;role&gt;</code>. Numbers and text compare by their text; text is case-sensitive.
      </p>
      {rows.length === 0 ? <p className="muted small">No condition: every event of the types above matches.</p> : null}
      {rows.map((r, i) => (
        <div className="inline condition-row" key={i}>
          <input aria-label={`Condition ${i + 1} field`} value={r.path} placeholder="data.company" maxLength={200} onChange={(e) => set(i, { path: e.target.value })} />
          <select aria-label={`Condition ${i + 1} operator`} value={r.op} onChange={(e) => set(i, { op: e.target.value as ConditionOp, value: e.target.value === 'exists' ? 'present' : r.value })}>
            {OPS.map((o) => (
              <option key={o.op} value={o.op}>
                {o.label}
              </option>
            ))}
          </select>
          {r.op === 'exists' ? (
            <select aria-label={`Condition ${i + 1} value`} value={r.value === 'absent' ? 'absent' : 'present'} onChange={(e) => set(i, { value: e.target.value })}>
              <option value="present">present</option>
              <option value="absent">absent</option>
            </select>
          ) : (
            <input aria-label={`Condition ${i + 1} value`} value={r.value} maxLength={1000} placeholder={r.op === 'matches' ? '^db-[0-9]+$' : r.op === 'in' ? 'Acme, Globex' : 'Acme'} onChange={(e) => set(i, { value: e.target.value })} />
          )}
          <button type="button" className="btn btn-small" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove condition ${i + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <div>
        <button type="button" className="btn btn-small" onClick={() => onChange([...rows, { path: 'data.', op: 'eq', value: '' }])}>
          Add condition
        </button>
      </div>
    </fieldset>
  );
}
