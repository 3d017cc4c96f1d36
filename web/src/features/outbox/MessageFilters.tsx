import { useEffect, useState } from 'react';
import { withQuery, type MailAccount, type Purpose } from '../../api.js';
import { useList } from '../../lists.js';
import { navigate } from '../../router.js';
import { ChoiceSelect, FilterForm, Select, type Choice } from '../../ui/index.js';
import { PurposeSelect } from '../routing/PurposeSelect.js';
import { AccountSelect } from '../senders/AccountSelect.js';
import { MESSAGE_STATUSES } from './statuses.js';

const FILTER_KEYS = ['direction', 'read', 'status', 'purpose', 'accountId', 'q', 'recipient', 'since', 'until'] as const;
/** The email log's filters as the address bar holds them (dates as the datetime inputs give them). */
export type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

export function filtersFrom(query: URLSearchParams): Filters {
  return Object.fromEntries(FILTER_KEYS.map((k) => [k, query.get(k) ?? '']).filter(([, v]) => v));
}

// The empty value is no filter: every message either way.
const DIRECTIONS: Choice[] = [
  { value: '', label: 'sent and received' },
  { value: 'out', label: 'sent' },
  { value: 'in', label: 'received (inbox)' },
];
const READ: Choice[] = [
  { value: '', label: 'any' },
  { value: 'false', label: 'unread' },
  { value: 'true', label: 'read' },
];

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

  return (
    <FilterForm
      label="Filter messages"
      submitLabel="Apply"
      onApply={() => navigate(withQuery('/messages', draft))}
      actions={
        <>
          {Object.keys(filters).length > 0 ? (
            <button type="button" className="btn" onClick={() => navigate('/messages')}>
              Clear
            </button>
          ) : null}
          <button type="button" className="btn" onClick={onRefresh} aria-label="Refresh">
            ↻
          </button>
        </>
      }
    >
      <label>
        <span>Search</span>
        <input type="search" value={draft.q ?? ''} onChange={(e) => set('q', e.target.value)} placeholder="text in the subject" />
      </label>
      <label>
        <span>Recipient</span>
        <input type="text" inputMode="email" autoComplete="off" value={draft.recipient ?? ''} onChange={(e) => set('recipient', e.target.value)} placeholder="name@example.com" />
      </label>
      <label>
        <span>Direction</span>
        <ChoiceSelect choices={DIRECTIONS} value={draft.direction ?? ''} onChange={(direction) => set('direction', direction)} />
      </label>
      <label>
        <span>Read</span>
        <ChoiceSelect choices={READ} value={draft.read ?? ''} onChange={(read) => set('read', read)} />
      </label>
      <label>
        <span>Status</span>
        <Select options={MESSAGE_STATUSES} valueOf={(s) => s} none="any" value={draft.status ?? ''} onChange={(status) => set('status', status)} />
      </label>
      <label>
        <span>Purpose</span>
        <PurposeSelect purposes={purposes.items} none="any" value={draft.purpose ?? ''} onChange={(purpose) => set('purpose', purpose)} />
      </label>
      <label>
        <span>Account</span>
        <AccountSelect accounts={accounts} none="any" value={draft.accountId ?? ''} onChange={(accountId) => set('accountId', accountId)} />
      </label>
      <label>
        <span>From</span>
        <input type="datetime-local" value={draft.since ?? ''} onChange={(e) => set('since', e.target.value)} />
      </label>
      <label>
        <span>Until</span>
        <input type="datetime-local" value={draft.until ?? ''} onChange={(e) => set('until', e.target.value)} />
      </label>
    </FilterForm>
  );
}
