import type { MailAccount, MailServer } from '../../api.js';
import { useList, useRemove } from '../../lists.js';
import { Link } from '../../router.js';
import { Badge, ConfirmButton, DataTable, Empty, ErrorBox, ListState, NewItemLink, PageHeader } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { useMailDriver } from '../routing/settings.js';
import { LogDriverLock } from './LogDriverLock.js';
import { rateSummary } from './RateLimitFields.js';

const SECURITY_LABEL = { starttls: 'STARTTLS', tls: 'Implicit TLS', none: 'None' } as const;

export function Servers() {
  const { can } = useSession();
  const servers = useList<MailServer>('/servers');
  const accounts = useList<MailAccount>('/accounts');
  const del = useRemove(servers, (s: MailServer) => `/servers/${s.id}`);
  const locked = useMailDriver() === 'log';
  const isAdmin = can('admin') && !locked;

  return (
    <>
      <PageHeader
        title="Mail servers"
        subtitle="The SMTP servers Mailroom delivers through. Many accounts can share one server."
        actions={isAdmin ? <NewItemLink to="/servers/new">Add server</NewItemLink> : null}
      />
      {locked ? <LogDriverLock /> : null}
      <ErrorBox error={del.error} title="Not deleted" />
      <ListState
        list={servers}
        empty={
          <Empty title="No mail server yet">
            {isAdmin ? (
              <p>
                Add one here or let the <Link to="/setup">setup wizard</Link> guide you through a provider preset.
              </p>
            ) : (
              <p>An admin has to add one before Mailroom can send mail.</p>
            )}
          </Empty>
        }
      >
        <DataTable
          rows={servers.items}
          rowKey={(s) => s.id}
          columns={[
            { header: 'Name', cell: (s) => <Link to={`/servers/${s.id}`}>{s.name}</Link> },
            {
              header: 'Host',
              cell: (s) =>
                s.smtp.mode === 'direct' ? (
                  <>
                    <Badge kind="info" title="No relay: each recipient domain's mail exchanger (MX)">direct</Badge> <code>MX:{s.smtp.port}</code>
                  </>
                ) : (
                  <code>
                    {s.smtp.host}:{s.smtp.port}
                  </code>
                ),
            },
            {
              header: 'Encryption',
              cell: (s) => (
                <>
                  {s.smtp.mode === 'direct' ? (s.smtp.requireTls ? 'TLS required' : 'STARTTLS when offered') : SECURITY_LABEL[s.smtp.security]}
                  {s.smtp.tlsTrust.mode === 'any' ? (
                    <Badge kind="bad" title="Certificates are not checked">
                      trusts any certificate
                    </Badge>
                  ) : null}
                </>
              ),
            },
            { header: 'Accounts', cell: (s) => (accounts.data ? accounts.items.filter((a) => a.serverId === s.id).length : '…') },
            { header: 'Limits', cell: (s) => rateSummary(s.rateLimit) ?? <span className="muted">none</span> },
            { header: 'Source', cell: (s) => <Badge kind={s.source === 'env' ? 'info' : 'neutral'}>{s.source}</Badge> },
          ]}
          actions={(s) => (
            <>
              <Link to={`/servers/${s.id}`} className="btn btn-small">
                {isAdmin ? 'Edit' : 'View'}
                <span className="sr-only"> {s.name}</span>
              </Link>
              {isAdmin ? <ConfirmButton label="Delete" srLabel={s.name} className="btn btn-small btn-danger" question={`Delete server “${s.name}”?`} onConfirm={() => void del.remove(s)} busy={del.busy} /> : null}
            </>
          )}
        />
      </ListState>
    </>
  );
}
