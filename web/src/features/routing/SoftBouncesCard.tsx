import { useState } from 'react';
import { api, notifyChanged } from '../../api.js';
import { useAction } from '../../hooks.js';
import { Badge, ErrorBox, errorFor, Field, FieldError, Notice } from '../../ui/index.js';
import { settingValue, type SettingView } from './settings.js';

interface SoftBounces {
  count: number;
  windowDays: number;
}

/**
 * When temporary (4.x.x) bounces suppress an address: at the count-th within windowDays. The
 * numbers go as typed and the API judges them (1–100 and 1–365), so the card refuses nothing the
 * API accepts; a change applies from the next bounce.
 */
export function SoftBouncesCard({ views, editable, onSaved }: { views: SettingView[]; editable: boolean; onSaved: () => void }) {
  const stored = settingValue<SoftBounces>(views, 'softBounces', { count: 3, windowDays: 7 });
  const view = views.find((v) => v.key === 'softBounces');
  const locked = !editable || view?.locked === true;
  const [count, setCount] = useState(String(stored.count));
  const [windowDays, setWindowDays] = useState(String(stored.windowDays));
  const [saved, setSaved] = useState(false);
  const save = useAction();

  const submit = async () => {
    setSaved(false);
    const body = { softBounces: { count: Number(count), windowDays: Number(windowDays) } };
    if (await save.run(() => api.patch('/settings', body).then(() => true))) {
      setSaved(true);
      notifyChanged();
      onSaved();
    }
  };
  const countError = errorFor(save.field, save.error, 'softBounces.count');
  const windowError = errorFor(save.field, save.error, 'softBounces.windowDays');

  return (
    <section className="card" aria-labelledby="soft-bounces-h">
      <h2 id="soft-bounces-h">Soft bounces</h2>
      <p className="hint">
        A temporary failure (4.x.x: a full mailbox, a server refusing for now) marks the recipient; the address goes on the suppression list at this many within the window. A
        hard bounce (5.x.x) suppresses at once. {view ? <Badge kind={view.source === 'env' ? 'info' : 'neutral'}>{view.locked ? `locked · ${view.source}` : view.source}</Badge> : null}
      </p>
      <div className="form-grid">
        <Field label="Suppress at soft bounce number" id="soft-bounces-count" hint="1–100; 1: the first soft bounce suppresses, like a hard one.">
          <input
            id="soft-bounces-count"
            type="number"
            inputMode="numeric"
            value={count}
            disabled={locked}
            onChange={(e) => setCount(e.target.value)}
            aria-invalid={countError ? true : undefined}
          />
          <FieldError id="soft-bounces-count-error" message={countError} />
        </Field>
        <Field label="Within (days)" id="soft-bounces-window" hint="1–365.">
          <input
            id="soft-bounces-window"
            type="number"
            inputMode="numeric"
            value={windowDays}
            disabled={locked}
            onChange={(e) => setWindowDays(e.target.value)}
            aria-invalid={windowError ? true : undefined}
          />
          <FieldError id="soft-bounces-window-error" message={windowError} />
        </Field>
      </div>
      <ErrorBox error={save.error} title="Not saved" />
      {saved ? <Notice kind="success">Saved: applies from the next bounce.</Notice> : null}
      {!locked ? (
        <div className="form-actions">
          <button type="button" className="btn btn-primary" onClick={() => void submit()} disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Save soft bounces'}
          </button>
        </div>
      ) : null}
    </section>
  );
}
