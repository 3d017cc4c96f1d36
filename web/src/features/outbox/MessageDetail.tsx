import { Thread } from './Thread.js';
import { useState } from 'react';
import { api, type MailAccount, type MessageDetail as Message } from '../../api.js';
import { formatBytes, formatDate, smtpReply } from '../../format.js';
import { useAction, useInterval } from '../../hooks.js';
import { useList } from '../../lists.js';
import { Link } from '../../router.js';
import { ConfirmButton, DataTable, Empty, ErrorBox, PageHeader, Spinner, StatusChip, useFocusOnMount } from '../../ui/index.js';
import { Gone } from '../../ui/Gone.js';
import { useItem } from '../../ui/useItem.js';
import { MessageStatus } from './MessageStatus.js';
import { AttemptRoutes } from './AttemptRoutes.js';
import { PossibleDuplicateBadge, PossibleDuplicateNotice } from './PossibleDuplicate.js';
import { useSession } from '../access/session.js';
import { MessageContent } from './MessageContent.js';
import { CANCELLABLE, isFinal, NEVER_SENT, noAttemptWords, RETRYABLE } from './statuses.js';

/** One message: status, routing, every recipient's outcome, every attempt, and its content. */
/** Where a message came from, in words (the `source` field). */
const SOURCES: Record<string, string> = { api: 'through the API', cli: 'from the command line', test: 'as a test email', smtp: 'over SMTP (the relay)', notify: 'by a notification rule' };

export function MessageDetail({ id }: { id: string }) {
  const { can } = useSession();
  // Deleted meanwhile (a 404 from its reload, or from Retry or Cancel): the page says so, and its polling and actions go.
  const msg = useItem(() => api.get<Message>(`/messages/${encodeURIComponent(id)}`), [id]);
  const accounts = useList<MailAccount>('/accounts');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const m = msg.data;
  // While the message is still on its way, keep the page current; a message gone is followed no more.
  useInterval(msg.reload, 2000, !!m && !isFinal(m.status) && !msg.gone);

  const act = async (what: 'retry' | 'cancel') => {
    setDone(null);
    const r = await action.run(() => msg.watch(api.post<{ expireAt?: string; expiryExtended?: boolean }>(`/messages/${encodeURIComponent(id)}/${what}`, {})));
    if (r) {
      // A message scheduled for later (cancelled, then retried) goes back on its schedule, not out now.
      const scheduled = m && Date.parse(m.sendAt) > Date.now() ? ` It goes out as scheduled, ${formatDate(m.sendAt)}.` : '';
      setDone(
        what === 'cancel'
          ? 'Cancelled.'
          : r.expiryExtended
            ? `Queued for another attempt.${scheduled} It now expires ${formatDate(r.expireAt)}: a retry gives the message its original lifetime again, counted from that attempt.`
            : `Queued for another attempt.${scheduled}`,
      );
      msg.reload();
    }
  };
  const accountLabel = (aid: string | null) => (aid ? (accounts.items.find((a) => a.id === aid)?.address ?? aid) : '—');

  if (msg.gone) {
    // Nobody deletes a message by hand: the email log's retention does (or the link is wrong).
    return (
      <Gone
        what="message"
        seen={!!m}
        back="/messages"
        backLabel="Email log"
        deleted="The email log no longer has this message: it was deleted while the page was open, so there is nothing more to follow or to act on."
        missing="The email log has no message with this id: it was deleted (the log’s retention deletes old messages), or the link is wrong."
      />
    );
  }
  if (msg.loading && !m) return <Spinner />;
  if (!m) {
    // Not a 404 (the API or the network failing): the page still says what it is and how to get back.
    return (
      <>
        <PageHeader title="Message" subtitle={<Link to="/messages">← Email log</Link>} />
        <ErrorBox error={msg.error ?? 'Message not found'} />
      </>
    );
  }

  return (
    <>
      <PageHeader
        title={m.subject || '(no subject)'}
        subtitle={<Link to="/messages">← Email log</Link>}
        actions={
          can('operate') ? (
            <>
              {RETRYABLE.includes(m.status) ? (
                m.possibleDuplicate ? (
                  <ConfirmButton label="Retry" question="The server may already have this message. Send it again?" onConfirm={() => void act('retry')} busy={action.busy} className="btn" />
                ) : (
                  <button type="button" className="btn" onClick={() => void act('retry')} disabled={action.busy}>
                    Retry
                  </button>
                )
              ) : null}
              {CANCELLABLE.includes(m.status) ? (
                // Asked first, as Cancel all is: a message cancelled by a slip is not sent unless someone retries it.
                <ConfirmButton label="Cancel sending" question="Cancel this message? It is not sent unless someone retries it." keepLabel="Keep it" onConfirm={() => void act('cancel')} busy={action.busy} />
              ) : null}
            </>
          ) : null
        }
      />
      <ErrorBox error={action.error} />
      {done ? <ActionResult key={done} text={done} /> : null}
      <ErrorBox error={msg.error} />
      {m.possibleDuplicate ? <PossibleDuplicateNotice message={m} /> : null}
      <section className="card">
        <dl className="facts">
          <dt>Status</dt>
          <dd data-testid="message-status">
            <MessageStatus message={m} />
          </dd>
          <dt>From</dt>
          <dd>{m.from ?? '—'}</dd>
          <dt>To</dt>
          <dd>{m.to.join(', ') || '—'}</dd>
          {m.cc.length ? (
            <>
              <dt>Cc</dt>
              <dd>{m.cc.join(', ')}</dd>
            </>
          ) : null}
          {m.bcc.length ? (
            <>
              <dt>Bcc</dt>
              <dd>{m.bcc.join(', ')}</dd>
            </>
          ) : null}
          {m.replyTo ? (
            <>
              <dt>Reply-To</dt>
              <dd>{m.replyTo}</dd>
            </>
          ) : null}
          {m.attachments.length ? (
            <>
              <dt>Attachments</dt>
              <dd>
                <ul className="plain-list" aria-label="Attachments">
                  {m.attachments.map((a, i) => (
                    <li key={i}>
                      {a.filename} <span className="muted small">({a.contentType}, {formatBytes(a.sizeBytes)})</span>
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          ) : null}
          <dt>Submitted</dt>
          <dd>
            {SOURCES[m.source] ?? m.source}
            {m.createdBy ? <span className="muted small"> — {m.createdBy}</span> : null}
          </dd>
          <dt>Purpose</dt>
          <dd>{m.purpose ?? '—'}</dd>
          {m.event ? (
            <>
              <dt>Event</dt>
              <dd data-testid="message-event">
                <Link to={`/events/${encodeURIComponent(m.event.eventId)}`}>{m.event.eventId}</Link>
                <span className="muted small"> — rule {m.event.ruleId}</span>
              </dd>
            </>
          ) : null}
          {m.template ? (
            <>
              <dt>Template</dt>
              <dd data-testid="message-template">
                <Link to={`/templates/${encodeURIComponent(m.template.key)}`}>{m.template.key}</Link> version {m.template.version}, locale {m.template.locale}
              </dd>
            </>
          ) : null}
          <dt>Account</dt>
          <dd>
            {accountLabel(m.routing.accountId ?? m.accountId)}
            {m.routing.reason ? <span className="muted small"> — {m.routing.reason}</span> : null}
          </dd>
          <dt>Created</dt>
          <dd>{formatDate(m.createdAt)}</dd>
          {m.sentAt ? (
            <>
              <dt>Sent</dt>
              <dd>{formatDate(m.sentAt)}</dd>
            </>
          ) : null}
          {m.nextAttemptAt && !isFinal(m.status) ? (
            <>
              <dt>Next attempt</dt>
              <dd>{formatDate(m.nextAttemptAt)}</dd>
            </>
          ) : null}
          {/* Received mail does not expire: the moment it was stored is no deadline. */}
          {m.expireAt && m.direction !== 'in' ? (
            <>
              <dt>Expires</dt>
              <dd>{formatDate(m.expireAt)}</dd>
            </>
          ) : null}
          <dt>ID</dt>
          <dd>
            <code>{m.id}</code>
          </dd>
        </dl>
      </section>

      {/* Received mail has no delivery to its recipients to report (its To and Cc are above). */}
      {m.direction !== 'in' ? (
        <section className="card" aria-labelledby="rcpt-h">
          <h2 id="rcpt-h">Recipients</h2>
          {m.recipients.length ? (
            <DataTable
              rows={m.recipients}
              rowKey={(r) => `${r.address}-${r.kind}`}
              columns={[
                {
                  header: 'Address',
                  cell: (r) => (
                    <>
                      {r.address} {r.kind !== 'to' ? <span className="muted small">({r.kind})</span> : null}
                    </>
                  ),
                },
                {
                  header: 'Status',
                  // A recipient still waiting when the message was cancelled or expired never got it:
                  // it ends as its message did, with the last state it was in beside it.
                  cell: (r) =>
                    NEVER_SENT.includes(m.status) && (r.status === 'pending' || r.status === 'deferred') ? (
                      <>
                        <StatusChip status={m.status} /> <span className="muted small">(was {r.status})</span>
                      </>
                    ) : (
                      <StatusChip status={r.status} />
                    ),
                },
                { header: 'Server reply', label: 'Reply', cell: (r) => <code className="small">{smtpReply(r.code, r.enhancedCode, r.response) || '—'}</code> },
              ]}
            />
          ) : (
            <p className="muted">No per-recipient outcome yet.</p>
          )}
        </section>
      ) : null}

      <Thread m={m} onChanged={msg.reload} />

      <section className="card" aria-labelledby="att-h">
        <h2 id="att-h">Attempts</h2>
        {m.attempts.length ? (
          <ol className="attempts">
            {m.attempts.map((a, i) => (
              <li key={i} className={`attempt attempt-${a.outcome}`}>
                <div className="attempt-head">
                  <StatusChip status={a.outcome} />
                  <span>{formatDate(a.at)}</span>
                  {typeof a.durationMs === 'number' ? <span className="muted small">{a.durationMs} ms</span> : null}
                  <span className="muted small">via {accountLabel(a.accountId)}</span>
                  {a.possibleDuplicate ? <PossibleDuplicateBadge /> : null}
                </div>
                {a.code || a.response ? <pre className="diag-reply">{smtpReply(a.code, a.enhancedCode, a.response)}</pre> : null}
                {a.hint ? <p className="hint attempt-hint">{a.hint}</p> : null}
                {a.routes?.length ? <AttemptRoutes routes={a.routes} /> : null}
              </li>
            ))}
          </ol>
        ) : (
          <Empty title={noAttemptWords(m.status)} />
        )}
      </section>

      <MessageContent message={m} />
    </>
  );
}

/**
 * What Retry or Cancel did, with the focus: the button that was pressed is gone, and a keyboard
 * user would otherwise be thrown back to the top of the page.
 */
function ActionResult({ text }: { text: string }) {
  const ref = useFocusOnMount<HTMLDivElement>();
  return (
    <div className="alert alert-success" role="status" tabIndex={-1} ref={ref}>
      {text}
    </div>
  );
}
