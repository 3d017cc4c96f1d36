import { api, notifyChanged } from '../api.js';
import { ImapTest } from '../components/ImapTest.js';
import { rateSummary } from '../components/RateLimitFields.js';
import { SendTestEmail } from '../components/SendTestEmail.js';
import { ServerForm } from '../components/ServerForm.js';
import { Badge, ConfirmButton, Empty, ErrorBox, Notice, PageHeader, Spinner } from '../components/ui.js';
import { useAction, useResource } from '../hooks.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session.js';
import { useMailDriver } from '../settings.js';
import type { MailAccount, MailServer, Page } from '../types.js';

const SECURITY_LABEL = { starttls: 'STARTTLS', tls: 'Implicit TLS', none: 'None' } as const;

export function LogDriverLock() {
  return (
    <Notice kind="warning">
      <strong>Locked:</strong> the log driver is active (<code>MAILROOM_MAIL_DRIVER=log</code>), so server settings are read-only and no mail leaves Mailroom. Set{' '}
      <code>MAILROOM_MAIL_DRIVER=smtp</code> and restart to edit them.
    </Notice>
  );
}

export function Servers() {
  const { can } = useSession();
  const servers = useResource(() => api.get<Page<MailServer>>('/servers'), []);
  const accounts = useResource(() => api.get<Page<MailAccount>>('/accounts'), []);
  const del = useAction();
  const locked = useMailDriver() === 'log';
  const isAdmin = can('admin') && !locked;

  const remove = async (s: MailServer) => {
    const ok = await del.run(async () => {
      await api.del(`/servers/${s.id}`);
      return true;
    });
    if (ok) {
      notifyChanged();
      servers.reload();
    }
  };

  return (
    <>
      <PageHeader
        title="Mail servers"
        subtitle="The SMTP servers Mailroom delivers through. Many accounts can share one server."
        actions={
          isAdmin ? (
            <Link to="/servers/new" className="btn btn-primary">
              Add server
            </Link>
          ) : null
        }
      />
      {locked ? <LogDriverLock /> : null}
      <ErrorBox error={del.error} title="Not deleted" />
      <ErrorBox error={servers.error} />
      {servers.loading && !servers.data ? <Spinner /> : null}
      {servers.data && servers.data.items.length === 0 ? (
        <Empty title="No mail server yet">
          {isAdmin ? (
            <p>
              Add one here or let the <Link to="/setup">setup wizard</Link> guide you through a provider preset.
            </p>
          ) : (
            <p>An admin has to add one before Mailroom can send mail.</p>
          )}
        </Empty>
      ) : null}
      {servers.data && servers.data.items.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Host</th>
                <th scope="col">Encryption</th>
                <th scope="col">Accounts</th>
                <th scope="col">Limits</th>
                <th scope="col">Source</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {servers.data.items.map((s) => {
                const n = accounts.data?.items.filter((a) => a.serverId === s.id).length;
                return (
                  <tr key={s.id}>
                    <td data-label="Name">
                      <Link to={`/servers/${s.id}`}>{s.name}</Link>
                    </td>
                    <td data-label="Host">
                      <code>
                        {s.smtp.host}:{s.smtp.port}
                      </code>
                    </td>
                    <td data-label="Encryption">
                      {SECURITY_LABEL[s.smtp.security]}
                      {s.smtp.tlsTrust.mode === 'any' ? (
                        <Badge kind="bad" title="Certificates are not checked">
                          trusts any certificate
                        </Badge>
                      ) : null}
                    </td>
                    <td data-label="Accounts">{n ?? '…'}</td>
                    <td data-label="Limits">{rateSummary(s.rateLimit) ?? <span className="muted">none</span>}</td>
                    <td data-label="Source">
                      <Badge kind={s.source === 'env' ? 'info' : 'neutral'}>{s.source}</Badge>
                    </td>
                    <td className="row-actions">
                      <Link to={`/servers/${s.id}`} className="btn btn-small">
                        {isAdmin ? 'Edit' : 'View'}
                      </Link>
                      {isAdmin ? <ConfirmButton label="Delete" className="btn btn-small btn-danger" question={`Delete server “${s.name}”?`} onConfirm={() => void remove(s)} busy={del.busy} /> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

export function ServerEdit({ id }: { id: string }) {
  const { can } = useSession();
  const isNew = id === 'new';
  const driver = useMailDriver();
  const locked = driver === 'log';
  const server = useResource(() => (isNew ? Promise.resolve(undefined) : api.get<MailServer>(`/servers/${id}`)), [id, isNew]);
  const accounts = useResource(() => (isNew ? Promise.resolve(undefined) : api.get<Page<MailAccount>>('/accounts', { serverId: id })), [id, isNew]);
  const own = accounts.data?.items ?? [];
  return (
    <>
      <PageHeader title={isNew ? 'Add mail server' : (server.data?.name ?? 'Mail server')} subtitle={<Link to="/servers">← All servers</Link>} />
      {locked ? <LogDriverLock /> : null}
      <ErrorBox error={server.error} />
      {server.loading && !isNew ? <Spinner /> : null}
      {/* The form waits for the driver, so it never shows editable fields that are about to lock. */}
      {driver !== undefined && (isNew || server.data) ? (
        <ServerForm key={server.data?.version ?? 'new'} server={server.data} readOnly={!can('admin') || locked} onSaved={(s) => (isNew ? navigate(`/servers/${s.id}`, { replace: true }) : server.reload())} onCancel={() => navigate('/servers')} />
      ) : null}
      {can('admin') && server.data && accounts.data ? (
        <>
          <ImapTest key={`imap-${server.data.version}`} server={server.data} accounts={own} />
          <section className="card" aria-labelledby="srv-send-h">
            <h2 id="srv-send-h">Send test email</h2>
            {own.length ? (
              <SendTestEmail accounts={own} idPrefix={`srv-${server.data.id}`} />
            ) : (
              <p className="muted">
                No account uses this server yet. <Link to="/accounts/new">Add an account</Link> to send through it.
              </p>
            )}
          </section>
        </>
      ) : null}
      <ErrorBox error={accounts.error} />
    </>
  );
}
