import { useState } from 'react';
import { errorFor } from '../../ui/index.js';
import { SettingSourceBadge } from './SettingSourceBadge.js';
import { settingValue, useFreshSettings, type SettingsStart, type SettingView } from './settings.js';
import { SettingsCard } from './SettingsCard.js';
import { EMPTY, emptyField, WholeNumberField } from './SoftBouncesCard.js';
import { useSaveSettings } from './useSaveSettings.js';

interface Retention {
  days: number | null;
}

/**
 * How long the email log keeps finished messages (and the events that made them), and the
 * webhook log finished deliveries (settings.retention): forever, or a number of days after their last change. The days go as typed and the API judges them (7–3650),
 * so the card refuses nothing the API accepts. Started afresh from what is stored after a conflict (useFreshSettings).
 */
export function RetentionCard(props: Props) {
  const fresh = useFreshSettings(props.views, props.onSaved);
  return <RetentionCardOf key={fresh.key} {...props} views={fresh.start.views} start={fresh.start} />;
}

type Props = { views: SettingView[]; editable: boolean; onSaved: () => void };

function RetentionCardOf({ views, editable, onSaved, start }: Props & { start: SettingsStart }) {
  const stored = settingValue<Retention>(views, 'retention', { days: null });
  const view = views.find((v) => v.key === 'retention');
  const locked = !editable || view?.locked === true;
  const [forever, setForever] = useState(stored.days === null);
  const [days, setDays] = useState(String(stored.days ?? 365));
  // The days count only when kept for a number of days: typed, then "Forever" chosen, they would not be saved.
  const save = useSaveSettings(onSaved, JSON.stringify(forever ? [true] : [false, days]), start);
  const submit = () => {
    if (!forever && emptyField({ 'retention.days': days })) return save.refuse('retention.days', EMPTY);
    void save.submit({ retention: { days: forever ? null : Number(days) } });
  };

  return (
    <SettingsCard id="retention" title="Email log retention" what="the email log retention" save={save} onSave={submit} saveLabel="Save retention" savedNote="Saved: applies within 10 minutes." editable={!locked} atFields={forever ? [] : ['retention.days']} labels={{ retention: 'Retention' }}>
      <p className="hint">
        Finished messages (sent, failed, expired, cancelled, received …), the events whose messages are gone and webhook deliveries can be deleted some days after their last change, with their attempts. Queued
        and deferred mail is never deleted, nor anything within the soft-bounce window. <SettingSourceBadge view={view} />
      </p>
      <div className="form-grid">
        <fieldset className="field" disabled={locked}>
          <legend>Keep finished messages</legend>
          <label className="checkbox-inline">
            <input type="radio" name="retention-mode" checked={forever} onChange={() => setForever(true)} /> Forever
          </label>
          <label className="checkbox-inline">
            <input type="radio" name="retention-mode" checked={!forever} onChange={() => setForever(false)} /> For a number of days
          </label>
        </fieldset>
        {forever ? null : (
          <WholeNumberField id="retention-days" label="Days after the last change" hint="7–3650; never less than the soft-bounce window." value={days} onChange={setDays} disabled={locked} error={errorFor(save.field, save.error, 'retention.days')} />
        )}
      </div>
    </SettingsCard>
  );
}
