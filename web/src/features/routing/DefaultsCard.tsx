import { useState } from 'react';
import type { MailAccount } from '../../api.js';
import { splitAddresses } from '../../format.js';
import { errorFor, Field, FieldError } from '../../ui/index.js';
import { AccountSelect } from '../senders/AccountSelect.js';
import { SettingSourceBadge } from './SettingSourceBadge.js';
import { settingValue, useFreshSettings, type SettingsStart, type SettingView } from './settings.js';
import { SettingsCard } from './SettingsCard.js';
import { useSaveSettings } from './useSaveSettings.js';

/** The settings this card has a field for: their refusals are said there. */
const FIELDS = ['defaultAccountId', 'globalCc', 'globalBcc'];

type Props = { views: SettingView[]; accounts: MailAccount[]; editable: boolean; onSaved: () => void };

/** The system default sender and the global CC/BCC: on Routing and on Settings. Started afresh from what is stored after a conflict (useFreshSettings). */
export function DefaultsCard(props: Props) {
  const fresh = useFreshSettings(props.views, props.onSaved);
  return <DefaultsCardOf key={fresh.key} {...props} views={fresh.start.views} start={fresh.start} />;
}

function DefaultsCardOf({ views, accounts, editable, onSaved, start }: Props & { start: SettingsStart }) {
  const [defaultAccountId, setDefault] = useState(settingValue<string | null>(views, 'defaultAccountId', null) ?? '');
  const [cc, setCc] = useState(settingValue<string[]>(views, 'globalCc', []).join(', '));
  const [bcc, setBcc] = useState(settingValue<string[]>(views, 'globalBcc', []).join(', '));
  const save = useSaveSettings(onSaved, JSON.stringify([defaultAccountId, cc, bcc]), start);
  const lock = (k: string) => views.find((v) => v.key === k);
  // "globalCc[0]: … is not accepted" beside Global CC, in words; the card's banner stays for the rest.
  const err = (k: string) => errorFor(save.field, save.error, k);

  const submit = () => {
    const body: Record<string, unknown> = { defaultAccountId: defaultAccountId || null, globalCc: splitAddresses(cc), globalBcc: splitAddresses(bcc) };
    // Only what changed: a field saved as it was would turn a deploy-time default (env) into a stored one.
    for (const k of Object.keys(body)) if (lock(k)?.locked || JSON.stringify(body[k]) === JSON.stringify(settingValue(views, k, k === 'defaultAccountId' ? null : []))) delete body[k];
    void save.submit(body);
  };

  return (
    <SettingsCard id="defaults" title="Defaults" what="the default sender and copies" save={save} onSave={submit} saveLabel="Save defaults" savedNote="Saved." editable={editable} atFields={FIELDS}>
      <div className="form-grid">
        <Field label="System default account" id="default-account" hint={<>Sends when a purpose names no account. <SettingSourceBadge view={lock('defaultAccountId')} /></>}>
          <AccountSelect id="default-account" accounts={accounts} markInactive none="None (the first active account)" value={defaultAccountId} disabled={!editable || lock('defaultAccountId')?.locked} onChange={setDefault} aria-invalid={err('defaultAccountId') ? true : undefined} />
          <FieldError id="default-account-error" message={err('defaultAccountId')} />
        </Field>
        <Field label="Global CC" id="global-cc" hint={<>Comma-separated; added to purposes with “Global CC/BCC” on. <SettingSourceBadge view={lock('globalCc')} /></>}>
          <input id="global-cc" value={cc} disabled={!editable || lock('globalCc')?.locked} onChange={(e) => setCc(e.target.value)} aria-invalid={err('globalCc') ? true : undefined} />
          <FieldError id="global-cc-error" message={err('globalCc')} />
        </Field>
        <Field label="Global BCC" id="global-bcc" hint={<>Comma-separated. <SettingSourceBadge view={lock('globalBcc')} /></>}>
          <input id="global-bcc" value={bcc} disabled={!editable || lock('globalBcc')?.locked} onChange={(e) => setBcc(e.target.value)} aria-invalid={err('globalBcc') ? true : undefined} />
          <FieldError id="global-bcc-error" message={err('globalBcc')} />
        </Field>
      </div>
    </SettingsCard>
  );
}
