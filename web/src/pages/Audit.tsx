import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../api.js';
import { Empty, ErrorBox, PageHeader, Spinner } from '../components/ui.js';
import { formatDate, pretty } from '../format.js';
import { useResource } from '../hooks.js';
import type { AuditEntry, Page } from '../types.js';

/** Who changed what and when; before/after arrive with secrets already redacted by the server. */
export function Audit() {
  const [filters, setFilters] = useState({ action: '', actor: '', targetType: '' });
  const [draft, setDraft] = useState(filters);
  const [more, setMore] = useState<{ items: AuditEntry[]; nextCursor: string | null }>({ items: [], nextCursor: null });
  const [moreError, setMoreError] = useState<string | null>(null);
  const page = useResource(() => api.get<Page<AuditEntry>>('/audit', { ...filters, limit: 50 }), [filters]);
  const items = [...(page.data?.items ?? []), ...more.items];
  const cursor = more.items.length ? more.nextCursor : (page.data?.nextCursor ?? null);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setMore({ items: [], nextCursor: null });
    setFilters(draft);
  };
  const loadMore = async () => {
    try {
      const next = await api.get<Page<AuditEntry>>('/audit', { ...filters, limit: 50, cursor });
      setMore((m) => ({ items: [...m.items, ...next.items], nextCursor: next.nextCursor ?? null }));
    } catch (err) {
      setMoreError(errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader title="Audit log" subtitle="Every configuration change and permanent failure: who, what, when, before and after." />
      <form className="card filters" onSubmit={apply} role="search" aria-label="Filter the audit log">
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
        <div className="filter-actions">
          <button type="submit" className="btn btn-primary">
            Apply
          </button>
        </div>
      </form>
      <ErrorBox error={page.error} />
      {page.loading && !page.data ? <Spinner /> : null}
      {page.data && items.length === 0 ? <Empty title="Nothing recorded yet" /> : null}
      {items.length > 0 ? (
        <ul className="audit-list">
          {items.map((e) => (
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
              {e.before !== undefined && e.before !== null ? (
                <details>
                  <summary>Before</summary>
                  <pre className="json">{pretty(e.before)}</pre>
                </details>
              ) : null}
              {e.after !== undefined && e.after !== null ? (
                <details>
                  <summary>After</summary>
                  <pre className="json">{pretty(e.after)}</pre>
                </details>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      <ErrorBox error={moreError} />
      {cursor ? (
        <div className="center">
          <button type="button" className="btn" onClick={() => void loadMore()}>
            Load older entries
          </button>
        </div>
      ) : null}
    </>
  );
}
