import { useEffect, useState, type FormEvent } from 'react';
import { api, type BulkOutcome, type WebhookDelivery, type WebhookEndpoint } from '../../api.js';
import { formatDate } from '../../format.js';
import { useAction, useInterval } from '../../hooks.js';
import { usePagedList } from '../../lists.js';
import { Badge, DataTable, Empty, ErrorBox, errorFor, Field, FieldError, fieldIsAt, FormActions, ListState, LoadMore, Notice, StatusChip } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { DeliveryDetail } from './DeliveryDetail.js';

const STATUSES = ['pending', 'sending', 'succeeded', 'failed'] as const;
const waiting = (d: WebhookDelivery) => d.status === 'pending' || d.status === 'sending';

/** The last answer in a few words: the status code, or why none came. */
function lastAnswer(d: WebhookDelivery): string {
  if (d.attemptCount === 0) return '—';
  if (d.lastError) return d.lastError;
  return d.lastStatusCode === null ? '—' : `HTTP ${d.lastStatusCode}`;
}

/**
 * An endpoint's deliveries, newest first, filtered by status; each opens to its attempts and
 * payload. Operators replay one delivery, or every failed one of a time range. While anything
 * waits, the log refreshes every 2 seconds. A refused load of the log asks the page (`onRefused`)
 * whether the endpoint is still there, and replays go through the page's `watch`: an endpoint
 * deleted elsewhere turns the page into "This endpoint was deleted", which ends the polling.
 */
export function DeliveryLog({ endpoint, tick, onChanged, watch, onRefused }: { endpoint: WebhookEndpoint; tick: number; onChanged(): void; watch<R>(request: Promise<R>): Promise<R>; onRefused(): void }) {
  const { can } = useSession();
  const [status, setStatus] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const log = usePagedList<WebhookDelivery>(`/webhooks/${endpoint.id}/deliveries`, { status });
  // One delivery's replay (its result above the log, by its row) and a range's (in its own card, by its fields).
  const replay = useAction();
  const [replayed, setReplayed] = useState<string | null>(null);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  // A refusal of the range speaks of the dates sent: it goes once either is edited.
  const replayAll = useAction([since, until]);
  const [replayedAll, setReplayedAll] = useState<string | null>(null);
  // The form's own refusal (a range that ends before it starts), for the dates it was about.
  const [ownRefusal, setOwnRefusal] = useState<{ range: string; message: string } | null>(null);
  const range = JSON.stringify([since, until]);
  const setRangeRefusal = (message: string | null) => setOwnRefusal(message ? { range, message } : null);
  const untilRefused = ownRefusal?.range === range ? ownRefusal.message : null;
  const sinceError = errorFor(replayAll.field, replayAll.error, 'since');
  const untilError = untilRefused ?? errorFor(replayAll.field, replayAll.error, 'until');
  const atField = fieldIsAt(replayAll.field, 'since') || fieldIsAt(replayAll.field, 'until');
  const { restart } = log;
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => restart(), [tick]);
  // Polling goes on past a passing refusal (the list keeps its last items); a 404 ends it with the page's content.
  useInterval(onChanged, 2_000, log.items.some(waiting) && document.visibilityState === 'visible');
  // A refused load of the log (the status filter's, say): the page's own reload tells whether the endpoint is gone.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => void (log.error && onRefused()), [log.error]);

  const replayOne = async (d: WebhookDelivery) => {
    setReplayed(null);
    const r = await replay.run(() => watch(api.post<WebhookDelivery>(`/webhooks/${endpoint.id}/deliveries/${d.id}/replay`)));
    if (r) {
      setReplayed(`Replay of ${d.eventType} queued (same webhook-id, new delivery).`);
      onChanged();
    }
  };
  const replayRange = async (e: FormEvent) => {
    e.preventDefault();
    setReplayedAll(null);
    // Said in the form's words, at Until: the API's ("until: must be after since") names fields this form calls From and Until.
    if (until && new Date(until).getTime() <= new Date(since).getTime()) {
      setRangeRefusal('“Until” must be after “From”.');
      return;
    }
    setRangeRefusal(null);
    const body = { since: new Date(since).toISOString(), ...(until ? { until: new Date(until).toISOString() } : {}) };
    const r = await replayAll.run(() => watch(api.post<BulkOutcome>(`/webhooks/${endpoint.id}/deliveries/replay`, body)));
    if (r) {
      setReplayedAll(`${r.count} failed deliver${r.count === 1 ? 'y' : 'ies'} queued again.${r.more ? ' More match: run it again for the rest.' : ''}`);
      onChanged();
    }
  };

  return (
    <section aria-labelledby="wh-log-h">
      <h2 id="wh-log-h" className="section-title">
        Delivery log
      </h2>
      <div className="toolbar">
        <label className="inline-field" htmlFor="wh-status">
          Status
        </label>
        <select id="wh-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">all</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <button type="button" className="btn btn-small" onClick={onChanged} aria-label="Refresh the delivery log">
          ↻
        </button>
      </div>
      <ErrorBox error={replay.error} title="Not replayed" />
      {replayed ? <Notice kind="success">{replayed}</Notice> : null}
      <ListState list={log} empty={<Empty title={status ? `No ${status} delivery` : 'No delivery yet'}>{status ? null : <p>Send a test event, or wait for the first message event.</p>}</Empty>}>
        <DataTable
          rows={log.items}
          rowKey={(d) => d.id}
          columns={[
            { header: 'Created', cell: (d) => <span className="nowrap">{formatDate(d.createdAt)}</span> },
            {
              header: 'Event',
              cell: (d) => (
                <>
                  <code>{d.eventType}</code> {d.replayOf ? <Badge kind="info" title="A replay of an earlier delivery: the same webhook-id">replay</Badge> : null}
                </>
              ),
            },
            { header: 'Status', cell: (d) => <StatusChip status={d.status} /> },
            { header: 'Attempts', cell: (d) => d.attemptCount },
            { header: 'Last answer', label: 'Answer', cell: (d) => <span className="small">{lastAnswer(d)}</span> },
            { header: 'Next attempt', label: 'Next', cell: (d) => (d.status === 'pending' ? formatDate(d.nextAttemptAt) : '—') },
          ]}
          actions={(d) => (
            <>
              <button type="button" className="btn btn-small" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)}>
                {open === d.id ? 'Hide' : 'Attempts'}
                <span className="sr-only"> of the {d.eventType} delivery of {formatDate(d.createdAt)}</span>
              </button>
              {/* A delivery is replayed once (the API refuses a second replay): its replay is the one to replay again. */}
              {can('operate') && !waiting(d) && d.replayedBy ? (
                <span className="muted small" title="Replayed already: to send the event again, replay the newer delivery marked “replay”">
                  replayed
                </span>
              ) : null}
              {can('operate') && !waiting(d) && !d.replayedBy ? (
                <button type="button" className="btn btn-small" disabled={replay.busy || !endpoint.enabled} onClick={() => void replayOne(d)}>
                  Replay<span className="sr-only"> the {d.eventType} delivery of {formatDate(d.createdAt)}</span>
                </button>
              ) : null}
            </>
          )}
          below={(d) =>
            open === d.id ? (
              <tr className="expanded">
                <td colSpan={7}>
                  <DeliveryDetail key={`${d.id}-${d.attemptCount}-${d.status}`} endpointId={endpoint.id} deliveryId={d.id} watch={watch} />
                </td>
              </tr>
            ) : null
          }
        />
        <LoadMore list={log} label="Load older deliveries" />
      </ListState>
      {can('operate') ? (
        <form className="card form" onSubmit={replayRange} aria-labelledby="wh-replay-h">
          <h3 id="wh-replay-h">Replay failed deliveries</h3>
          <p className="muted small">Queues again every delivery that failed for good and was created in this range (each once; the receiver sees the same webhook-id).</p>
          <div className="form-grid">
            {/* The refusal beside its field, outside the label: the field's name stays "From", "Until". */}
            <Field label="From" id="wh-since">
              <input id="wh-since" type="datetime-local" required value={since} onChange={(e) => setSince(e.target.value)} aria-invalid={sinceError ? true : undefined} />
              <FieldError id="wh-since-error" message={sinceError} />
            </Field>
            <Field label="Until (empty: now)" id="wh-until">
              <input id="wh-until" type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} aria-invalid={untilError ? true : undefined} />
              <FieldError id="wh-until-error" message={untilError} />
            </Field>
          </div>
          <ErrorBox error={atField ? null : replayAll.error} title="Not replayed" />
          {replayedAll ? <Notice kind="success">{replayedAll}</Notice> : null}
          <FormActions submit={{ label: 'Replay failed deliveries', busy: replayAll.busy, busyLabel: 'Replaying…', disabled: !endpoint.enabled }} />
        </form>
      ) : null}
    </section>
  );
}
