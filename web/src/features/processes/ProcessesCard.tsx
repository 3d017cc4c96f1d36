import { api, type ProcessList } from '../../api.js';
import { formatDate } from '../../format.js';
import { useInterval, useResource } from '../../hooks.js';
import { Badge, DataTable, ErrorBox, Spinner } from '../../ui/index.js';

type Process = ProcessList['items'][number];

/** What a process runs, in the words of the operations guide. */
const PARTS: Record<Process['runs'][number], string> = {
  api: 'API',
  delivery: 'delivery',
  webhooks: 'webhooks',
  inbound: 'IMAP readers',
  relay: 'SMTP relay',
  retention: 'retention',
  'search-index': 'search index',
};

function roleCell(p: Process) {
  // `mailroom start --no-workers` runs the API alone; said as the command an operator typed.
  const command = p.role === 'worker' ? 'mailroom worker' : p.runs.length === 1 && p.runs[0] === 'api' ? 'mailroom start --no-workers' : 'mailroom start';
  return (
    <>
      <code>{command}</code>
      <div className="muted small">
        {p.runs.length ? p.runs.map((r) => PARTS[r] ?? r).join(', ') : 'no workers'}
        {/* MAILROOM_MAIL_DRIVER=log: what it delivers is only logged, which an operator must see here. */}
        {p.mailDriver === 'log' ? ' · log driver: no mail is sent' : null}
      </div>
    </>
  );
}

/**
 * The Mailroom processes on this database (GET /processes): each with its host, pid, version and
 * what it runs, alive or gone with when it was last seen. A killed process stays listed as gone
 * (for a day) rather than vanishing: that it is gone is the news.
 */
export function ProcessesCard() {
  const list = useResource(() => api.get<ProcessList>('/processes'), []);
  useInterval(list.reload, 10_000, true);
  const rows = list.data?.items;
  return (
    <section className="card" aria-labelledby="processes-h" data-testid="processes">
      <h2 id="processes-h">Processes</h2>
      <p className="muted small">The Mailroom processes on this database, each seen by its heartbeat every 10 seconds; one not seen for 30 seconds is gone.</p>
      {rows ? (
        <DataTable
          rows={rows}
          rowKey={(p) => p.id}
          rowProps={(p) => ({ 'data-process': p.id, 'data-alive': String(p.alive) })}
          columns={[
            {
              header: 'Process',
              cell: (p) => (
                <>
                  {p.hostname} · pid {p.pid} {p.self ? <Badge kind="info">this one</Badge> : null}
                  <div className="muted small">
                    <code>{p.id}</code>
                  </div>
                </>
              ),
            },
            { header: 'Runs', cell: roleCell },
            { header: 'Version', cell: (p) => p.version },
            { header: 'Started', cell: (p) => formatDate(p.startedAt) },
            {
              header: 'State',
              cell: (p) =>
                p.alive ? (
                  <Badge kind="ok">alive</Badge>
                ) : (
                  <>
                    <Badge kind="bad">gone</Badge>
                    <div className="muted small">last seen {formatDate(p.lastSeenAt)}</div>
                  </>
                ),
            },
          ]}
        />
      ) : list.error ? (
        <ErrorBox error={list.error} title="Processes" />
      ) : (
        <Spinner />
      )}
    </section>
  );
}
