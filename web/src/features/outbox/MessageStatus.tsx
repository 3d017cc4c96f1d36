import type { MessageSummary } from '../../api.js';
import { formatDate } from '../../format.js';
import { StatusChip } from '../../ui/index.js';

/**
 * A message's status as people read it: "sent" with refused recipients is "partly delivered",
 * with how many were refused, never a plain green "sent".
 */
export function MessageStatus({ message }: { message: Pick<MessageSummary, 'status' | 'rejectedCount' | 'to' | 'cc' | 'bcc'> }) {
  const total = message.to.length + message.cc.length + message.bcc.length;
  if (message.status === 'sent' && message.rejectedCount > 0) {
    return (
      <span className="status-partial" title={`${message.rejectedCount} of ${total} recipients refused the message for good; the others have it`}>
        <span className="chip chip-warn">partly delivered</span> <span className="muted small">{message.rejectedCount} rejected</span>
      </span>
    );
  }
  return <StatusChip status={message.status} />;
}

/**
 * Under a log row that did not go (well): what to do about it in plain words when Mailroom
 * recognises the cause (else the server's own words), and when the next attempt comes.
 */
export function DeliveryNote({ message: m }: { message: Pick<MessageSummary, 'status' | 'lastError' | 'hint' | 'nextAttemptAt'> }) {
  if (!m.lastError || m.status === 'sent' || m.status === 'logged') return null;
  return (
    <div className="muted small delivery-note">
      <span className="truncate" title={m.lastError}>
        {m.hint ?? m.lastError}
      </span>
      {m.status === 'deferred' && m.nextAttemptAt ? <span className="nowrap"> · next try {formatDate(m.nextAttemptAt)}</span> : null}
    </div>
  );
}
