import { useState } from 'react';
import { api, notifyChanged } from '../api.js';
import { PurposeEditor } from '../components/PurposeEditor.js';
import { Badge, Empty, ErrorBox, Field, Notice, PageHeader, Spinner } from '../components/ui.js';
import { splitList } from '../format.js';
import { useAction, useResource } from '../hooks.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { settingsView, settingValue } from '../settings.js';
import type { MailAccount, Page, Purpose, SettingView } from '../types.js';

function DefaultsCard({ views, accounts, editable, onSaved }: { views: SettingView[]; accounts: MailAccount[]; editable: boolean; onSaved: () => void }) {
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

export function Routing() {
  const { can } = useSession();
  const editable = can('admin');
  const purposes = useResource(() => api.get<Page<Purpose>>('/purposes'), []);
  const accounts = useResource(() => api.get<Page<MailAccount>>('/accounts'), []);
  const settings = useResource(() => api.get<unknown>('/settings').then(settingsView), []);
  const accountList = accounts.data?.items ?? [];

  return (
    <>
      <PageHeader title="Routing" subtitle="Which account each application feature (purpose) sends from, in failover order." />
      <ErrorBox error={settings.error ?? accounts.error} />
      {settings.data && accounts.data ? <DefaultsCard key={JSON.stringify(settings.data)} views={settings.data} accounts={accountList} editable={editable} onSaved={settings.reload} /> : <Spinner />}
      <h2 className="section-title">Purposes</h2>
      <ErrorBox error={purposes.error} />
      {purposes.loading && !purposes.data ? <Spinner /> : null}
      {accounts.data && accountList.length === 0 ? (
        <Notice kind="warning">
          There is no account to route to yet. <Link to="/accounts/new">Add an account</Link>.
        </Notice>
      ) : null}
      {purposes.data?.items.length === 0 ? <Empty title="No purposes" /> : null}
      <div className="purpose-grid">
        {accounts.data
          ? purposes.data?.items.map((p) => <PurposeEditor key={`${p.key}-${p.version ?? 0}`} purpose={p} accounts={accountList} editable={editable} onSaved={purposes.reload} />)
          : null}
      </div>
    </>
  );
}
