import { useEffect, useState, type FormEvent } from 'react';
import { withQuery, type MailAccount, type Purpose } from '../../api.js';
import { useList } from '../../lists.js';
import { navigate } from '../../router.js';
import { AccountOptions } from '../senders/AccountOptions.js';
import { MESSAGE_STATUSES } from './statuses.js';

const FILTER_KEYS = ['direction', 'read', 'status', 'purpose', 'accountId', 'q', 'since', 'until'] as const;
/** The email log's filters as the address bar holds them (dates as the datetime inputs give them). */
export type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

export function filtersFrom(query: URLSearchParams): Filters {
  return Object.fromEntries(FILTER_KEYS.map((k) => [k, query.get(k) ?? '']).filter(([, v]) => v));
}

/** datetime-local values have no zone; the API wants an instant. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** The filters as GET /messages and the bulk actions take them. */
export function apiFilter(filters: Filters) {
  return { ...filters, since: toIso(filters.since ?? ''), until: toIso(filters.until ?? '') };
}

/** The filter form: applying it changes the address, so a filtered view can be bookmarked. */
export function MessageFilters({ filters, accounts, onRefresh }: { filters: Filters; accounts: readonly MailAccount[]; onRefresh: () => void }) {
  const key = JSON.stringify(filters);
  const [draft, setDraft] = useState<Filters>(filters);
  const purposes = useList<Purpose>('/purposes');
  useEffect(() => setDraft(JSON.parse(key) as Filters), [key]);
  const set = (k: keyof Filters, v: string) => setDraft((d) => ({ ...d, [k]: v }));

  const apply = (e: FormEvent) => {
    e.preventDefault();
    navigate(withQuery('/messages', draft));
  };

  return (
    <form className="card filters" onSubmit={apply} aria-label="Filter messages" role="search">
      <label>
        <span>Search</span>
        <input type="search" value={draft.q ?? ''} onChange={(e) => set('q', e.target.value)} placeholder="subject or recipient" />
      </label>
      <label>
        <span>Direction</span>
        <select value={draft.direction ?? ''} onChange={(e) => set('direction', e.target.value)}>
          <option value="">sent and received</option>
          <option value="out">sent</option>
          <option value="in">received (inbox)</option>
        </select>
      </label>
      <label>
        <span>Read</span>
        <select value={draft.read ?? ''} onChange={(e) => set('read', e.target.value)}>
          <option value="">any</option>
          <option value="false">unread</option>
          <option value="true">read</option>
        </select>
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
          {purposes.items.map((p) => (
            <option key={p.key}>{p.key}</option>
          ))}
        </select>
      </label>
      <label>
        <span>Account</span>
        <select value={draft.accountId ?? ''} onChange={(e) => set('accountId', e.target.value)}>
          <option value="">any</option>
          <AccountOptions accounts={accounts} />
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
        {Object.keys(filters).length > 0 ? (
          <button type="button" className="btn" onClick={() => navigate('/messages')}>
            Clear
          </button>
        ) : null}
        <button type="button" className="btn" onClick={onRefresh} aria-label="Refresh">
          ↻
        </button>
      </div>
    </form>
  );
}
