import { useEffect, useState } from 'react';
import { withQuery, type MailAccount, type Purpose } from '../../api.js';
import { useList } from '../../lists.js';
import { navigate } from '../../router.js';
import { ChoiceSelect, FieldError, FilterForm, Select, type Choice } from '../../ui/index.js';
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

type FilterKey = (typeof FILTER_KEYS)[number];
/** A filter the API refused, said at its field. */
export interface FilterRefusal {
  field: FilterKey;
  message: string;
}

/** A datetime-local value as the field shows it, in the admin's own time zone ("Dec 7, 2026, 10:00 AM"). */
const asTyped = (local: string | undefined) => (local ? new Date(local).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '');

/**
 * The API's refusal of the log's query ("until: must be after since (2026-12-07T10:00:00.000Z): …",
 * "recipient: "ann" is not accepted …") as the form says it: at the field it names, with the
 * field's label for API names and the times as typed, never the API's field path or UTC text.
 * Null when the refusal names no filter (it is then said above the list as it is).
 */
export function filterRefusal(error: string | null, filters: Filters): FilterRefusal | null {
  const at = error ? /^([\w.[\]]+):\s*/.exec(error) : null;
  const field = FILTER_KEYS.find((k) => k === at?.[1]);
  if (!error || !at || !field) return null;
  const said = error.slice(at[0].length);
  if ((field === 'until' || field === 'since') && /must be after/.test(said)) {
    return { field: 'until', message: `“Until” (${asTyped(filters.until)}) must be after “From” (${asTyped(filters.since)}).` };
  }
  const inWords = said
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z/g, (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }))
    .replace(/\bsince\b/g, '“From”')
    .replace(/\buntil\b/g, '“Until”');
  return { field, message: `${inWords.charAt(0).toUpperCase()}${inWords.slice(1)}` };
}

/** The filter form: applying it changes the address, so a filtered view can be bookmarked. */
export function MessageFilters({ filters, accounts, onRefresh, refusal }: { filters: Filters; accounts: readonly MailAccount[]; onRefresh: () => void; refusal: FilterRefusal | null }) {
  const key = JSON.stringify(filters);
  const [draft, setDraft] = useState<Filters>(filters);
  const purposes = useList<Purpose>('/purposes');
  useEffect(() => setDraft(JSON.parse(key) as Filters), [key]);
  const set = (k: keyof Filters, v: string) => setDraft((d) => ({ ...d, [k]: v }));
  // The refusal speaks of the filters applied: once its field (for a range, either end) is edited, it no longer holds.
  const involved: FilterKey[] = refusal?.field === 'until' || refusal?.field === 'since' ? ['since', 'until'] : refusal ? [refusal.field] : [];
  const shown = refusal && involved.every((k) => (draft[k] ?? '') === (filters[k] ?? '')) ? refusal : null;
  const invalid = (k: FilterKey) => (shown?.field === k ? true : undefined);
  // Beside the label, not inside it: inside, the refusal would become part of the field's name.
  const errorAt = (k: FilterKey) => <FieldError id={`filter-${k}-error`} message={shown?.field === k ? shown.message : null} />;

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
      <div className="filter-field">
        <label>
          <span>Search</span>
          <input type="search" value={draft.q ?? ''} onChange={(e) => set('q', e.target.value)} placeholder="text in the subject" aria-invalid={invalid('q')} />
        </label>
        {errorAt('q')}
      </div>
      <div className="filter-field">
        <label>
          <span>Recipient</span>
          <input type="text" inputMode="email" autoComplete="off" value={draft.recipient ?? ''} onChange={(e) => set('recipient', e.target.value)} placeholder="name@example.com" aria-invalid={invalid('recipient')} />
        </label>
        {errorAt('recipient')}
      </div>
      <div className="filter-field">
        <label>
          <span>Direction</span>
          <ChoiceSelect choices={DIRECTIONS} value={draft.direction ?? ''} onChange={(direction) => set('direction', direction)} />
        </label>
        {errorAt('direction')}
      </div>
      <div className="filter-field">
        <label>
          <span>Read</span>
          <ChoiceSelect choices={READ} value={draft.read ?? ''} onChange={(read) => set('read', read)} />
        </label>
        {errorAt('read')}
      </div>
      <div className="filter-field">
        <label>
          <span>Status</span>
          <Select options={MESSAGE_STATUSES} valueOf={(s) => s} none="any" value={draft.status ?? ''} onChange={(status) => set('status', status)} />
        </label>
        {errorAt('status')}
      </div>
      <div className="filter-field">
        <label>
          <span>Purpose</span>
          <PurposeSelect purposes={purposes.items} none="any" value={draft.purpose ?? ''} onChange={(purpose) => set('purpose', purpose)} />
        </label>
        {errorAt('purpose')}
      </div>
      <div className="filter-field">
        <label>
          <span>Account</span>
          <AccountSelect accounts={accounts} none="any" value={draft.accountId ?? ''} onChange={(accountId) => set('accountId', accountId)} />
        </label>
        {errorAt('accountId')}
      </div>
      <div className="filter-field">
        <label>
          <span>From</span>
          <input type="datetime-local" value={draft.since ?? ''} onChange={(e) => set('since', e.target.value)} aria-invalid={invalid('since')} />
        </label>
        {errorAt('since')}
      </div>
      <div className="filter-field">
        <label>
          <span>Until</span>
          <input type="datetime-local" value={draft.until ?? ''} onChange={(e) => set('until', e.target.value)} aria-invalid={invalid('until')} />
        </label>
        {errorAt('until')}
      </div>
    </FilterForm>
  );
}
