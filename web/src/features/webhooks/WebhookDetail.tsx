import { useState } from 'react';
import { api, type WebhookEndpoint } from '../../api.js';
import { formatDate } from '../../format.js';
import { Link } from '../../router.js';
import { Badge, ErrorBox, PageHeader, Spinner } from '../../ui/index.js';
import { Gone } from '../../ui/Gone.js';
import { useItem } from '../../ui/useItem.js';
import { useSession } from '../access/session.js';
import { DeliveryLog } from './DeliveryLog.js';
import { endpointName } from './endpoint-name.js';
import { EndpointActions } from './EndpointActions.js';
import { EndpointForm } from './EndpointForm.js';
import { deliveryCounts, HealthChip, HealthWarning } from './EndpointHealth.js';

/** What the settings form shows of the endpoint: it starts afresh only when this changes. */
const settingsKey = (e: WebhookEndpoint) => JSON.stringify([e.url, e.description, [...e.events].sort()]);

/**
 * The settings form's key: a new one when the stored settings change (a save here, or someone
 * else's seen on a reload) to something other than what the form shows. Not when the form
 * loaded them itself (*Load the saved version* after a conflict): it started afresh from them
 * already, and a remount would drop its "loaded" note, and the focus on it, with the page's reload.
 */
function useSettingsFormKey(e: WebhookEndpoint | undefined) {
  const [k, setK] = useState<{ seen: string | null; shows: string | null; n: number }>({ seen: null, shows: null, n: 0 });
  const settings = e ? settingsKey(e) : null;
  // Adjusted while rendering (React's way to follow a value from the previous render): the stale form is never shown.
  if (settings !== k.seen) setK({ seen: settings, shows: settings, n: settings === k.shows ? k.n : k.n + 1 });
  return { key: k.n, loaded: (x: WebhookEndpoint) => setK((c) => ({ ...c, shows: settingsKey(x) })) };
}

/** One endpoint: its health, an admin's actions and settings, and its delivery log. */
export function WebhookDetail({ id }: { id: string }) {
  const { can } = useSession();
  // Deleted elsewhere (a 404 from its reload, the log's, or an action's): the page says so, and its polling and actions go.
  const endpoint = useItem(() => api.get<WebhookEndpoint>(`/webhooks/${id}`), [id]);
  const e = endpoint.data;
  // Every change (an action, a replay, the log's own polling) reloads the endpoint and the log.
  const [tick, setTick] = useState(0);
  // The settings form starts afresh from each saved version, so what it says after a save lives here.
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const form = useSettingsFormKey(e);
  const changed = () => {
    endpoint.reload();
    setTick((t) => t + 1);
  };
  if (endpoint.gone) return <Gone what="endpoint" seen={!!e} back="/webhooks" backLabel="All webhooks" />;
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
              <EndpointActions endpoint={e} onChanged={changed} watch={endpoint.watch} />
              <EndpointForm
                // Started afresh when the stored settings change (a save here, or someone else's),
                // not with every version: Switch off/on and Rotate make a new version without
                // touching the URL, description or events, so typed settings stay as typed (the
                // form sends the version it is given, the latest). Asking there would be a
                // question about nothing: the action and the typed settings do not collide.
                key={form.key}
                endpoint={e}
                watch={endpoint.watch}
                saved={savedVersion === e.version}
                onSaved={(next) => {
                  setSavedVersion(next.version);
                  endpoint.reload();
                }}
                // The header and the facts above show the version loaded after a conflict too.
                onLoaded={(stored) => {
                  form.loaded(stored);
                  endpoint.reload();
                }}
              />
            </>
          ) : null}
          <DeliveryLog endpoint={e} tick={tick} onChanged={changed} watch={endpoint.watch} onRefused={endpoint.reload} />
        </>
      ) : null}
    </>
  );
}
