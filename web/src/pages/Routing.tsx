import { api } from '../api.js';
import { DefaultsCard } from '../components/DefaultsCard.js';
import { NewPurposeForm } from '../components/NewPurposeForm.js';
import { PurposeEditor } from '../components/PurposeEditor.js';
import { Empty, ErrorBox, Notice, PageHeader, Spinner } from '../components/ui.js';
import { useResource } from '../hooks.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { settingsView } from '../settings.js';
import type { MailAccount, Page, Purpose } from '../types.js';

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
          ? purposes.data?.items.map((p) => <PurposeEditor key={`${p.key}-${p.version ?? 0}`} purpose={p} accounts={accountList} editable={editable} onSaved={purposes.reload} onDeleted={purposes.reload} />)
          : null}
      </div>
      {editable ? <NewPurposeForm onCreated={purposes.reload} /> : null}
    </>
  );
}
