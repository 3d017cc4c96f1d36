import { parseMailbox, sameAddress, type Mailbox } from './addresses.js';
import { ErrorCodes, MailroomError } from './errors.js';
import type { MailAccount } from './accounts.js';
import { assertHeaderSafe } from './header-safety.js';

/**
 * Who an account may send as: its own address and its allow-listed aliases (full addresses
 * or "@domain"). Anything else would let one application impersonate another sender.
 */
export function identitiesOf(account: Pick<MailAccount, 'address' | 'aliases'>): string[] {
  return [account.address, ...account.aliases];
}

export function fromAllowed(account: Pick<MailAccount, 'address' | 'aliases'>, m: Mailbox): boolean {
  if (sameAddress(m.address, account.address)) return true;
  return account.aliases.some((a) => (a.startsWith('@') ? m.domain === a.slice(1).toLowerCase() : sameAddress(a, m.address)));
}

/** Parses the message's From once and refuses it unless the account may use it. */
export function assertFromAllowed(account: Pick<MailAccount, 'address' | 'aliases'>, from: string, field = 'from'): Mailbox {
  const m = parseMailbox(field, from);
  if (!fromAllowed(account, m)) {
    throw new MailroomError(
      ErrorCodes.FROM_NOT_ALLOWED,
      `${field}: account ${account.address} may not send as ${m.address}; it may send as ${identitiesOf(account).join(', ')} (an admin can add aliases or "@domain" to the account)`,
      { field, from: m.address, allowed: identitiesOf(account) },
    );
  }
  return m;
}

export interface SenderHeaders {
  from: { name: string | null; address: string };
  replyTo: string | null;
}

/**
 * The From and Reply-To a message goes out with: the account's display name and Reply-To,
 * replaced by the message's own when it gives them (a From it gives must be an allowed
 * identity; its display name wins over the account's).
 */
export function senderHeaders(account: Pick<MailAccount, 'address' | 'aliases' | 'fromName' | 'replyTo'>, message: { from?: string | null; replyTo?: string | null } = {}): SenderHeaders {
  const m = message.from ? assertFromAllowed(account, message.from) : undefined;
  const name = m?.name ?? account.fromName ?? null;
  assertHeaderSafe('from', name);
  const replyTo = message.replyTo ? parseMailbox('replyTo', message.replyTo).address : account.replyTo;
  return { from: { name, address: m?.address ?? account.address }, replyTo };
}
