import { api, type InboundStatus } from '../../api.js';
import { formatDate } from '../../format.js';
import { useInterval, useResource } from '../../hooks.js';
import { DataTable, StatusChip } from '../../ui/index.js';

type Reader = InboundStatus['mailboxes'][number];

/**
 * "412 (+3 quarantined, 2 already stored)": what the reader kept, and what it read and did not
 * store (a message the account has already: the same Message-ID, From, Date and Subject).
 */
function storedCell(b: Reader): string {
  const aside = [b.quarantinedCount ? `+${b.quarantinedCount} quarantined` : '', b.duplicateCount ? `${b.duplicateCount} already stored` : ''].filter(Boolean);
  return `${b.storedCount}${aside.length ? ` (${aside.join(', ')})` : ''}`;
}

/** The IMAP readers of one account: per folder, the state, last sync, last error and next try. */
export function ReaderState({ accountId }: { accountId: string }) {
  const status = useResource(() => api.get<InboundStatus>('/inbound/status'), [accountId]);
  useInterval(status.reload, 10_000, true);
  const rows = (status.data?.mailboxes ?? []).filter((b) => b.accountId === accountId);
  if (!rows.length) return null;
  return (
    <section className="card" aria-labelledby="reader-h">
      <h2 id="reader-h">Reading the mailbox</h2>
      <DataTable
        rows={rows}
        rowKey={(b) => b.folder}
        columns={[
          { header: 'Folder', cell: (b) => <code>{b.folder}</code> },
          { header: 'State', cell: (b) => <StatusChip status={b.state} /> },
          { header: 'Last sync', cell: (b) => (b.lastSyncAt ? formatDate(b.lastSyncAt) : 'not yet') },
          { header: 'Stored', cell: storedCell },
          {
            header: 'Problem',
            cell: (b) =>
              b.lastError ? (
                <span>
                  {b.lastError}
                  {b.nextAttemptAt ? <span className="muted small"> · next try {formatDate(b.nextAttemptAt)}</span> : null}
                </span>
              ) : (
                '—'
              ),
          },
        ]}
      />
    </section>
  );
}
