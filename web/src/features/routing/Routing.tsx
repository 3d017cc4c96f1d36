import { useState } from 'react';
import type { MailAccount, Purpose } from '../../api.js';
import { useList } from '../../lists.js';
import { Link } from '../../router.js';
import { Empty, ListState, Notice, PageHeader, Spinner } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { DefaultsCard } from './DefaultsCard.js';
import { LoadFailure } from './LoadFailure.js';
import { NewPurposeForm } from './NewPurposeForm.js';
import { PurposeEditor } from './PurposeEditor.js';
import { useSettings } from './settings.js';

export function Routing() {
  const { can } = useSession();
  const editable = can('admin');
  const purposes = useList<Purpose>('/purposes');
  const accounts = useList<MailAccount>('/accounts');
  const settings = useSettings();
  // The purpose version a card saved: the card starts afresh from it (remounted) and says "Saved.".
  const [saved, setSaved] = useState<{ key: string; version: number } | null>(null);
  const loading = settings.loading || accounts.loading || purposes.loading;
  const failed = Boolean(settings.error ?? accounts.error ?? purposes.error);
  const retry = () => {
    settings.reload();
    accounts.reload();
    purposes.reload();
  };

  return (
    <>
      <PageHeader title="Routing" subtitle="Which account each application feature (purpose) sends from, in failover order." />
      {/* Said once for the page (the three requests fail alike when Mailroom is down), with a way to ask again. */}
      <LoadFailure errors={[settings.error, accounts.error, purposes.error]} retrying={loading} onRetry={retry} />
      {settings.data && accounts.data ? <DefaultsCard views={settings.data} accounts={accounts.items} editable={editable} onSaved={settings.reload} /> : failed ? null : <Spinner />}
      {purposes.data || !failed ? <h2 className="section-title">Purposes</h2> : null}
      {accounts.data && accounts.items.length === 0 ? (
        <Notice kind="warning">
          There is no account to route to yet. <Link to="/accounts/new">Add an account</Link>.
        </Notice>
      ) : null}
      <ListState list={{ ...purposes, error: null }} empty={<Empty title="No purposes" />}>
        <div className="purpose-grid">
          {accounts.data
            ? purposes.items.map((p) => (
                <PurposeEditor
                  key={`${p.key}-${p.version}`}
                  purpose={p}
                  accounts={accounts.items}
                  editable={editable}
                  saved={saved?.key === p.key && saved.version === p.version}
                  onSaved={(next) => {
                    setSaved({ key: next.key, version: next.version });
                    purposes.reload();
                  }}
                  onDeleted={purposes.reload}
                />
              ))
            : null}
        </div>
      </ListState>
      {editable && (purposes.data || !failed) ? <NewPurposeForm onCreated={purposes.reload} /> : null}
    </>
  );
}
