import { ReaderState } from '../inbound/ReaderState.js';
import { api, type MailAccount, type MailServer } from '../../api.js';
import { useList } from '../../lists.js';
import { Link, navigate } from '../../router.js';
import { ErrorBox, PageHeader, Spinner } from '../../ui/index.js';
import { Gone } from '../../ui/Gone.js';
import { useItem } from '../../ui/useItem.js';
import { useSession } from '../access/session.js';
import { AccountForm } from './AccountForm.js';
import { AccountTools } from './AccountTools.js';
import { ConnectOutcome } from './ConnectOutcome.js';
import { OAuth2Card } from './OAuth2Card.js';

/** One account ("new": a form to add one), and for admins the tools that try it. */
export function AccountEdit({ id }: { id: string }) {
  const { can } = useSession();
  const isNew = id === 'new';
  // Deleted elsewhere (a 404 from its reload: after a save, after a conflict's load): the page says so, with no form, tools or reader state left.
  const account = useItem(() => (isNew ? Promise.resolve(undefined) : api.get<MailAccount>(`/accounts/${id}`)), [id, isNew]);
  const servers = useList<MailServer>('/servers');
  if (account.gone) return <Gone what="account" seen={!!account.data} back="/accounts" backLabel="All accounts" />;
  return (
    <>
      <PageHeader title={isNew ? 'Add account' : (account.data?.address ?? 'Account')} subtitle={<Link to="/accounts">← All accounts</Link>} />
      {/* Back from "Connect with …": the outcome first, in view. */}
      {account.data ? <ConnectOutcome accountId={account.data.id} provider={account.data.auth.type === 'oauth2' ? account.data.auth.provider : undefined} /> : null}
      <ErrorBox error={account.error ?? servers.error} />
      {(account.loading && !isNew && !account.data) || (servers.loading && !servers.data) ? <Spinner /> : null}
      {servers.data && (isNew || account.data) ? (
        <AccountForm
          // Not the version: a save keeps the form (focus, unfolded sections, "Saved."); it restarts from what was saved itself.
          key={account.data?.id ?? 'new'}
          account={account.data}
          // Loaded after a conflict: the header and the cards below show what is stored too.
          onLoaded={account.reload}
          watch={account.watch}
          servers={servers.items}
          readOnly={!can('admin')}
          oauth2Below={!isNew && can('admin')}
          // Created: the form's work is saved, and its own page shows it (nothing to ask about).
          onSaved={(a) => (isNew ? navigate(`/accounts/${a.id}`, { replace: true, discardUnsaved: true }) : account.reload())}
          onCancel={() => navigate('/accounts')}
        />
      ) : null}
      {can('admin') && account.data?.auth.type === 'oauth2' ? <OAuth2Card key={`oauth2-${account.data.version}`} account={account.data} /> : null}
      <ReaderState accountId={id} />
      {can('admin') && account.data && servers.data ? <AccountTools key={`tools-${account.data.version}`} account={account.data} server={servers.items.find((s) => s.id === account.data?.serverId)} /> : null}
    </>
  );
}
