import type { MessageSummary } from '../../api.js';
import { formatShortDate } from '../../format.js';
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
        <span className="chip chip-warn">partly delivered</span> <span className="muted small status-note">{message.rejectedCount} rejected</span>
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
    <div className="muted small delivery-note" title={m.hint ? `${m.hint}\n\nThe server said: ${m.lastError}` : m.lastError}>
      {m.status === 'deferred' && m.nextAttemptAt ? <span className="nowrap">Next try {formatShortDate(m.nextAttemptAt)}. </span> : null}
      {m.hint ?? m.lastError}
    </div>
  );
}

/** An address that may wrap after its @ (then anywhere, see .address-cell) rather than overflow a narrow column. */
export function BreakableAddress({ text }: { text: string }) {
  const at = text.indexOf('@');
  // One element, not loose text nodes: on a phone the table cell is a grid, and each loose node would become a grid item of its own.
  if (at < 0) return <span>{text}</span>;
  return (
    <span>
      {text.slice(0, at + 1)}
      <wbr />
      {text.slice(at + 1)}
    </span>
  );
}
