import { useState, type FormEvent } from 'react';
import { api, type NewApiKey as Created } from '../../api.js';
import { formatDate } from '../../format.js';
import { useAction } from '../../hooks.js';
import { mayReplace } from '../../leave-guard.js';
import { CopyButton, ErrorBox, Field, focusRow, FormActions, ShownOnceGuard, UnsavedChangesGuard, useCopied, useFocusOnMount, useSelection, useUnsavedChanges, WorkScope } from '../../ui/index.js';

const SCOPES = [
  ['send', 'send mail and events'],
  ['read', 'read the logs'],
  ['admin', 'everything'],
] as const;

/**
 * YYYY-MM-DD of `d`, in the reader's time zone: the earliest expiry the date input offers. A key
 * that expires today is usable through today (refused from the next midnight, see endOfDay),
 * which the API takes since that instant lies in the future.
 */
function today(d = new Date()): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "Expires on 2027-01-31" means usable all that day: refused from the next midnight (the reader's time zone). */
function endOfDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y, m - 1, d + 1).toISOString();
}

/** The part of the page the key shown once is in: a new key replaces it, so creating one asks first while it is not copied. */
const SHOWN_KEY = 'new-api-key';

/** The key shown once, right after it was made; it takes the focus, and asks before it is lost uncopied (see ui/ShownOnce). */
function ShownOnce({ created, onDone }: { created: Created; onDone(): void }) {
  const ref = useFocusOnMount<HTMLElement>();
  const { copied, markCopied } = useCopied(created.key);
  return (
    <section className="card key-once" aria-labelledby="key-once-h" data-testid="new-api-key" tabIndex={-1} ref={ref}>
      <h2 id="key-once-h">New key “{created.name}”</h2>
      <p>
        <strong>Copy it now: it is shown this once and never again.</strong> Mailroom stores only a hash.
        {created.expiresAt ? ` It is refused from ${formatDate(created.expiresAt)} on.` : ''}
      </p>
      <div className="inline">
        <code className="secret" aria-label="The new API key" onCopy={markCopied}>
          {created.key}
        </code>
        <CopyButton text={created.key} label="Copy it" onCopied={markCopied} />
        <button type="button" className="btn btn-small" onClick={onDone}>
          Done
        </button>
      </div>
      <ShownOnceGuard copied={copied} what={`the key “${created.name}”`} />
    </section>
  );
}

/** Creating a key: name, scopes, override, an optional expiry; the key itself is shown once. */
export function NewApiKey({ onCreated }: { onCreated(): void }) {
  const [name, setName] = useState('');
  const scopes = useSelection(['send']);
  const [allowOverride, setAllowOverride] = useState(false);
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<Created | null>(null);
  const create = useAction();
  // Against the blank form (send only): Cancel is offered, and leaving asks, while it holds anything else.
  const { dirty } = useUnsavedChanges(JSON.stringify([name, expires, allowOverride, [...scopes.selected].sort()]));

  /** Back to a blank form (one scope, send): the next key starts from nothing the last one chose. */
  const reset = () => {
    setName('');
    scopes.setAll(['send']);
    setAllowOverride(false);
    setExpires('');
    create.setError(null);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // The new key takes the place of the one shown: asked first while that one is not copied.
    if (!(await mayReplace(SHOWN_KEY))) return;
    const body = { name: name.trim(), scopes: [...scopes.selected], allowOverride, ...(expires ? { expiresAt: endOfDay(expires) } : {}) };
    const r = await create.run(() => api.post<Created>('/api-keys', body));
    if (r) {
      setCreated(r);
      reset();
      onCreated();
    }
  };

  return (
    <>
      {created ? (
        <WorkScope name={SHOWN_KEY}>
          <ShownOnce
            created={created}
            onDone={() => {
              setCreated(null);
              // The reader goes on from the key's row, not the page's start.
              focusRow(created.id);
            }}
          />
        </WorkScope>
      ) : null}
      <form className="card form" onSubmit={submit} aria-labelledby="new-key-h">
        <h2 id="new-key-h">Create a key</h2>
        <p className="muted small">The key answers to you: it stops working while your user is disabled, and never does more than your role allows.</p>
        <div className="form-grid">
          <Field label="Name" id="key-name" hint="Which application uses it.">
            <input id="key-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label="Expires on" id="key-expires" hint="Optional. Usable through that day (your time zone); refused from then on.">
            <input id="key-expires" type="date" min={today()} value={expires} onChange={(e) => setExpires(e.target.value)} aria-describedby="key-expires-hint" />
          </Field>
          <fieldset className="field">
            <legend>Scopes</legend>
            {/* The name and its explanation are one run of text beside the box: short ones stay on its
                line ("admin — everything" no longer breaks under it), a long one wraps under the name. */}
            {SCOPES.map(([s, help]) => (
              <label key={s} className="checkbox-inline">
                <input type="checkbox" checked={scopes.selected.has(s)} onChange={() => scopes.toggle(s)} />
                <span>
                  {s} <span className="muted small">— {help}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <div className="field checkbox-field">
            <label>
              <input type="checkbox" checked={allowOverride} onChange={(e) => setAllowOverride(e.target.checked)} /> May choose the account per message
            </label>
          </div>
        </div>
        <ErrorBox error={create.error} title="Not created" />
        <FormActions submit={{ label: 'Create key', busy: create.busy, busyLabel: 'Creating…', disabled: scopes.selected.size === 0 }} onCancel={dirty || create.error ? reset : undefined} />
        <UnsavedChangesGuard dirty={dirty} what="the new key" />
      </form>
    </>
  );
}
