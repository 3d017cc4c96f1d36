import type { CoreContext } from '../context.js';
import type { MailboxState } from './ports.js';

export interface InboundStatus {
  /** Received messages nobody has marked read. */
  unread: number;
  /** Every folder a reader has opened: cursor, counts and the reader's state (last sync, error, backoff). */
  mailboxes: Omit<MailboxState, 'leaseOwner' | 'leaseUntil'>[];
}

/** The inbox at a glance and each reader's state, for the UI. */
export async function inboundStatus(ctx: CoreContext): Promise<InboundStatus> {
  const repos = ctx.store.repos;
  const [unread, mailboxes] = await Promise.all([repos.inbound.unreadCount(), repos.mailboxes.list()]);
  return { unread, mailboxes: mailboxes.map(({ leaseOwner: _o, leaseUntil: _u, ...rest }) => rest) };
}
