import { api, type WebhookDeliveryDetail } from '../../api.js';
import { formatDate, pretty } from '../../format.js';
import { useResource } from '../../hooks.js';
import { ErrorBox, Spinner, StatusChip } from '../../ui/index.js';

const asIs = <R,>(request: Promise<R>) => request;

/**
 * One delivery opened in the log: its webhook-id, every attempt with the receiver's answer, and the payload sent.
 * `watch`: the endpoint page's (useItem), so a 404 on opening it has the page ask for its endpoint again: gone
 * (deleted elsewhere), the page says "This endpoint was deleted"; still there (only this delivery went, with the
 * retention), the refusal is said here.
 */
export function DeliveryDetail({ endpointId, deliveryId, watch = asIs }: { endpointId: string; deliveryId: string; watch?<R>(request: Promise<R>): Promise<R> }) {
  const d = useResource(() => watch(api.get<WebhookDeliveryDetail>(`/webhooks/${endpointId}/deliveries/${deliveryId}`)), [endpointId, deliveryId]);
  if (d.error) return <ErrorBox error={d.error} />;
  if (!d.data) return <Spinner />;
  const v = d.data;
  return (
    <div className="delivery-detail">
      <p className="small">
        <span className="muted">webhook-id</span> <code>{v.webhookId}</code>
        {v.replayOf ? <span className="muted"> · replay of {v.replayOf}</span> : null}
        {v.replayedBy ? <span className="muted"> · replayed by {v.replayedBy}</span> : null}
      </p>
      {v.attempts.length ? (
        <ol className="attempts">
          {v.attempts.map((a) => (
            <li key={a.id} className={`attempt attempt-${a.outcome}`}>
              <div className="attempt-head">
                <StatusChip status={a.outcome} />
                <span>{formatDate(a.at)}</span>
                <span className="muted small">{a.durationMs} ms</span>
                {a.statusCode !== null ? <code>HTTP {a.statusCode}</code> : null}
              </div>
              {a.error ? <p className="small text-error">{a.error}</p> : null}
              {a.responseExcerpt ? <pre className="diag-reply">{a.responseExcerpt}</pre> : null}
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted small">No attempt yet.</p>
      )}
      <details>
        <summary>Payload</summary>
        <pre className="json">{pretty(v.payload)}</pre>
      </details>
    </div>
  );
}
