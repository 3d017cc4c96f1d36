import { useRef, useState } from 'react';
import { api, type NewWebhookSecret, type WebhookEndpoint, type WebhookTestQueued } from '../../api.js';
import { useAction } from '../../hooks.js';
import { mayReplace } from '../../leave-guard.js';
import { navigate } from '../../router.js';
import { ConfirmButton, ErrorBox, Notice, ShownOnce, WorkScope } from '../../ui/index.js';

/** The part of the page the rotated secret is in: the next rotation's secret replaces it. */
const SHOWN_SECRET = 'rotated-webhook-secret';

const GRACE = [
  [0, 'none: the old secret stops now'],
  [3_600, '1 hour'],
  [86_400, '24 hours'],
  [604_800, '7 days'],
] as const;

/**
 * An admin's buttons for one endpoint: a test event (through the same queue, signature and log
 * as real ones), switching it off and on, rotating the secret with a grace period during which
 * both secrets sign, and deleting it. `watch` passes each request through the page's item, so a
 * 404 (deleted elsewhere) turns the page into "This endpoint was deleted" instead of a refusal here.
 */
export function EndpointActions({ endpoint: e, onChanged, watch }: { endpoint: WebhookEndpoint; onChanged(): void; watch<R>(request: Promise<R>): Promise<R> }) {
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);
  // Which part the last action was in: its message (done or refused) is said by its own button.
  const [where, setWhere] = useState<'toolbar' | 'rotate'>('toolbar');
  const [grace, setGrace] = useState(86_400);
  const [secret, setSecret] = useState<string | null>(null);
  const rotateRef = useRef<HTMLSpanElement>(null);
  const run = async (fn: () => Promise<unknown>, message: string) => {
    setDone(null);
    setWhere('toolbar');
    if ((await action.run(async () => (await watch(fn()), true))) === true) {
      setDone(message);
      onChanged();
    }
  };
  const rotate = async () => {
    // Rotating again replaces the new secret shown (and makes it the old one): asked first while it is not copied.
    if (!(await mayReplace(SHOWN_SECRET))) return;
    setDone(null);
    setWhere('rotate');
    const r = await action.run(() => watch(api.post<NewWebhookSecret>(`/webhooks/${e.id}/rotate-secret`, { graceSec: grace })));
    if (r) {
      setSecret(r.secret);
      onChanged();
    }
  };

  const graceLabel = GRACE.find(([sec]) => sec === grace)?.[1] ?? '';
  const feedback = (
    <>
      <ErrorBox error={action.error} />
      {done ? <Notice kind="success">{done}</Notice> : null}
    </>
  );

  return (
    <section className="card" aria-labelledby="wh-actions-h">
      <h2 id="wh-actions-h">Actions</h2>
      <div className="toolbar">
        <button type="button" className="btn btn-primary" disabled={action.busy || !e.enabled} title={e.enabled ? undefined : 'Switch the endpoint on first'} onClick={() => void run(() => api.post<WebhookTestQueued>(`/webhooks/${e.id}/test`), 'Test event queued: it appears in the delivery log below.')}>
          Send test event
        </button>
        <button type="button" className="btn" disabled={action.busy} onClick={() => void run(() => api.patch(`/webhooks/${e.id}`, { enabled: !e.enabled, version: e.version }), e.enabled ? 'Switched off.' : 'Switched on: waiting deliveries are sent.')}>
          {e.enabled ? 'Switch off' : 'Switch on'}
        </button>
        <ConfirmButton
          label="Delete"
          question="Delete this endpoint and its delivery log? Waiting deliveries are dropped."
          onConfirm={() => {
            setDone(null);
            setWhere('toolbar');
            // Deleting was confirmed: unsaved settings of the endpoint went with it.
            void action.run(() => watch(api.del(`/webhooks/${e.id}`)).then(() => navigate('/webhooks', { discardUnsaved: true })));
          }}
          busy={action.busy}
        />
      </div>
      {where === 'toolbar' ? feedback : null}
      <div className="subsection">
        <h3>Rotate the signing secret</h3>
        <p className="muted small">A new secret is shown once. During the grace period each request carries two signatures, so the receiver can switch secrets without losing a request.</p>
        <div className="inline">
          <label className="inline-field" htmlFor="wh-grace">
            Old secret keeps signing for
          </label>
          <select id="wh-grace" value={grace} onChange={(ev) => setGrace(Number(ev.target.value))}>
            {GRACE.map(([sec, label]) => (
              <option key={sec} value={sec}>
                {label}
              </option>
            ))}
          </select>
          {/* Asked first, as other destructive actions are: the receiver must switch to the new secret before the grace period ends. */}
          <span ref={rotateRef}>
            <ConfirmButton
              label="Rotate secret"
              className="btn"
              question={grace ? `Rotate the secret? The old one keeps signing for ${graceLabel}.` : 'Rotate the secret? The old one stops now: the receiver refuses requests until it has the new one.'}
              onConfirm={() => void rotate()}
              busy={action.busy}
            />
          </span>
        </div>
        {where === 'rotate' ? feedback : null}
      </div>
      {secret ? (
        <WorkScope name={SHOWN_SECRET}>
          <ShownOnce
            title="New signing secret"
            what="the new signing secret"
            value={secret}
            label="The new webhook signing secret"
            note="Give it to the receiver; the old one stops at the end of the grace period."
            onDone={() => {
              setSecret(null);
              // The reader goes on where the rotation started, not at the page's start.
              rotateRef.current?.querySelector('button')?.focus();
            }}
            testId="rotated-webhook-secret"
          />
        </WorkScope>
      ) : null}
    </section>
  );
}
