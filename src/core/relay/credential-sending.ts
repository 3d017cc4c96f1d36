import { ErrorCodes, isMailroomError, isStoreUnavailable } from '../kernel/errors.js';
import type { Repositories } from '../ports.js';
import { resolveRoute } from '../routing/routing.js';
import { fromAllowed } from '../routing/sender-identity.js';
import type { MailAccount } from '../senders/accounts.js';
import { relayPrincipal, type SmtpCredential } from './credentials.js';

/**
 * Whom a credential's mail leaves from today, worked out as the relay will for its next message
 * (routing can change under it: an account deactivated, a purpose re-routed, so it is worked out
 * on every read, never stored), and the `allowedFrom` entries that account may not send as. The
 * relay takes a From in `allowedFrom` and only then asks whether the account may use it: an entry
 * it may not is mail refused at the end of DATA (`550 5.7.1`), every time, which no one sees
 * until an application's mail goes missing.
 */
export interface CredentialSending {
  /** The account its mail leaves from; null when no account can send it (see `problem`). */
  accountId: string | null;
  address: string | null;
  /** `allowedFrom` entries that account may not send as (neither its address nor an alias); an "@domain" entry unless the account has that "@domain" alias. */
  refusedFrom: string[];
  /** Why no account sends its mail (a purpose switched off, no account), in words; null when one does. */
  problem: string | null;
}

/** A credential as the API shows it: its settings and whom its mail leaves from now. */
export type CredentialView = SmtpCredential & {
  /** Null only in the answer to a save when the database stopped answering right after it (read it again). */
  sending: CredentialSending | null;
};

/**
 * Whether `account` may send as every address `entry` allows: the address itself, or for
 * "@domain" every address there, which only the account's own "@domain" alias covers (an account
 * that may send as noreply@example.com alone still has app@example.com refused).
 */
function maySendAs(account: Pick<MailAccount, 'address' | 'aliases'>, entry: string): boolean {
  if (entry.startsWith('@')) return account.aliases.some((a) => a.toLowerCase() === entry.toLowerCase());
  const [local = '', domain = ''] = entry.split(/@(?=[^@]*$)/);
  return fromAllowed(account, { local, domain: domain.toLowerCase(), address: entry });
}

export async function credentialSending(repos: Repositories, c: SmtpCredential): Promise<CredentialSending> {
  try {
    const route = await resolveRoute(repos, { purpose: c.purpose ?? '', ...(c.accountId ? { accountId: c.accountId } : {}), principal: relayPrincipal(c) });
    return { accountId: route.account.id, address: route.account.address, refusedFrom: c.allowedFrom.filter((e) => !maySendAs(route.account, e)), problem: null };
  } catch (err) {
    // Routing's refusals are the answer; a database that does not answer (or a fault) is not.
    if (!isMailroomError(err) || isStoreUnavailable(err) || err.code === ErrorCodes.INTERNAL) throw err;
    return { accountId: null, address: null, refusedFrom: [], problem: err.message };
  }
}

/**
 * The credential with `sending`. After a save (`saved`: create, change, rotation) the answer must
 * not fail for it: it may carry a password shown this once. A database that stops answering
 * between the commit and this read gives `sending: null` there instead.
 */
export async function withSending(repos: Repositories, c: SmtpCredential, saved = false): Promise<CredentialView> {
  try {
    return { ...c, sending: await credentialSending(repos, c) };
  } catch (err) {
    if (saved && isStoreUnavailable(err)) return { ...c, sending: null };
    throw err;
  }
}
