import { useEffect, useState, type FormEvent } from 'react';
import { api, errorMessage, withQuery } from '../api.js';
import { QueueStatus, useOutboxStatus } from '../components/QueueStatus.js';
import { ConfirmButton, Empty, ErrorBox, Notice, PageHeader, Spinner, StatusChip } from '../components/ui.js';
import { formatDate } from '../format.js';
import { useAction, useResource } from '../hooks.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { MESSAGE_STATUSES, type MailAccount, type MessageSummary, type Page, type Purpose } from '../types.js';

const FILTER_KEYS = ['status', 'purpose', 'accountId', 'q', 'since', 'until'] as const;
type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

/** datetime-local values have no zone; the API wants an instant. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** How many messages a bulk action touched, whatever the reply calls it. */
function countOf(r: unknown): number | null {
  if (r && typeof r === 'object') {
    for (const k of ['count', 'affected', 'updated', 'retried', 'cancelled']) {
      const v = (r as Record<string, unknown>)[k];
      if (typeof v === 'number') return v;
    }
  }
  return null;
}

export function Messages() {
  const { can } = useSession();
  const { query } = useLocation();
  const filters: Filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, query.get(k) ?? '']).filter(([, v]) => v));
  const key = JSON.stringify(filters);
  const [draft, setDraft] = useState<Filters>(filters);
  const [extra, setExtra] = useState<{ items: MessageSummary[]; nextCursor: string | null }>({ items: [], nextCursor: null });
  const [moreError, setMoreError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [bulkResult, setBulkResult] = useState<string | null>(null);
  const bulk = useAction();
  const apiFilter = { ...filters, since: toIso(filters.since ?? ''), until: toIso(filters.until ?? '') };
  const page = useResource(() => api.get<Page<MessageSummary>>('/messages', apiFilter), [key]);
  const accounts = useResource(() => api.get<Page<MailAccount>>('/accounts'), []);
  const purposes = useResource(() => api.get<Page<Purpose>>('/purposes').catch(() => ({ items: [] as Purpose[] })), []);
  // The strip counts the whole outbox (not the filter), but is fetched again whenever the list is.
  const outbox = useOutboxStatus([key]);
  const refresh = () => {
    page.reload();
    outbox.reload();
  };

  useEffect(() => {
    setExtra({ items: [], nextCursor: null });
    setDraft(JSON.parse(key) as Filters);
  }, [key]);

  const items = [...(page.data?.items ?? []), ...extra.items];
  const cursor = extra.items.length ? extra.nextCursor : (page.data?.nextCursor ?? null);
  const accountLabel = (id?: string | null) => (id ? (accounts.data?.items.find((a) => a.id === id)?.address ?? id) : '—');

  const apply = (e: FormEvent) => {
    e.preventDefault();
    navigate(withQuery('/messages', draft));
  };
  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const next = await api.get<Page<MessageSummary>>('/messages', { ...apiFilter, cursor });
      setExtra((x) => ({ items: [...x.items, ...next.items], nextCursor: next.nextCursor ?? null }));
    } catch (err) {
      setMoreError(errorMessage(err));
    } finally {
      setLoadingMore(false);
    }
  };
  const bulkAction = async (action: 'retry' | 'cancel') => {
    setBulkResult(null);
    const filter = Object.fromEntries(Object.entries(apiFilter).filter(([, v]) => v));
    const r = await bulk.run(() => api.post<unknown>(`/messages/${action}`, { filter }));
    if (r !== undefined) {
      const n = countOf(r);
      const more = !!(r && typeof r === 'object' && (r as { more?: boolean }).more);
      setBulkResult(`${action === 'retry' ? 'Retry' : 'Cancel'} requested${n === null ? '' : ` for ${n} message${n === 1 ? '' : 's'}`}.${more ? ' More match: run it again for the rest.' : ''}`);
      refresh();
    }
  };
  const set = (k: keyof Filters, v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const filtered = Object.keys(filters).length > 0;

  return (
    <>
      <PageHeader title="Email log" subtitle="Every message Mailroom accepted, with its status and each delivery attempt." />
      <QueueStatus status={outbox} />
      <form className="card filters" onSubmit={apply} aria-label="Filter messages" role="search">
        <label>
          <span>Search</span>
          <input type="search" value={draft.q ?? ''} onChange={(e) => set('q', e.target.value)} placeholder="subject or recipient" />
        </label>
        <label>
          <span>Status</span>
          <select value={draft.status ?? ''} onChange={(e) => set('status', e.target.value)}>
            <option value="">any</option>
            {MESSAGE_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          <span>Purpose</span>
          <select value={draft.purpose ?? ''} onChange={(e) => set('purpose', e.target.value)}>
            <option value="">any</option>
            {(purposes.data?.items ?? []).map((p) => (
              <option key={p.key}>{p.key}</option>
            ))}
          </select>
        </label>
        <label>
          <span>Account</span>
          <select value={draft.accountId ?? ''} onChange={(e) => set('accountId', e.target.value)}>
            <option value="">any</option>
            {(accounts.data?.items ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.address}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>From</span>
          <input type="datetime-local" value={draft.since ?? ''} onChange={(e) => set('since', e.target.value)} />
        </label>
        <label>
          <span>Until</span>
          <input type="datetime-local" value={draft.until ?? ''} onChange={(e) => set('until', e.target.value)} />
        </label>
        <div className="filter-actions">
          <button type="submit" className="btn btn-primary">
            Apply
          </button>
          {filtered ? (
            <button type="button" className="btn" onClick={() => navigate('/messages')}>
              Clear
            </button>
          ) : null}
          <button type="button" className="btn" onClick={refresh} aria-label="Refresh">
            ↻
          </button>
        </div>
      </form>
      {can('operate') ? (
        <div className="toolbar" role="group" aria-label="Bulk actions">
          <span className="muted small">{filtered ? 'For every message matching these filters:' : 'For every message in the log (filter first to narrow it):'}</span>
          <ConfirmButton label="Retry all" className="btn btn-small" question="Retry every failed or deferred message that matches?" onConfirm={() => void bulkAction('retry')} busy={bulk.busy} />
          <ConfirmButton label="Cancel all" className="btn btn-small btn-danger" question="Cancel every pending message that matches?" onConfirm={() => void bulkAction('cancel')} busy={bulk.busy} />
        </div>
      ) : null}
      <ErrorBox error={bulk.error} />
      {bulkResult ? <Notice kind="success">{bulkResult}</Notice> : null}
      <ErrorBox error={page.error} />
      {page.loading && !page.data ? <Spinner /> : null}
      {page.data && items.length === 0 ? <Empty title={filtered ? 'No message matches these filters' : 'No messages yet'}>{filtered ? null : <p>Send a test email from the Accounts page to see one here.</p>}</Empty> : null}
      {items.length > 0 ? (
        <div className="table-wrap">
          <table className="log-table">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Status</th>
                <th scope="col">Subject</th>
                <th scope="col">To</th>
                <th scope="col">Purpose</th>
                <th scope="col">Account</th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id} className="clickable" onClick={() => navigate(`/messages/${m.id}`)}>
                  <td data-label="Date" className="nowrap">
                    {formatDate(m.createdAt)}
                  </td>
                  <td data-label="Status">
                    <StatusChip status={m.status} />
                  </td>
                  <td data-label="Subject">
                    <Link to={`/messages/${m.id}`} onClick={(e) => e.stopPropagation()}>
                      {m.subject || '(no subject)'}
                    </Link>
                    {m.lastError && m.status !== 'sent' ? <div className="muted small truncate">{m.lastError}</div> : null}
                  </td>
                  <td data-label="To" className="truncate">
                    {(m.to ?? []).join(', ')}
                  </td>
                  <td data-label="Purpose">{m.purpose ?? '—'}</td>
                  <td data-label="Account" className="truncate">
                    {accountLabel(m.accountId)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <ErrorBox error={moreError} />
      {cursor ? (
        <div className="center">
          <button type="button" className="btn" onClick={() => void loadMore()} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Load older messages'}
          </button>
        </div>
      ) : null}
    </>
  );
}
