import type { MailAccount, Purpose } from '../../api.js';
import { useList } from '../../lists.js';
import { Link } from '../../router.js';
import { Empty, ErrorBox, ListState, Notice, PageHeader, Spinner } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { DefaultsCard } from './DefaultsCard.js';
import { NewPurposeForm } from './NewPurposeForm.js';
import { PurposeEditor } from './PurposeEditor.js';
import { useSettings } from './settings.js';

export function Routing() {
  const { can } = useSession();
  const editable = can('admin');
  const purposes = useList<Purpose>('/purposes');
  const accounts = useList<MailAccount>('/accounts');
  const settings = useSettings();

  return (
    <>
      <PageHeader title="Routing" subtitle="Which account each application feature (purpose) sends from, in failover order." />
      <ErrorBox error={settings.error ?? accounts.error} />
      {settings.data && accounts.data ? <DefaultsCard views={settings.data} accounts={accounts.items} editable={editable} onSaved={settings.reload} /> : <Spinner />}
      <h2 className="section-title">Purposes</h2>
      {accounts.data && accounts.items.length === 0 ? (
        <Notice kind="warning">
          There is no account to route to yet. <Link to="/accounts/new">Add an account</Link>.
        </Notice>
      ) : null}
      <ListState list={purposes} empty={<Empty title="No purposes" />}>
        <div className="purpose-grid">
          {accounts.data
            ? purposes.items.map((p) => <PurposeEditor key={`${p.key}-${p.version}`} purpose={p} accounts={accounts.items} editable={editable} onSaved={purposes.reload} onDeleted={purposes.reload} />)
            : null}
        </div>
      </ListState>
      {editable ? <NewPurposeForm onCreated={purposes.reload} /> : null}
    </>
  );
}
