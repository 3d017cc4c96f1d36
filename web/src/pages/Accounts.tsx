import { useState } from 'react';
import { api, notifyChanged } from '../api.js';
import { AccountForm } from '../components/AccountForm.js';
import { AccountTools } from '../components/AccountTools.js';
import { DiagnosticSteps } from '../components/DiagnosticSteps.js';
import { MessageWatch } from '../components/MessageWatch.js';
import { Badge, ConfirmButton, Empty, ErrorBox, PageHeader, Spinner } from '../components/ui.js';
import { useAction, useResource } from '../hooks.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session.js';
import type { DiagnosticResult, MailAccount, MailServer, Page } from '../types.js';

type TestSent = { accountId: string; address: string; messageId?: string; error?: string };

export function Accounts() {
  const { can } = useSession();
  const isAdmin = can('admin');
  const accounts = useResource(() => api.get<Page<MailAccount>>('/accounts'), []);
  const servers = useResource(() => api.get<Page<MailServer>>('/servers'), []);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [to, setTo] = useState('');
  const [sent, setSent] = useState<TestSent[]>([]);
  const [diag, setDiag] = useState<{ account: MailAccount; result: DiagnosticResult | null } | null>(null);
  const del = useAction();
  const test = useAction();
  const sending = useAction();
  const serverName = (id: string) => servers.data?.items.find((s) => s.id === id)?.name ?? id;
  const items = accounts.data?.items ?? [];

  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const testConnection = async (a: MailAccount) => {
    setDiag({ account: a, result: null });
    const r = await test.run(() => api.post<DiagnosticResult>('/diagnostics/smtp', { accountId: a.id }));
    setDiag(r ? { account: a, result: r } : null);
  };

  // One call for all selected accounts; each result then arrives (and is followed) on its own.
  const sendTests = () =>
    sending.run(async () => {
      const chosen = items.filter((a) => selected.has(a.id));
      const r = await api.post<{ results: ({ accountId: string; messageId: string } | { accountId: string; error: { message: string } })[] }>('/accounts/test', {
        accountIds: chosen.map((a) => a.id),
        ...(to.trim() ? { to: to.trim() } : {}),
      });
      setSent(
        r.results.map((x) => ({
          accountId: x.accountId,
          address: chosen.find((a) => a.id === x.accountId)?.address ?? x.accountId,
          ...('messageId' in x ? { messageId: x.messageId } : { error: x.error.message }),
        })),
      );
    });

  const remove = async (a: MailAccount) => {
    const ok = await del.run(async () => {
      await api.del(`/accounts/${a.id}`);
      return true;
    });
    if (ok) {
      notifyChanged();
      accounts.reload();
    }
  };

  return (
    <>
      <PageHeader
        title="Accounts"
        subtitle="Sender identities: the From address, the login and the password Mailroom uses on a server."
        actions={
          isAdmin ? (
            <Link to="/accounts/new" className="btn btn-primary">
              Add account
            </Link>
          ) : null
        }
      />
      <ErrorBox error={accounts.error} />
      <ErrorBox error={del.error} title="Not deleted" />
      {accounts.loading && !accounts.data ? <Spinner /> : null}
      {accounts.data && items.length === 0 ? (
        <Empty title="No account yet">{isAdmin ? <p>Add a server first, then an account that sends through it.</p> : <p>An admin has to add one.</p>}</Empty>
      ) : null}
      {items.length > 0 ? (
        <>
          {isAdmin ? (
            <div className="toolbar" role="group" aria-label="Send test email">
              <span className="muted small">{selected.size} selected</span>
              <label className="inline-field">
                <span>To</span>
                <input type="email" value={to} onChange={(e) => setTo(e.target.value)} placeholder="the account itself" aria-label="Test email recipient" />
              </label>
              <button type="button" className="btn" disabled={selected.size === 0 || sending.busy} onClick={() => void sendTests()}>
                {sending.busy ? 'Sending…' : 'Send test email'}
              </button>
            </div>
          ) : null}
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  {isAdmin ? (
                    <th scope="col">
                      <input
                        type="checkbox"
                        aria-label="Select all accounts"
                        checked={selected.size === items.length}
                        onChange={(e) => setSelected(e.target.checked ? new Set(items.map((a) => a.id)) : new Set())}
                      />
                    </th>
                  ) : null}
                  <th scope="col">Sender</th>
                  <th scope="col">Server</th>
                  <th scope="col">Password</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((a) => (
                  <tr key={a.id}>
                    {isAdmin ? (
                      <td>
                        <input type="checkbox" aria-label={`Select ${a.address}`} checked={selected.has(a.id)} onChange={() => toggle(a.id)} />
                      </td>
                    ) : null}
                    <td data-label="Sender">
                      <Link to={`/accounts/${a.id}`}>{a.fromName ? `${a.fromName} <${a.address}>` : a.address}</Link>
                      {a.login ? <div className="muted small">login {a.login}</div> : null}
                    </td>
                    <td data-label="Server">{serverName(a.serverId)}</td>
                    <td data-label="Password">{a.passwordSet ? <Badge kind="ok">set</Badge> : a.passwordRef ? <Badge kind="info">{a.passwordRef.split(':')[0]} reference</Badge> : <Badge>not set</Badge>}</td>
                    <td data-label="State">
                      {a.active ? <Badge kind="ok">active</Badge> : <Badge>inactive</Badge>} {a.source === 'env' ? <Badge kind="info">env</Badge> : null}
                    </td>
                    <td className="row-actions">
                      {isAdmin ? (
                        <button type="button" className="btn btn-small" onClick={() => void testConnection(a)} disabled={test.busy}>
                          Test connection
                        </button>
                      ) : null}
                      <Link to={`/accounts/${a.id}`} className="btn btn-small">
                        {isAdmin ? 'Edit' : 'View'}
                      </Link>
                      {isAdmin ? <ConfirmButton label="Delete" className="btn btn-small btn-danger" question={`Delete ${a.address}?`} onConfirm={() => void remove(a)} /> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
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

export function AccountEdit({ id }: { id: string }) {
  const { can } = useSession();
  const isNew = id === 'new';
  const account = useResource(() => (isNew ? Promise.resolve(undefined) : api.get<MailAccount>(`/accounts/${id}`)), [id, isNew]);
  const servers = useResource(() => api.get<Page<MailServer>>('/servers'), []);
  return (
    <>
      <PageHeader title={isNew ? 'Add account' : (account.data?.address ?? 'Account')} subtitle={<Link to="/accounts">← All accounts</Link>} />
      <ErrorBox error={account.error ?? servers.error} />
      {(account.loading && !isNew) || servers.loading ? <Spinner /> : null}
      {servers.data && (isNew || account.data) ? (
        <AccountForm
          key={account.data?.version ?? 'new'}
          account={account.data}
          servers={servers.data.items}
          readOnly={!can('admin')}
          onSaved={(a) => (isNew ? navigate(`/accounts/${a.id}`, { replace: true }) : account.reload())}
          onCancel={() => navigate('/accounts')}
        />
      ) : null}
      {can('admin') && account.data && servers.data ? <AccountTools key={account.data.version} account={account.data} server={servers.data.items.find((s) => s.id === account.data?.serverId)} /> : null}
    </>
  );
}
