import { useState } from 'react';
import { errorFor, Field, FieldError } from '../../ui/index.js';
import { SettingSourceBadge } from './SettingSourceBadge.js';
import { settingValue, useFreshSettings, type SettingsStart, type SettingView } from './settings.js';
import { SettingsCard } from './SettingsCard.js';
import { useSaveSettings } from './useSaveSettings.js';

interface SoftBounces {
  count: number;
  windowDays: number;
}

/**
 * When temporary (4.x.x) bounces suppress an address: at the count-th within windowDays. The
 * numbers go as typed and the API judges them (1–100 and 1–365), so the card refuses nothing the
 * API accepts; a change applies from the next bounce. Started afresh from what is stored after a
 * conflict (useFreshSettings).
 */
export function SoftBouncesCard(props: Props) {
  const fresh = useFreshSettings(props.views, props.onSaved);
  return <SoftBouncesCardOf key={fresh.key} {...props} views={fresh.start.views} start={fresh.start} />;
}

type Props = { views: SettingView[]; editable: boolean; onSaved: () => void };

function SoftBouncesCardOf({ views, editable, onSaved, start }: Props & { start: SettingsStart }) {
  const stored = settingValue<SoftBounces>(views, 'softBounces', { count: 3, windowDays: 7 });
  const view = views.find((v) => v.key === 'softBounces');
  const locked = !editable || view?.locked === true;
  const [count, setCount] = useState(String(stored.count));
  const [windowDays, setWindowDays] = useState(String(stored.windowDays));
  const save = useSaveSettings(onSaved, JSON.stringify([count, windowDays]), start);
  const submit = () => {
    const empty = emptyField({ 'softBounces.count': count, 'softBounces.windowDays': windowDays });
    if (empty) return save.refuse(empty, EMPTY);
    void save.submit({ softBounces: { count: Number(count), windowDays: Number(windowDays) } });
  };

  return (
    <SettingsCard id="soft-bounces" title="Soft bounces" what="the soft-bounce settings" save={save} onSave={submit} saveLabel="Save soft bounces" savedNote="Saved: applies from the next bounce." editable={!locked} atFields={['softBounces.count', 'softBounces.windowDays']} labels={{ softBounces: 'Soft bounces' }}>
      <p className="hint">
        A temporary failure (4.x.x: a full mailbox, a server refusing for now) marks the recipient; the address goes on the suppression list at this many within the window. A
        hard bounce (5.x.x) suppresses at once. <SettingSourceBadge view={view} />
      </p>
      <div className="form-grid">
        <WholeNumberField id="soft-bounces-count" label="Suppress at soft bounce number" hint="1–100; 1: the first soft bounce suppresses, like a hard one." value={count} onChange={setCount} disabled={locked} error={errorFor(save.field, save.error, 'softBounces.count')} />
        <WholeNumberField id="soft-bounces-window" label="Within (days)" hint="1–365." value={windowDays} onChange={setWindowDays} disabled={locked} error={errorFor(save.field, save.error, 'softBounces.windowDays')} />
      </div>
    </SettingsCard>
  );
}

/** What an empty number box is told at Save: a box left empty holds no number, so it is never "0". */
export const EMPTY = 'is required: type a whole number';

/** The first of `boxes` (the API's field path → the text typed) left empty; null when each holds something. */
export function emptyField(boxes: Record<string, string>): string | null {
  return Object.entries(boxes).find(([, text]) => text.trim() === '')?.[0] ?? null;
}

/** A number typed as text and sent as typed: the API judges its range and its message stands beside the field. */
export function WholeNumberField({ id, label, hint, value, onChange, disabled, error }: { id: string; label: string; hint: string; value: string; onChange(value: string): void; disabled: boolean; error: string | null }) {
  return (
    <Field label={label} id={id} hint={hint}>
      <input id={id} type="number" inputMode="numeric" value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined} />
      <FieldError id={`${id}-error`} message={error} />
    </Field>
  );
}
