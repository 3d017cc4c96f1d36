import { parseMailbox, sameAddress, type Mailbox } from '../kernel/addresses.js';
import { ErrorCodes, MailroomError } from '../kernel/errors.js';
import type { MailAccount } from '../senders/accounts.js';

/**
 * Who an account may send as: its own address and its allow-listed aliases (full addresses
 * or "@domain"). Anything else would let one application impersonate another sender.
 */
export function identitiesOf(account: Pick<MailAccount, 'address' | 'aliases'>): string[] {
  return [account.address, ...account.aliases];
}

export function fromAllowed(account: Pick<MailAccount, 'address' | 'aliases'>, m: Mailbox): boolean {
  return sameAddress(m.address, account.address) || matchesIdentity(account.aliases, m);
}

/** Whether `m` is one of `identities`: full addresses (any case) or "@domain" for a whole domain. */
export function matchesIdentity(identities: readonly string[], m: Mailbox): boolean {
  return identities.some((a) => (a.startsWith('@') ? m.domain === a.slice(1).toLowerCase() : sameAddress(a, m.address)));
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

interface SenderFields {
  from: { name?: string; address: string };
  envelopeFrom: string;
}

/**
 * Whether `account` may send as a stored From. One that no longer parses (stored before a
 * stricter rule: a local part over 64 octets) is not allowed: the attempt goes out as the account,
 * instead of throwing at every attempt and leaving the message leased until its lease ran out.
 */
function storedFromAllowed(account: Pick<MailAccount, 'address' | 'aliases'>, address: string): boolean {
  let mailbox;
  try {
    mailbox = parseMailbox('from', address);
  } catch {
    return false;
  }
  return fromAllowed(account, mailbox);
}

/**
 * The sender of one attempt through `account` (after a failover it is not the account the
 * message was routed to): the envelope sender is always the sending account's address (its
 * bounces come back to its mailbox), and the stored From stays only if that account may use
 * it — otherwise the attempt goes out as the account itself, never as someone it may not be.
 */
export function senderOnAccount<M extends SenderFields>(message: M, account: Pick<MailAccount, 'address' | 'aliases' | 'fromName'>): M {
  const keepFrom = storedFromAllowed(account, message.from.address);
  if (keepFrom && message.envelopeFrom === account.address) return message;
  const name = account.fromName ?? message.from.name;
  return { ...message, envelopeFrom: account.address, from: keepFrom ? message.from : { ...(name ? { name } : {}), address: account.address } };
}
