import { useState } from 'react';
import { api, errorMessage, isNotFound, type MessageDetail } from '../../api.js';
import { useInterval } from '../../hooks.js';
import { Link } from '../../router.js';
import { StatusChip } from '../../ui/index.js';
import { isFinal } from './statuses.js';

/** What a confirmed test email's state means, in words. */
const CONFIRMATION_TEXT: Record<string, string> = {
  pending: 'waiting for the account\'s mailbox to receive it…',
  confirmed: 'received in the account\'s own mailbox',
  bounced: 'bounced: see the bounce in the log',
  timeout: 'not received within 10 minutes',
  reader_failing: 'the account\'s mailbox reader is failing, so it cannot be received until it reads again:',
};

/**
 * Follows one message (a test email) by polling GET /messages/:id until it reaches a final
 * status (and, for a confirmed test email, until its confirmation is settled), so the result
 * "arrives live" without a page reload. A message the log no longer has (a 404: deleted meanwhile)
 * is followed no more, and said to be gone: asking every second would only be refused again.
 */
export function MessageWatch({ messageId, label }: { messageId: string; label?: string }) {
  const [msg, setMsg] = useState<MessageDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [gone, setGone] = useState(false);
  // A failing reader is retried: the test email may still arrive once it reads again.
  const done = msg !== null && isFinal(msg.status) && msg.confirmation !== 'pending' && msg.confirmation !== 'reader_failing';
  useInterval(
    () => {
      api.get<MessageDetail>(`/messages/${encodeURIComponent(messageId)}`).then(
        (m) => {
          setMsg(m);
          setError(null);
        },
        (err: unknown) => (isNotFound(err) ? setGone(true) : setError(errorMessage(err))),
      );
    },
    1000,
    !done && !gone,
  );
  if (gone) {
    return (
      <div className="watch" data-testid="message-watch" data-status="deleted">
        {label ? <span className="watch-label">{label}</span> : null}
        <span className="text-error small" role="status">
          This message was deleted: the email log no longer has it, so its result cannot be followed.
        </span>
      </div>
    );
  }
  const last = msg?.attempts?.[msg.attempts.length - 1];
  return (
    <div className="watch" data-testid="message-watch" data-status={msg?.status ?? 'pending'}>
      {label ? <span className="watch-label">{label}</span> : null}
      <StatusChip status={msg?.status ?? 'queued'} />
      {!done && !msg?.confirmation ? <span className="muted small">waiting for the result…</span> : null}
      {msg?.confirmation ? (
        <span data-testid="confirmation" data-confirmation={msg.confirmation}>
          <StatusChip status={msg.confirmation} /> <span className="muted small">{CONFIRMATION_TEXT[msg.confirmation]}</span>
          {msg.confirmationError ? (
            <>
              {' '}
              <span className="text-error small" data-testid="confirmation-error">
                {msg.confirmationError}
              </span>
            </>
          ) : null}
        </span>
      ) : null}
      {last?.response && msg?.status !== 'sent' ? <code className="small">{last.response}</code> : null}
      {error ? <span className="text-error small">{error}</span> : null}
      <Link to={`/messages/${encodeURIComponent(messageId)}`} className="small">
        Open in the log
      </Link>
    </div>
  );
}
