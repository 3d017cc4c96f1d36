import { useEffect, useState } from 'react';
import { withQuery, type NotifyEventItem } from '../../api.js';
import { formatDate } from '../../format.js';
import { usePagedList } from '../../lists.js';
import { Link, navigate, useLocation } from '../../router.js';
import { Badge, DataTable, Empty, FilterForm, ListState, LoadMore, PageHeader } from '../../ui/index.js';
import { skippedInWords } from './skipped.js';

/**
 * Recent events, newest first, with the rules that matched and how many messages they made.
 * The type filter lives in the address bar, as the email log's filters do: Back from an event
 * returns to the filtered list, and a filtered view can be bookmarked. It applies on Enter or
 * Apply only: the type must match exactly, so half a type typed would find nothing.
 */
export function Events() {
  const { query } = useLocation();
  const type = (query.get('type') ?? '').trim();
  const [draft, setDraft] = useState(type);
  useEffect(() => setDraft(type), [type]);
  const events = usePagedList<NotifyEventItem>('/events', { type: type || undefined });
  const apply = () => {
    const to = withQuery('/events', { type: draft.trim() });
    // Apply always asks again, even for the type already shown: new events may have come in.
    if (to === withQuery('/events', { type })) events.restart();
    else navigate(to);
  };
  return (
    <>
      <PageHeader title="Events" subtitle="What applications raised (POST /api/v1/events) and what the notification rules made of it." />
      <FilterForm label="Filter events" submitLabel="Apply" onApply={apply}>
        <div className="filter-field">
          <label>
            <span>Event type</span>
            <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="all types" aria-describedby="events-type-hint" />
          </label>
          <small className="muted" id="events-type-hint">
            Exactly, e.g. access.request.created
          </small>
        </div>
      </FilterForm>
      <ListState
        list={events}
        empty={
          type ? (
            <Empty title={`No event of type “${type}”`}>The type must match exactly: no prefix or pattern.</Empty>
          ) : (
            <Empty title="No event yet">Applications raise them with POST /api/v1/events; see the integrator’s guide (docs/events.md).</Empty>
          )
        }
      >
        <DataTable
          rows={events.items}
          rowKey={(e) => e.id}
          columns={[
            { header: 'Received', cell: (e) => <span className="nowrap">{formatDate(e.receivedAt)}</span> },
            { header: 'Type', cell: (e) => <code>{e.type}</code> },
            { header: 'Event', cell: (e) => <Link to={`/events/${encodeURIComponent(e.id)}`}>{e.id}</Link> },
            {
              header: 'Rules',
              cell: (e) =>
                e.matches.length ? e.matches.map((m) => <Badge key={m.ruleId} kind={m.skipped ? 'warn' : 'neutral'} title={m.skipped ? skippedInWords(m.skipped.message) : undefined}>{m.ruleName}</Badge>) : <span className="muted">none matched</span>,
            },
            { header: 'Messages', cell: (e) => e.messageCount },
          ]}
        />
        <LoadMore list={events} label="Older events" />
      </ListState>
    </>
  );
}
