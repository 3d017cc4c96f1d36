import { api, type EventDetail as Detail } from '../../api.js';
import { formatDate, pretty } from '../../format.js';
import { useResource } from '../../hooks.js';
import { Link } from '../../router.js';
import { DataTable, ErrorBox, PageHeader, Spinner, StatusChip } from '../../ui/index.js';
import { skippedInWords } from './skipped.js';

/** The skip code of a rule whose `matches` pattern could not decide (docs/events.md). */
const PATTERN_UNDECIDED = 'pattern_undecided';

/** One event: as raised, which rules matched (or why one sent nothing), and its messages with their status. */
export function EventDetail({ id }: { id: string }) {
  const ev = useResource(() => api.get<Detail>(`/events/${encodeURIComponent(id)}`), [id]);
  if (ev.loading && !ev.data) return <Spinner />;
  if (!ev.data) return <ErrorBox error={ev.error} title="Cannot load the event" />;
  const e = ev.data;
  // A rule whose pattern could not decide is on the record (so the admin sees why no mail came), but it did not match.
  const matched = e.matches.filter((m) => m.skipped?.code !== PATTERN_UNDECIDED);
  return (
    <>
      <PageHeader title={e.type} subtitle={<><Link to="/events">All events</Link> · {e.id}</>} />
      <section className="card" aria-labelledby="ev-h">
        <h2 id="ev-h">Event</h2>
        <dl className="facts">
          <dt>Occurred</dt>
          <dd>{formatDate(e.occurredAt)}</dd>
          <dt>Received</dt>
          <dd>
            {formatDate(e.receivedAt)} <span className="muted small">— {e.createdBy}</span>
          </dd>
          <dt>Locale</dt>
          <dd>{e.locale ?? '—'}</dd>
          <dt>Roles</dt>
          <dd>{Object.entries(e.recipients).map(([role, list]) => <div key={role}><strong>{role}</strong>: {list.join(', ')}</div>)}</dd>
        </dl>
        <h3>Data</h3>
        <pre className="body-text">{pretty(e.data)}</pre>
      </section>
      <section className="card" aria-labelledby="ev-rules-h">
        <h2 id="ev-rules-h">Rules that matched</h2>
        {matched.length === 0 ? <p className="muted">No rule matched this event.</p> : null}
        <ul className="plain-list">
          {e.matches.map((m) => (
            <li key={m.ruleId}>
              {m.ruleId.startsWith('rul_') ? <Link to={`/rules/${m.ruleId}`}>{m.ruleName}</Link> : <strong>{m.ruleName}</strong>} — {m.messageIds.length} message{m.messageIds.length === 1 ? '' : 's'}
              {m.skipped ? (
                <span className="alert-inline">
                  {' '}
                  {m.skipped.code === PATTERN_UNDECIDED ? 'did not match: the pattern could not decide' : 'sent nothing'}: {skippedInWords(m.skipped.message)}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="ev-msg-h">
        <h2 id="ev-msg-h">Messages</h2>
        {e.messages.length === 0 ? (
          // An empty table said nothing: say why no mail came of it, and where that is decided.
          <p className="muted">
            No message was made from this event: {matched.length === 0 ? 'no rule matched it.' : 'the rules that matched sent nothing (see above).'} <Link to="/rules">Rules</Link> decide which
            events make mail; a rule's dry run tries one against an event like this.
          </p>
        ) : (
          <DataTable
            rows={e.messages}
            rowKey={(m) => m.id}
            columns={[
              { header: 'Status', cell: (m) => <StatusChip status={m.status} /> },
              { header: 'To', cell: (m) => m.to.join(', ') },
              { header: 'Subject', cell: (m) => <Link to={`/messages/${m.id}`}>{m.subject}</Link> },
            ]}
          />
        )}
      </section>
    </>
  );
}
