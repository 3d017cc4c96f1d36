import { useState } from 'react';
import { api, type BulkOutcome, type MailAccount, type MessageSummary } from '../../api.js';
import { formatDate, formatShortDate } from '../../format.js';
import { useAction } from '../../hooks.js';
import { useList, usePagedList } from '../../lists.js';
import { Link, navigate, useLocation } from '../../router.js';
import { BreakableAddress, DeliveryNote, MessageStatus } from './MessageStatus.js';
import { PossibleDuplicateBadge } from './PossibleDuplicate.js';
import { DataTable, Empty, ErrorBox, ListState, LoadMore, PageHeader, StatusChip, useFocusOnMount } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { apiFilter, filterRefusal, filtersFrom, MessageFilters } from './MessageFilters.js';
import { QueueStatus, useOutboxStatus } from './QueueStatus.js';
import { CANCELLABLE, RETRYABLE } from './statuses.js';
import { useBulkCounts } from './bulk-counts.js';
import { bulkQuestion, countRows } from './bulk-question.js';
import { BulkButton } from './BulkButton.js';

/**
 * A bulk call's answer: `next` is where the following call goes on when `more` (without it,
 * a retry whose messages failed again took the same first 10,000 each time); a cancel also says
 * how many matching messages were already being sent (claimed by a worker: it cannot stop them).
 */
type BulkAnswer = BulkOutcome & { next: string | null; sending?: number };

/** Where "run it again for the rest" goes on: the last answer's `next`, for the same action and filter only. */
interface Continuation {
  action: 'retry' | 'cancel';
  filter: string;
  next: string;
}

/** "Cancel requested for 3 messages. 2 more were being sent already: …": what the notice says of an answer. */
function bulkResultText(action: 'retry' | 'cancel', r: BulkAnswer): string {
  const sending = r.sending ?? 0;
  return [
    `${action === 'retry' ? 'Retry' : 'Cancel'} requested for ${r.count} message${r.count === 1 ? '' : 's'}.`,
    sending ? `${sending} matching message${sending === 1 ? ' was' : 's were'} being sent already and cannot be stopped.` : '',
    r.more ? 'More match: run it again for the rest.' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** What a new filter found, said to screen readers (the rows appear far below the filters): the first page's count, and whether older ones match too. */
function foundInWords(n: number, more: boolean, filtered: boolean): string {
  if (n === 0) return filtered ? 'No message matches these filters.' : 'No messages yet.';
  const shown = `${n} message${n === 1 ? '' : 's'}`;
  if (more) return `${shown} shown${filtered ? ' matching these filters' : ''}; older ones can be loaded below.`;
  return filtered ? `${shown} match${n === 1 ? 'es' : ''} these filters.` : `${shown}.`;
}

/**
 * What a bulk retry or cancel did. It takes the focus as it appears: the question that had it is
 * gone, and the focus would fall to the page's start.
 */
function BulkResult({ text }: { text: string }) {
  const ref = useFocusOnMount<HTMLDivElement>();
  return (
    <div className="alert alert-success" role="status" tabIndex={-1} ref={ref} data-testid="bulk-result">
      {text}
    </div>
  );
}

/** The email log: the outbox's status strip, filters, bulk retry/cancel and the messages, newest first. */
export function Messages() {
  const { can } = useSession();
  const { query } = useLocation();
  const filters = filtersFrom(query);
  const filtered = Object.keys(filters).length > 0;
  const forApi = apiFilter(filters);
  const log = usePagedList<MessageSummary>('/messages', forApi);
  const accounts = useList<MailAccount>('/accounts');
  // The strip counts the whole outbox (not the filter), but is fetched again whenever the list is.
  const outbox = useOutboxStatus([JSON.stringify(filters)]);
  // `n` counts the results: each new one is a new notice, which takes the focus.
  const [bulkResult, setBulkResult] = useState<{ text: string; n: number } | null>(null);
  const [continuation, setContinuation] = useState<Continuation | null>(null);
  const bulk = useAction();
  const refresh = () => {
    log.reload();
    outbox.reload();
  };
  const accountLabel = (id: string | null) => (id ? (accounts.items.find((a) => a.id === id)?.address ?? id) : '—');

  // A bulk action is offered only where it can change something: not "Retry all" on sent mail.
  const status = filters.status as MessageSummary['status'] | undefined;
  const canRetryAll = !status || RETRYABLE.includes(status);
  const canCancelAll = !status || CANCELLABLE.includes(status);
  const more = log.cursor !== null;
  const retrying = status ? [status] : RETRYABLE;
  const cancelling = status ? [status] : CANCELLABLE;
  // How many match and how many each action takes; while that is counted, the rows shown say what they can.
  const offered = filters.direction !== 'in' && can('operate') && filtered && log.items.length > 0 && (canRetryAll || canCancelAll);
  const counts = useBulkCounts(forApi, { items: log.items, more, loaded: log.data }, offered, retrying, cancelling);
  const retryQuestion = bulkQuestion('Retry', retrying, counts.retry ?? countRows(log.items, more, retrying), status ? '' : ' Filter by status to leave some out.');
  const cancelQuestion = bulkQuestion('Cancel', cancelling, counts.cancel ?? countRows(log.items, more, cancelling));
  // A refused filter is said at its field in the form, once: not again above the list.
  const refusal = filterRefusal(log.error, filters);

  /** Resolves whether it was done (the result notice then takes the focus), for the question to close. */
  const bulkAction = async (action: 'retry' | 'cancel'): Promise<boolean> => {
    setBulkResult(null);
    const filter = Object.fromEntries(Object.entries(forApi).filter(([, v]) => v));
    const key = JSON.stringify(filter);
    // Run again for the rest: after the messages the last call handled, not from the oldest again.
    const cursor = continuation?.action === action && continuation.filter === key ? continuation.next : undefined;
    const r = await bulk.run(() => api.post<BulkAnswer>(`/messages/${action}`, { filter, ...(cursor ? { cursor } : {}) }));
    if (!r) return false;
    setContinuation(r.more && r.next ? { action, filter: key, next: r.next } : null);
    const text = bulkResultText(action, r);
    setBulkResult((x) => ({ text, n: (x?.n ?? 0) + 1 }));
    refresh();
    return true;
  };

  return (
    <>
      <PageHeader title="Email log" subtitle="Every message Mailroom accepted, with its status and each delivery attempt." />
      <QueueStatus status={outbox} />
      <MessageFilters filters={filters} accounts={accounts.items} onRefresh={refresh} refusal={refusal} />
      {/* Received mail is never sent: retry and cancel do not apply to the inbox. */}
      {filters.direction === 'in' ? null : offered ? (
        <div className="toolbar" role="group" aria-label="Bulk actions">
          <span className="muted small">For every message matching these filters:</span>
          {canRetryAll ? <BulkButton label="Retry all" className="btn btn-small" question={retryQuestion} keepLabel={retryQuestion.one ? 'Leave it' : 'Leave them'} onConfirm={() => bulkAction('retry')} busy={bulk.busy} /> : null}
          {canCancelAll ? <BulkButton label="Cancel all" className="btn btn-small btn-danger" question={cancelQuestion} keepLabel={cancelQuestion.one ? 'Keep it' : 'Keep them'} onConfirm={() => bulkAction('cancel')} busy={bulk.busy} /> : null}
        </div>
      ) : can('operate') && !filtered && log.items.length > 0 ? (
        <p className="muted small">To retry or cancel many messages at once, filter the log first (for example by status).</p>
      ) : null}
      <ErrorBox error={bulk.error} />
      {bulkResult ? <BulkResult key={bulkResult.n} text={bulkResult.text} /> : null}
      <ListState
        list={refusal ? { ...log, error: null } : log}
        found={{ query: JSON.stringify(filters), say: (n) => (refusal ? null : foundInWords(n, more, filtered)) }}
        empty={<Empty title={filtered ? 'No message matches these filters' : 'No messages yet'}>{filtered ? null : <p>Send a test email from the Accounts page to see one here.</p>}</Empty>}>
        <DataTable
          className="log-table"
          rows={log.items}
          rowKey={(m) => m.id}
          rowProps={(m) => ({ className: 'clickable', onClick: () => navigate(`/messages/${m.id}`) })}
          columns={[
            { header: 'Date', className: 'nowrap', cell: (m) => <span title={formatDate(m.createdAt)}>{formatShortDate(m.createdAt)}</span> },
            {
              header: 'Status',
              cell: (m) => (
                <>
                  <MessageStatus message={m} />
                  {m.possibleDuplicate ? <PossibleDuplicateBadge /> : null}
                  {/* A confirmed test email: whether the account's own mailbox received it. */}
                  {m.confirmation ? (
                    <div className="small" data-confirmation={m.confirmation} title={m.confirmationError ?? "Confirmed test email: whether the account's own mailbox received it"}>
                      <StatusChip status={m.confirmation} />
                    </div>
                  ) : null}
                </>
              ),
            },
            {
              header: 'Subject',
              className: 'subject-cell',
              cell: (m) => (
                <>
                  <Link to={`/messages/${m.id}`} title={m.subject.length > 120 ? m.subject : undefined} onClick={(e) => e.stopPropagation()}>
                    {m.read === false ? <strong>{m.subject || '(no subject)'}</strong> : m.subject || '(no subject)'}
                  </Link>
                  {m.direction === 'in' ? <span className="muted small"> · {m.kind?.replace('_', ' ')} from {m.from}</span> : null}
                  <DeliveryNote message={m} />
                </>
              ),
            },
            { header: 'To', className: 'truncate', cell: (m) => m.to.join(', ') },
            { header: 'Purpose', cell: (m) => m.purpose ?? '—' },
            { header: 'Account', className: 'address-cell', cell: (m) => <BreakableAddress text={accountLabel(m.accountId)} /> },
          ]}
        />
      </ListState>
      <LoadMore list={log} label="Load older messages" />
    </>
  );
}
