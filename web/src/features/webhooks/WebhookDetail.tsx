import { useState } from 'react';
import { api, type WebhookEndpoint } from '../../api.js';
import { formatDate } from '../../format.js';
import { useResource } from '../../hooks.js';
import { Link } from '../../router.js';
import { Badge, ErrorBox, PageHeader, Spinner } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { DeliveryLog } from './DeliveryLog.js';
import { endpointName } from './endpoint-name.js';
import { EndpointActions } from './EndpointActions.js';
import { EndpointForm } from './EndpointForm.js';
import { deliveryCounts, HealthChip, HealthWarning } from './EndpointHealth.js';

/** What the settings form shows of the endpoint: it starts afresh only when this changes. */
const settingsKey = (e: WebhookEndpoint) => JSON.stringify([e.url, e.description, [...e.events].sort()]);

/** One endpoint: its health, an admin's actions and settings, and its delivery log. */
export function WebhookDetail({ id }: { id: string }) {
  const { can } = useSession();
  const endpoint = useResource(() => api.get<WebhookEndpoint>(`/webhooks/${id}`), [id]);
  const e = endpoint.data;
  // Every change (an action, a replay, the log's own polling) reloads the endpoint and the log.
  const [tick, setTick] = useState(0);
  // The settings form starts afresh from each saved version, so what it says after a save lives here.
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const changed = () => {
    endpoint.reload();
    setTick((t) => t + 1);
  };
  return (
    <>
      {/* Named like a server or an account: which endpoint this is, not only that it is one. */}
      <PageHeader title={e ? endpointName(e) : 'Webhook endpoint'} subtitle={<Link to="/webhooks">← All webhooks</Link>} />
      <ErrorBox error={endpoint.error} />
      {endpoint.loading && !e ? <Spinner /> : null}
      {e ? (
        <>
          <HealthWarning endpoint={e} />
          <section className="card" aria-labelledby="wh-h">
            <h2 id="wh-h">Endpoint</h2>
            <dl className="facts">
              <dt>URL</dt>
              <dd>
                <code>{e.url}</code>
              </dd>
              <dt>Events</dt>
              <dd>
                {e.events.map((n) => (
                  <Badge key={n}>{n}</Badge>
                ))}
              </dd>
              <dt>Health</dt>
              <dd>
                <HealthChip endpoint={e} /> <span className="muted small">{deliveryCounts(e)} (last 24 h)</span>
              </dd>
              <dt>Last success</dt>
              <dd>{formatDate(e.health.lastSuccessAt)}</dd>
              <dt>Last failure</dt>
              <dd>{formatDate(e.health.lastFailureAt)}</dd>
              {e.rotationEndsAt ? (
                <>
                  <dt>Secret rotation</dt>
                  <dd>the previous secret signs too until {formatDate(e.rotationEndsAt)}</dd>
                </>
              ) : null}
              <dt>Created</dt>
              <dd>
                {formatDate(e.createdAt)} <span className="muted small">by {e.createdBy ?? '—'}</span>
              </dd>
              <dt>ID</dt>
              <dd>
                <code>{e.id}</code>
              </dd>
            </dl>
          </section>
          {can('admin') ? (
            <>
              <EndpointActions endpoint={e} onChanged={changed} />
              <EndpointForm
                // Started afresh when the stored settings change (a save here, or someone else's),
                // not with every version: Switch off/on and Rotate make a new version without
                // touching the URL, description or events, so typed settings stay as typed (the
                // form sends the version it is given, the latest). Asking there would be a
                // question about nothing: the action and the typed settings do not collide.
                key={settingsKey(e)}
                endpoint={e}
                saved={savedVersion === e.version}
                onSaved={(next) => {
                  setSavedVersion(next.version);
                  endpoint.reload();
                }}
              />
            </>
          ) : null}
          <DeliveryLog endpoint={e} tick={tick} onChanged={changed} />
        </>
      ) : null}
    </>
  );
}
