import { useRef } from 'react';
import type { MailAccount } from '../../api.js';
import { Field, FieldError } from '../../ui/index.js';
import { AccountSelect } from '../senders/AccountSelect.js';
import type { BuiltinRuleValue } from './BuiltinRuleSetting.js';
import { REPORT_OVERRIDES_MAX } from '../../../../src/core/notify/report-limits.js';

type Override = BuiltinRuleValue<'reports'>['overrides'][number];

/** Reports sent from an account of their own, whatever the report mail's sender is: one row per report. */
export function ReportOverrides({ overrides, accounts, onChange, errorAt }: { overrides: Override[]; accounts: readonly MailAccount[]; onChange(overrides: Override[]): void; errorAt(field: string): string | null }) {
  const full = overrides.length >= REPORT_OVERRIDES_MAX;
  const addRef = useRef<HTMLButtonElement>(null);
  const setOverride = (i: number, patch: Partial<Override>) => onChange(overrides.map((o, j) => (j === i ? { ...o, ...patch } : o)));
  return (
    <div className="field-wide" role="group" aria-labelledby="rep-ovr-h">
      {/* The page's first heading after its h1 (the form above has none): an h2, so no level is skipped. */}
      <h2 id="rep-ovr-h" className="subsection-title">
        Individual reports
      </h2>
      <p className="muted small">
        A report listed here is sent from its own account, whatever is chosen above. It is found by the event’s <code>data.report.id</code> or <code>data.report.name</code> (any case). A report
        event that names its own account still wins.
      </p>
      {overrides.map((o, i) => {
        const reportError = errorAt(`overrides.${i}.report`);
        const accountError = errorAt(`overrides.${i}.accountId`);
        return (
          <div key={i} className="form-grid">
            <Field label={`Report ${i + 1}`} id={`rep-ovr-${i}-report`} hint="its id or name">
              <input id={`rep-ovr-${i}-report`} required value={o.report} onChange={(e) => setOverride(i, { report: e.target.value })} aria-invalid={reportError ? true : undefined} />
              <FieldError id={`rep-ovr-${i}-report-err`} message={reportError} />
            </Field>
            <Field label={`Report ${i + 1} account`} id={`rep-ovr-${i}-account`}>
              <AccountSelect id={`rep-ovr-${i}-account`} required accounts={accounts} none="choose an account" value={o.accountId} onChange={(accountId) => setOverride(i, { accountId, serverId: null })} aria-invalid={accountError ? true : undefined} />
              <FieldError id={`rep-ovr-${i}-account-err`} message={accountError} />
            </Field>
            <div className="form-actions">
              <button
                type="button"
                className="btn"
                onClick={() => {
                  onChange(overrides.filter((_, j) => j !== i));
                  // The rows below move up: the focus would stay on what is now the next report's Remove.
                  addRef.current?.focus();
                }}
              >
                Remove report {i + 1}
              </button>
            </div>
          </div>
        );
      })}
      {/* A row beyond the limit could only be refused at Save: it is not offered. */}
      <button type="button" className="btn" ref={addRef} disabled={full} aria-describedby={full ? 'rep-ovr-full' : undefined} onClick={() => onChange([...overrides, { report: '', serverId: null, accountId: '' }])}>
        Add a report
      </button>
      {full ? (
        <p className="hint" id="rep-ovr-full">
          At most {REPORT_OVERRIDES_MAX} individual reports: remove one to add another.
        </p>
      ) : null}
    </div>
  );
}
