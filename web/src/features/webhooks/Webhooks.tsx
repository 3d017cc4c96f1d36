import { useState } from 'react';
import type { WebhookEndpoint } from '../../api.js';
import { formatDate } from '../../format.js';
import { useList } from '../../lists.js';
import { Link } from '../../router.js';
import { mayReplace } from '../../leave-guard.js';
import { Badge, DataTable, Empty, focusRow, ListState, Notice, PageHeader, ShownOnce, WorkScope } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { EndpointForm } from './EndpointForm.js';
import { deliveryCounts, HealthChip } from './EndpointHealth.js';
import { EVENTS_IN_WORDS } from './events.js';

/** The part of the page the new endpoint's secret is in: the next endpoint's secret replaces it. */
const SHOWN_SECRET = 'new-webhook-secret';

/** Webhook endpoints with their health; admins add one here (its secret is shown once). */
export function Webhooks() {
  const { can } = useSession();
  const endpoints = useList<WebhookEndpoint>('/webhooks');
  const [created, setCreated] = useState<{ endpoint: WebhookEndpoint; secret: string } | null>(null);
  const troubled = endpoints.items.filter((e) => e.health.state === 'failing' || (!e.enabled && e.disabledReason));

  return (
    <>
      <PageHeader title="Webhooks" subtitle={`Signed HTTP notifications to your applications when a message is ${EVENTS_IN_WORDS}: each endpoint chooses its events.`} />
      {troubled.length ? (
        <Notice kind="warning">
          <strong>Warning:</strong> {troubled.length === 1 ? 'an endpoint needs' : `${troubled.length} endpoints need`} attention:{' '}
          {troubled.map((e, i) => (
            <span key={e.id}>
              {i ? ', ' : ''}
              <Link to={`/webhooks/${e.id}`}>{e.description ?? e.url}</Link> ({e.enabled ? `failing since ${formatDate(e.health.firstFailureAt)}` : 'switched off by Mailroom'})
            </span>
          ))}
          .
        </Notice>
      ) : null}
      {created ? (
        <WorkScope name={SHOWN_SECRET}>
          <ShownOnce
            title="Signing secret of the new endpoint"
            what={`the signing secret of ${created.endpoint.description ? `“${created.endpoint.description}”` : 'the new endpoint'}`}
            value={created.secret}
            label="The webhook signing secret"
            note={
              <>
                Give it to the receiving application to verify each request’s <code>webhook-signature</code> (see <Link to={`/webhooks/${created.endpoint.id}`}>the endpoint</Link>). Mailroom keeps it encrypted.
              </>
            }
            onDone={() => {
              setCreated(null);
              // The reader goes on from the endpoint's row, not the page's start.
              focusRow(created.endpoint.id);
            }}
            testId="new-webhook-secret"
          />
        </WorkScope>
      ) : null}
      <ListState list={endpoints} empty={<Empty title="No webhook endpoint yet">{can('admin') ? <p>Add one below: Mailroom then POSTs each event you choose to it, signed.</p> : <p>An admin can add one.</p>}</Empty>}>
        <DataTable
          rows={endpoints.items}
          rowKey={(e) => e.id}
          columns={[
            {
              header: 'Endpoint',
              cell: (e) => (
                <>
                  <Link to={`/webhooks/${e.id}`}>{e.description ?? e.url}</Link>
                  {e.description ? <div className="muted small truncate" title={e.url}>{e.url}</div> : null}
                </>
              ),
            },
            { header: 'Events', cell: (e) => e.events.map((n) => <Badge key={n}>{n.replace('message.', '')}</Badge>) },
            { header: 'Health', cell: (e) => <HealthChip endpoint={e} /> },
            { header: 'Last 24 h', cell: (e) => <span className="nowrap">{deliveryCounts(e)}</span> },
            { header: 'Last success', cell: (e) => formatDate(e.health.lastSuccessAt) },
          ]}
        />
      </ListState>
      {can('admin') ? (
        <EndpointForm
          // Another endpoint's secret takes the place of the one shown: asked first while that one is not copied.
          askFirst={() => mayReplace(SHOWN_SECRET)}
          onSaved={(endpoint, secret) => {
            if (secret) setCreated({ endpoint, secret });
            endpoints.reload();
          }}
        />
      ) : null}
    </>
  );
}
