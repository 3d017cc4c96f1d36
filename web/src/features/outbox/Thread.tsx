import { api, type MessageDetail, type MessageSummary } from '../../api.js';
import { formatDate } from '../../format.js';
import { useAction } from '../../hooks.js';
import { Link } from '../../router.js';
import { DataTable, ErrorBox, StatusChip } from '../../ui/index.js';
import { useSession } from '../access/session.js';

/**
 * Where a message sits in a conversation: for a received one, the message it answers and its
 * read status (with Mark read / unread) and the reply's own words; for a sent one, the replies
 * and bounces that came back.
 */
export function Thread({ m, onChanged }: { m: MessageDetail; onChanged(): void }) {
  const { can } = useSession();
  const act = useAction();
  if (m.direction === 'in') {
    const toggle = async () => {
      if (await act.run(() => api.patch(`/messages/${m.id}`, { read: !m.read }))) onChanged();
    };
    return (
      <section className="card" aria-labelledby="thread-h">
        <h2 id="thread-h">Received {m.kind === 'reply' ? 'reply' : (m.kind ?? 'mail').replace('_', ' ')}</h2>
        <ErrorBox error={act.error} />
        <p>
          {m.inReplyTo ? (
            <>
              Answers <Link to={`/messages/${m.inReplyTo}`}>the message Mailroom sent</Link>.
            </>
          ) : (
            <span className="muted">Not linked to a message Mailroom sent.</span>
          )}{' '}
          {m.read ? 'Read.' : 'Unread.'}{' '}
          {can('operate') ? (
            <button type="button" className="btn" onClick={() => void toggle()} disabled={act.busy}>
              {m.read ? 'Mark unread' : 'Mark read'}
            </button>
          ) : null}
        </p>
        {m.replyText ? (
          <>
            <h3>The reply's own words</h3>
            <pre className="reply-text">{m.replyText}</pre>
          </>
        ) : null}
      </section>
    );
  }
  const linked = [...m.replies, ...m.bounces].sort((a, b) => (a.id < b.id ? -1 : 1));
  return (
    <section className="card" aria-labelledby="thread-h">
      <h2 id="thread-h">Replies and bounces</h2>
      {linked.length ? (
        <DataTable<MessageSummary>
          rows={linked}
          rowKey={(r) => r.id}
          columns={[
            { header: 'Kind', cell: (r) => <StatusChip status={r.kind ?? 'mail'} /> },
            { header: 'From', cell: (r) => r.from },
            { header: 'Subject', cell: (r) => <Link to={`/messages/${r.id}`}>{r.subject || '(no subject)'}</Link> },
            { header: 'Received', cell: (r) => formatDate(r.createdAt) },
          ]}
        />
      ) : (
        <p className="muted">Nothing came back yet (replies and bounces appear here when the account's mailbox is read).</p>
      )}
    </section>
  );
}
