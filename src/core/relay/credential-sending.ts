import { isMailroomError } from '../kernel/errors.js';
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
  /** `allowedFrom` entries that account may not send as (neither its address nor an alias); an "@domain" entry counts when it may send as some address there. */
  refusedFrom: string[];
  /** Why no account sends its mail (a purpose switched off, no account), in words; null when one does. */
  problem: string | null;
}

/** A credential as the API shows it: its settings and whom its mail leaves from now. */
export type CredentialView = SmtpCredential & { sending: CredentialSending };

/** Whether `account` may send as some address `entry` stands for (an address, or "@domain": any address there). */
function maySendAs(account: Pick<MailAccount, 'address' | 'aliases'>, entry: string): boolean {
  if (!entry.startsWith('@')) {
    const [local = '', domain = ''] = entry.split(/@(?=[^@]*$)/);
    return fromAllowed(account, { local, domain: domain.toLowerCase(), address: entry });
  }
  const domain = entry.slice(1).toLowerCase();
  const atDomain = (identity: string) => (identity.startsWith('@') ? identity.slice(1).toLowerCase() : identity.split('@').at(-1)?.toLowerCase()) === domain;
  return atDomain(account.address) || account.aliases.some(atDomain);
}

export async function credentialSending(repos: Repositories, c: SmtpCredential): Promise<CredentialSending> {
  try {
    const route = await resolveRoute(repos, { purpose: c.purpose ?? '', ...(c.accountId ? { accountId: c.accountId } : {}), principal: relayPrincipal(c) });
    return { accountId: route.account.id, address: route.account.address, refusedFrom: c.allowedFrom.filter((e) => !maySendAs(route.account, e)), problem: null };
  } catch (err) {
    if (!isMailroomError(err)) throw err;
    return { accountId: null, address: null, refusedFrom: [], problem: err.message };
  }
}

export async function withSending(repos: Repositories, c: SmtpCredential): Promise<CredentialView> {
  return { ...c, sending: await credentialSending(repos, c) };
}
