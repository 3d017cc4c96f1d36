import { useState } from 'react';
import { api, notifyChanged, type MailAccount } from '../../api.js';
import { splitList } from '../../format.js';
import { useAction } from '../../hooks.js';
import { Badge, ErrorBox, Field, Notice } from '../../ui/index.js';
import { settingValue, type SettingView } from './settings.js';

/** The system default sender and the global CC/BCC: on Routing and on Settings. */
export function DefaultsCard({ views, accounts, editable, onSaved }: { views: SettingView[]; accounts: MailAccount[]; editable: boolean; onSaved: () => void }) {
  const [defaultAccountId, setDefault] = useState(settingValue<string | null>(views, 'defaultAccountId', null) ?? '');
  const [cc, setCc] = useState(settingValue<string[]>(views, 'globalCc', []).join(', '));
  const [bcc, setBcc] = useState(settingValue<string[]>(views, 'globalBcc', []).join(', '));
  const [saved, setSaved] = useState(false);
  const save = useAction();
  const lock = (k: string) => views.find((v) => v.key === k);

  const submit = async () => {
    setSaved(false);
    const body: Record<string, unknown> = { defaultAccountId: defaultAccountId || null, globalCc: splitList(cc), globalBcc: splitList(bcc) };
    for (const k of Object.keys(body)) if (lock(k)?.locked) delete body[k];
    const r = await save.run(() => api.patch('/settings', body).then(() => true));
    if (r) {
      setSaved(true);
      notifyChanged();
      onSaved();
    }
  };
  const src = (k: string) => {
    const v = lock(k);
    return v ? <Badge kind={v.source === 'env' ? 'info' : 'neutral'}>{v.locked ? `locked · ${v.source}` : v.source}</Badge> : null;
  };

  return (
    <section className="card" aria-labelledby="defaults-h">
      <h2 id="defaults-h">Defaults</h2>
      <div className="form-grid">
        <Field label="System default account" id="default-account" hint={<>Sends when a purpose names no account. {src('defaultAccountId')}</>}>
          <select id="default-account" value={defaultAccountId} disabled={!editable || lock('defaultAccountId')?.locked} onChange={(e) => setDefault(e.target.value)}>
            <option value="">None (the first active account)</option>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.address}
                {a.active ? '' : ' (inactive)'}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Global CC" id="global-cc" hint={<>Comma-separated; added to purposes with “Global CC/BCC” on. {src('globalCc')}</>}>
          <input id="global-cc" value={cc} disabled={!editable || lock('globalCc')?.locked} onChange={(e) => setCc(e.target.value)} />
        </Field>
        <Field label="Global BCC" id="global-bcc" hint={<>Comma-separated. {src('globalBcc')}</>}>
          <input id="global-bcc" value={bcc} disabled={!editable || lock('globalBcc')?.locked} onChange={(e) => setBcc(e.target.value)} />
        </Field>
      </div>
      <ErrorBox error={save.error} title="Not saved" />
      {saved ? <Notice kind="success">Saved.</Notice> : null}
      {editable ? (
        <div className="form-actions">
          <button type="button" className="btn btn-primary" onClick={() => void submit()} disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Save defaults'}
          </button>
        </div>
      ) : null}
    </section>
  );
}
