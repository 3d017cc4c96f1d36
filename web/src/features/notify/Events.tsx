import { useState } from 'react';
import type { NotifyEventItem } from '../../api.js';
import { formatDate } from '../../format.js';
import { usePagedList } from '../../lists.js';
import { Link } from '../../router.js';
import { Badge, DataTable, Empty, Field, ListState, LoadMore, PageHeader } from '../../ui/index.js';

/** Recent events, newest first, with the rules that matched and how many messages they made. */
export function Events() {
  const [type, setType] = useState('');
  const events = usePagedList<NotifyEventItem>('/events', { type: type.trim() || undefined });
  return (
    <>
      <PageHeader title="Events" subtitle="What applications raised (POST /api/v1/events) and what the notification rules made of it." />
      <div className="card">
        <Field label="Event type" id="events-type" hint="Exactly, e.g. access.request.created">
          <input id="events-type" value={type} onChange={(e) => setType(e.target.value)} placeholder="all types" />
        </Field>
      </div>
      <ListState
        list={events}
        empty={
          type.trim() ? (
            <Empty title={`No event of type “${type.trim()}”`}>The type must match exactly: no prefix or pattern.</Empty>
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
                e.matches.length ? e.matches.map((m) => <Badge key={m.ruleId} kind={m.skipped ? 'warn' : 'neutral'} title={m.skipped?.message}>{m.ruleName}</Badge>) : <span className="muted">none matched</span>,
            },
            { header: 'Messages', cell: (e) => e.messageCount },
          ]}
        />
        <LoadMore list={events} label="Older events" />
      </ListState>
    </>
  );
}
