import type { RelayRejection } from '../../api.js';
import { formatDate } from '../../format.js';
import { usePagedList } from '../../lists.js';
import { Badge, DataTable, Empty, ListState, LoadMore } from '../../ui/index.js';

/** Where in the session a refusal happened, in words. */
const STAGE: Record<RelayRejection['stage'], string> = {
  connect: 'connect',
  auth: 'login',
  mail: 'sender',
  rcpt: 'recipient',
  data: 'message',
  protocol: 'protocol',
};

/** Commands and sessions the relay refused, newest first: who, from where, what they were told. */
export function Rejections({ credentialName }: { credentialName(id: string | null): string | null }) {
  const list = usePagedList<RelayRejection>('/relay/rejections', { limit: 50 });
  return (
    <section className="card" aria-labelledby="rejections-h">
      <div className="page-header">
        <h2 id="rejections-h">Refused sessions</h2>
        <button type="button" className="btn btn-small" onClick={list.restart}>
          Refresh
        </button>
      </div>
      <p className="muted small">Logins that failed, senders and recipients not allowed, messages too large or with bare line feeds, clients speaking HTTP to the port… Kept 30 days.</p>
      <ListState list={list} empty={<Empty title="Nothing refused yet" />}>
        <DataTable
          rows={list.items}
          rowKey={(r) => r.id}
          columns={[
            { header: 'When', cell: (r) => <span className="nowrap">{formatDate(r.at)}</span> },
            { header: 'Client', cell: (r) => <code>{r.clientIp ?? '—'}</code> },
            { header: 'Credential', cell: (r) => credentialName(r.credentialId) ?? (r.username ? <span>tried “{r.username}”</span> : <span className="muted">not logged in</span>) },
            { header: 'Stage', cell: (r) => <Badge kind={r.code >= 500 ? 'bad' : 'warn'}>{STAGE[r.stage]}</Badge> },
            { header: 'Reply', cell: (r) => <code className="wrap">{r.reply}</code> },
          ]}
        />
        <LoadMore list={list} label="Load older refusals" />
      </ListState>
    </section>
  );
}
