import { spokenInstant } from '../kernel/instants.js';
import type { CoreContext } from '../context.js';
import type { MessageRecord } from '../outbox/ports.js';
import { NO_READER_TROUBLE, type ReaderTrouble } from './confirmation.js';
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

/**
 * What keeps the pending test emails among `messages` from being confirmed: the failing IMAP
 * readers of their accounts, each with its folder and error (the error names the login it
 * tried, never the password). No query when none is pending.
 */
export async function readerTrouble(ctx: CoreContext, messages: readonly Pick<MessageRecord, 'confirmation' | 'accountId'>[]): Promise<ReaderTrouble> {
  const accounts = new Set(messages.flatMap((m) => (m.confirmation === 'pending' && m.accountId !== null ? [m.accountId] : [])));
  if (!accounts.size) return NO_READER_TROUBLE;
  const only = accounts.size === 1 ? [...accounts][0] : undefined;
  const words = new Map<string, string[]>();
  for (const b of await ctx.store.repos.mailboxes.list(only)) {
    if (b.state !== 'failing' || !accounts.has(b.accountId)) continue;
    const retry = b.nextAttemptAt === null ? '' : `; it tries again at ${spokenInstant(b.nextAttemptAt)}`;
    words.set(b.accountId, [...(words.get(b.accountId) ?? []), `the IMAP reader of "${b.folder}" is failing: ${b.lastError ?? 'no reason recorded'}${retry}`]);
  }
  return new Map([...words].map(([accountId, w]) => [accountId, w.join('; ')]));
}
