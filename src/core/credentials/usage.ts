import { inUseError } from '../kernel/in-use.js';
import type { Repositories } from '../ports.js';
import { parseSecretRef, type SecretRef } from './references.js';

/**
 * Ids of the accounts reading a secret through a reference that matches `test` (a provider or
 * a named secret being removed, or listed with its users): the password reference, and an
 * OAuth2 account's client secret reference, which the account needs for every token it gets.
 */
export async function accountsUsing(repos: Repositories, test: (ref: SecretRef) => boolean): Promise<string[]> {
  return (await accountsReading(repos, test)).map((a) => a.id);
}

/** The accounts (id and address) reading a secret through a reference that matches `test`. */
async function accountsReading(repos: Repositories, test: (ref: SecretRef) => boolean): Promise<{ id: string; address: string }[]> {
  const out: { id: string; address: string }[] = [];
  for (const a of await repos.accounts.list()) {
    const refs = [a.passwordRef, a.auth.type === 'oauth2' ? a.auth.clientSecretRef : null];
    if (refs.some((text) => text && matches(text, test))) out.push({ id: a.id, address: a.address });
  }
  return out;
}

/**
 * Refuses removing `what` (`secret provider "corp vault"`) while accounts read a secret through
 * it, naming each by its address (409 MAILROOM_E_IN_USE, `details.accountIds`), as every other
 * refusal to delete something in use does: the admin learns which accounts to point elsewhere.
 */
export async function refuseWhileRead(repos: Repositories, what: string, test: (ref: SecretRef) => boolean): Promise<void> {
  const users = await accountsReading(repos, test);
  const refusal = inUseError(what, [{ kind: 'accountIds', noun: ['account', 'accounts'], items: users.map((a) => ({ id: a.id, shown: a.address })) }], 'point them at another secret first');
  if (refusal) throw refusal;
}

function matches(text: string, test: (ref: SecretRef) => boolean): boolean {
  try {
    return test(parseSecretRef('passwordRef', text));
  } catch {
    // A reference written by an older version that no longer parses uses nothing.
    return false;
  }
}
