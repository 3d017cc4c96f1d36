import { useState } from 'react';
import type { AuditEntry } from '../../api.js';
import { formatDate, pretty } from '../../format.js';
import { usePagedList } from '../../lists.js';
import { Empty, FilterForm, ListState, LoadMore, PageHeader } from '../../ui/index.js';

/** A recorded state of the target, folded: before or after the change. */
function Snapshot({ label, value }: { label: string; value: unknown }) {
  if (value === undefined || value === null) return null;
  return (
    <details>
      <summary>{label}</summary>
      <pre className="json">{pretty(value)}</pre>
    </details>
  );
}

/** Who changed what and when; before/after arrive with secrets already redacted by the server. */
export function Audit() {
  const [filters, setFilters] = useState({ action: '', actor: '', targetType: '' });
  const [draft, setDraft] = useState(filters);
  const log = usePagedList<AuditEntry>('/audit', { ...filters, limit: 50 });

  const apply = () => {
    setFilters(draft);
    // Apply always asks again, even for the same filters.
    log.restart();
  };

  return (
    <>
      <PageHeader title="Audit log" subtitle="Every configuration change and permanent failure: who, what, when, before and after." />
      <FilterForm label="Filter the audit log" submitLabel="Apply" onApply={apply}>
        <label>
          <span>Action</span>
          <input value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} placeholder="server.update" />
        </label>
        <label>
          <span>Actor</span>
          <input value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} placeholder="user:admin@example.com" />
        </label>
        <label>
          <span>Target type</span>
          <input value={draft.targetType} onChange={(e) => setDraft({ ...draft, targetType: e.target.value })} placeholder="account" />
        </label>
      </FilterForm>
      <ListState
        list={log}
        empty={
          filters.action || filters.actor || filters.targetType ? (
            <Empty title="No entry matches these filters">
              <p>Each filter matches exactly: an action such as <code>user.create</code>, an actor such as <code>user:admin@example.com</code>, a target type such as <code>user</code>.</p>
            </Empty>
          ) : (
            <Empty title="Nothing recorded yet" />
          )
        }
      >
        <ul className="audit-list">
          {log.items.map((e) => (
            <li key={e.id} className="card audit-entry">
              <div className="audit-head">
                <code className="audit-action">{e.action}</code>
                <span>
                  {e.targetType}
                  {e.targetId ? <code className="muted small"> {e.targetId}</code> : null}
                </span>
                <span className="muted small">
                  {e.actor}
                  {e.ip ? ` · ${e.ip}` : ''} · {formatDate(e.at)}
                </span>
              </div>
              <Snapshot label="Before" value={e.before} />
              <Snapshot label="After" value={e.after} />
            </li>
          ))}
        </ul>
      </ListState>
      <LoadMore list={log} label="Load older entries" />
    </>
  );
}
