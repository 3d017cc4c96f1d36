import { useState } from 'react';
import { api, notifyChanged, type DiagnosticResult, type MailAccount, type MailServer, type TestEmailResults } from '../../api.js';
import { useAction } from '../../hooks.js';
import { useList } from '../../lists.js';
import { Link } from '../../router.js';
import { Badge, ConfirmButton, DataTable, Empty, ErrorBox, ListState, NewItemLink, PageHeader, useListOutcome, useSelection } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { MessageWatch } from '../outbox/MessageWatch.js';
import { DiagnosticSteps } from '../probes/DiagnosticSteps.js';
import { ConnectOutcome } from './ConnectOutcome.js';

type TestSent = { accountId: string; address: string; messageId?: string; error?: string };

export function Accounts() {
  const { can } = useSession();
  const isAdmin = can('admin');
  const accounts = useList<MailAccount>('/accounts');
  const servers = useList<MailServer>('/servers');
  const selection = useSelection();
  const { selected } = selection;
  const [to, setTo] = useState('');
  const [confirm, setConfirm] = useState(false);
  const [sent, setSent] = useState<TestSent[]>([]);
  const [diag, setDiag] = useState<{ account: MailAccount; result: DiagnosticResult | null } | null>(null);
  const del = useAction();
  // The account a delete was last asked for: its refusal is said under its own row, where the
  // focus is (back on its Delete button), not at the page's top.
  const [deleting, setDeleting] = useState<string | null>(null);
  const test = useAction();
  const sending = useAction();
  const serverName = (id: string) => servers.items.find((s) => s.id === id)?.name ?? id;
  const items = accounts.items;
  // Offered once any account reads its mailbox; one that does not gets its own refusal in the results.
  const confirmable = items.some((a) => a.active && a.inbound?.enabled === true);

  // A deleted account's row goes once the list reloads: the focus then moves to its neighbour's row (the page's heading after the last).
  const deleted = useListOutcome(accounts, (a: MailAccount) => a.id);
  const remove = async (a: MailAccount) => {
    setDeleting(a.id);
    deleted.clear();
    if (await del.run(() => api.del(`/accounts/${a.id}`).then(() => true))) {
      deleted.done(`${a.address} was deleted.`, a);
      notifyChanged();
      accounts.reload();
    }
  };

  // A delete's refusal speaks of that attempt: another action on the list is a new moment, and an
  // old "Not deleted" under a row would read as something that action caused.
  const forgetDelete = () => setDeleting(null);

  const testConnection = async (a: MailAccount) => {
    forgetDelete();
    setDiag({ account: a, result: null });
    const r = await test.run(() => api.post<DiagnosticResult>('/diagnostics/smtp', { accountId: a.id }));
    setDiag(r ? { account: a, result: r } : null);
  };

  // One call for all selected accounts; each result then arrives (and is followed) on its own.
  const sendTests = () => {
    forgetDelete();
    return sending.run(async () => {
      const chosen = items.filter((a) => selected.has(a.id));
      const r = await api.post<TestEmailResults>('/accounts/test', {
        accountIds: chosen.map((a) => a.id),
        ...(confirmable && confirm ? { confirm: true } : to.trim() ? { to: to.trim() } : {}),
      });
      setSent(
        r.results.map((x) => ({
          accountId: x.accountId,
          address: chosen.find((a) => a.id === x.accountId)?.address ?? x.accountId,
          ...('messageId' in x ? { messageId: x.messageId } : { error: x.error.message }),
        })),
      );
    });
  };

  return (
    <>
      <PageHeader
        title="Accounts"
        subtitle="Sender identities: the From address, the login and the password Mailroom uses on a server."
        actions={isAdmin ? <NewItemLink to="/accounts/new">Add account</NewItemLink> : null}
      />
      {/* Back from a "Connect" that named no account Mailroom knows (?oauth2=failed&reason=unknown). */}
      <ConnectOutcome />
      {deleted.notice}
      <ListState
        list={accounts}
        empty={
          <Empty title="No account yet">
            {!isAdmin ? <p>An admin has to add one.</p> : servers.items.length ? <p>Add an account that sends through one of your servers.</p> : <p>Add a server first, then an account that sends through it.</p>}
          </Empty>
        }
      >
        {isAdmin ? (
          <div className="toolbar" role="group" aria-label="Send test email">
            <span className="muted small">{selected.size} selected</span>
            {confirmable && confirm ? null : (
              <label className="inline-field">
                <span>To</span>
                <input type="email" value={to} onChange={(e) => setTo(e.target.value)} placeholder="the account itself" aria-label="Test email recipient" />
              </label>
            )}
            {confirmable ? (
              <label className="checkbox-inline">
                <input type="checkbox" checked={confirm} onChange={(e) => setConfirm(e.target.checked)} /> Confirm each arrives (in the account&apos;s own mailbox)
              </label>
            ) : null}
            <button type="button" className="btn" disabled={selected.size === 0 || sending.busy} onClick={() => void sendTests()}>
              {sending.busy ? 'Sending…' : 'Send test email'}
            </button>
          </div>
        ) : null}
        <DataTable
          rows={items}
          rowKey={(a) => a.id}
          selection={isAdmin ? { ...selection, allLabel: 'Select all accounts', rowLabel: (a) => `Select ${a.address}` } : undefined}
          columns={[
            {
              header: 'Sender',
              cell: (a) => (
                <>
                  <Link to={`/accounts/${a.id}`}>{a.fromName ? `${a.fromName} <${a.address}>` : a.address}</Link>
                  {a.login ? <div className="muted small">login {a.login}</div> : null}
                </>
              ),
            },
            { header: 'Server', cell: (a) => serverName(a.serverId) },
            {
              header: 'Password',
              // An OAuth2 account logs in with tokens, not a password; a reference is read when sending, whatever passwordSet says.
              cell: (a) =>
                a.auth.type === 'oauth2' ? (
                  <Badge kind="info">OAuth2 ({a.auth.provider})</Badge>
                ) : a.passwordRef ? (
                  <Badge kind="info">{a.passwordRef.split(':')[0]} reference</Badge>
                ) : a.passwordSet ? (
                  <Badge kind="ok">set</Badge>
                ) : (
                  <Badge>not set</Badge>
                ),
            },
            {
              header: 'State',
              cell: (a) => (
                <>
                  {a.active ? <Badge kind="ok">active</Badge> : <Badge>inactive</Badge>} {a.source === 'env' ? <Badge kind="info">env</Badge> : null}
                </>
              ),
            },
          ]}
          actions={(a) => (
            <>
              {isAdmin ? (
                <button type="button" className="btn btn-small" onClick={() => void testConnection(a)} disabled={test.busy}>
                  Test connection<span className="sr-only"> of {a.address}</span>
                </button>
              ) : null}
              <Link to={`/accounts/${a.id}`} className="btn btn-small">
                {isAdmin ? 'Edit' : 'View'}
                <span className="sr-only"> {a.address}</span>
              </Link>
              {isAdmin ? <ConfirmButton label="Delete" srLabel={a.address} className="btn btn-small btn-danger" question={`Delete ${a.address}?`} onConfirm={() => void remove(a)} busy={del.busy && deleting === a.id} /> : null}
            </>
          )}
          below={(a) =>
            del.error && deleting === a.id ? (
              <tr className="subrow">
                <td colSpan={isAdmin ? 6 : 5}>
                  <ErrorBox error={del.error} title="Not deleted" />
                </td>
              </tr>
            ) : null
          }
        />
      </ListState>
      <ErrorBox error={sending.error} />
      {sent.length > 0 ? (
        <section className="card" aria-label="Test emails">
          <h2>Test emails</h2>
          <ul className="plain-list">
            {sent.map((s) => (
              <li key={s.accountId}>
                {s.messageId ? <MessageWatch messageId={s.messageId} label={s.address} /> : <ErrorBox title={s.address} error={s.error} />}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {diag ? (
        <section className="card" aria-label={`Connection test for ${diag.account.address}`}>
          <h2>Connection test: {diag.account.address}</h2>
          <ErrorBox error={test.error} />
          <DiagnosticSteps result={diag.result} running={test.busy} />
        </section>
      ) : test.error ? (
        <ErrorBox error={test.error} title="Test not run" />
      ) : null}
    </>
  );
}
