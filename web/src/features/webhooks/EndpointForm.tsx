import { useRef, useState, type FormEvent } from 'react';
import { api, type NewWebhookSecret, type WebhookEndpoint, type WebhookEventType } from '../../api.js';
import { useAction } from '../../hooks.js';
import { ErrorBox, errorFor, Field, FieldError, FormActions, Notice, UnsavedChangesGuard, useSelection, useUnsavedChanges } from '../../ui/index.js';
import { EVENT_NAMES, WEBHOOK_EVENTS } from './events.js';
import { endpointName } from './endpoint-name.js';
import { VersionConflict, type VersionConflictState } from '../../ui/VersionConflict.js';
import { useFreshStart } from '../../ui/fresh-start.js';

/** What a new endpoint is ticked for. */
const NEW_ENDPOINT_EVENTS: WebhookEventType[] = ['message.sent', 'message.failed'];

/**
 * The endpoint's URL, description and events: a new endpoint (POST, whose answer carries the
 * secret) or changes to one (PATCH with the version read). The API's message appears at the
 * field it names (an address the network policy refuses shows at the URL). `askFirst`, before the
 * request, may stop it (a new endpoint's secret would replace one shown and not copied yet).
 * `onLoaded`: the saved version, loaded after a conflict (the page's facts show it too).
 */
type Props = {
  endpoint?: WebhookEndpoint;
  saved?: boolean;
  askFirst?(): Promise<boolean>;
  onSaved(e: WebhookEndpoint, secret?: string): void;
  onCancel?: () => void;
  onLoaded?(e: WebhookEndpoint): void;
  /** The endpoint page's item: a save answered 404 (deleted elsewhere) turns the page into "This endpoint was deleted". */
  watch?<R>(request: Promise<R>): Promise<R>;
};

const asIs = <R,>(request: Promise<R>) => request;

export function EndpointForm(props: Props) {
  const fresh = useFreshStart(props.endpoint, props.onLoaded);
  return <EndpointFormOf key={fresh.key} {...props} endpoint={fresh.value} conflict={fresh.conflict} onFresh={fresh.onFresh} />;
}

function EndpointFormOf({ endpoint, saved, askFirst, onSaved, onCancel, watch = asIs, conflict, onFresh }: Props & { conflict: VersionConflictState; onFresh(e: WebhookEndpoint): void }) {
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const events = useSelection(endpoint?.events ?? NEW_ENDPOINT_EVENTS);
  const id = endpoint ? `wh-${endpoint.id}` : 'wh-new';
  const draft = JSON.stringify([url, description, [...events.selected].sort()]);
  // A refusal speaks of what was sent: it goes once the form is edited.
  const save = useAction(draft);
  // "Saved." holds only while the form shows what was saved; leaving asks while it shows anything else.
  const changes = useUnsavedChanges(draft);

  // Submitting with no event ticked is refused here, at the events, saying why (a disabled button said nothing).
  const [noEvents, setNoEvents] = useState(false);
  const eventsRef = useRef<HTMLFieldSetElement>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (events.selected.size === 0) {
      setNoEvents(true);
      eventsRef.current?.querySelector<HTMLInputElement>('input[type="checkbox"]')?.focus();
      return;
    }
    if (askFirst && !(await askFirst())) return;
    const body = { url: url.trim(), description: description.trim() || null, events: EVENT_NAMES.filter((n) => events.selected.has(n)) };
    const r = await save.run(() =>
      conflict.watch(endpoint ? watch(api.patch<WebhookEndpoint>(`/webhooks/${endpoint.id}`, { ...body, version: endpoint.version })) : api.post<NewWebhookSecret>('/webhooks', body)),
    );
    if (!r) return;
    const { secret, ...saved } = r as NewWebhookSecret;
    // Saved as sent: no question before the reload remounts the form with the new version.
    if (endpoint) changes.markSaved(draft);
    if (!endpoint) {
      // The next endpoint starts afresh: none of this one's events stay ticked.
      setUrl('');
      setDescription('');
      events.setAll(NEW_ENDPOINT_EVENTS);
    }
    onSaved(saved, secret);
  };
  // The URL check answers with details.field "url" (the network policy's refusal too).
  const urlError = errorFor(save.field, save.error, 'url');
  const eventsError = noEvents ? 'Tick at least one event: an endpoint without events is never called.' : errorFor(save.field, save.error, 'events');

  return (
    <form className="card form" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{endpoint ? 'Settings' : 'Add an endpoint'}</h2>
      <div className="form-grid">
        <Field label="URL" id={`${id}-url`} wide hint="The receiver’s https:// address. Private and loopback addresses are refused unless MAILROOM_ALLOW_PRIVATE_HOSTS lists them.">
          <input id={`${id}-url`} type="url" required maxLength={2000} value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://app.example.com/hooks/mailroom" aria-invalid={urlError ? true : undefined} aria-describedby={urlError ? `${id}-url-err` : undefined} />
          <FieldError id={`${id}-url-err`} message={urlError} />
        </Field>
        <Field label="Description" id={`${id}-desc`} wide hint="Optional: which application receives it.">
          <input id={`${id}-desc`} maxLength={200} value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <fieldset className="field field-wide" ref={eventsRef}>
          <legend>Events</legend>
          {EVENT_NAMES.map((name: WebhookEventType) => (
            <label key={name} className="checkbox-inline">
              <input
                type="checkbox"
                checked={events.selected.has(name)}
                onChange={() => {
                  events.toggle(name);
                  setNoEvents(false);
                }}
                aria-describedby={eventsError ? `${id}-events-err` : undefined}
              />{' '}
              <code>{name}</code> <span className="muted small">— {WEBHOOK_EVENTS[name]}</span>
            </label>
          ))}
          <FieldError id={`${id}-events-err`} message={eventsError} />
        </fieldset>
      </div>
      {/* A refusal shown at its field is shown there only, once. */}
      <ErrorBox error={urlError || eventsError || conflict.conflict ? null : save.error} title={endpoint ? 'Not saved' : 'Not created'} />
      {endpoint ? (
        <VersionConflict
          state={conflict}
          what={`the endpoint “${endpointName(endpoint)}”`}
          dirty={changes.dirty}
          load={async () => onFresh(await watch(api.get<WebhookEndpoint>(`/webhooks/${endpoint.id}`)))}
        />
      ) : null}
      {saved && !save.error && !changes.dirty ? <Notice kind="success">Saved.</Notice> : null}
      <FormActions submit={{ label: endpoint ? 'Save' : 'Create endpoint', busy: save.busy }} onCancel={onCancel} />
      <UnsavedChangesGuard dirty={changes.dirty} what={endpoint ? 'this endpoint' : 'the new endpoint'} />
    </form>
  );
}
