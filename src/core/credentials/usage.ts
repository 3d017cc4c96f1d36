import type { Repositories } from '../ports.js';
import { parseSecretRef, type SecretRef } from './references.js';

/**
 * Ids of the accounts reading a secret through a reference that matches `test` (a provider or
 * a named secret being removed, or listed with its users): the password reference, and an
 * OAuth2 account's client secret reference, which the account needs for every token it gets.
 */
export async function accountsUsing(repos: Repositories, test: (ref: SecretRef) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const a of await repos.accounts.list()) {
    const refs = [a.passwordRef, a.auth.type === 'oauth2' ? a.auth.clientSecretRef : null];
    if (refs.some((text) => text && matches(text, test))) out.push(a.id);
  }
  return out;
}

function matches(text: string, test: (ref: SecretRef) => boolean): boolean {
  try {
    return test(parseSecretRef('passwordRef', text));
  } catch {
    // A reference written by an older version that no longer parses uses nothing.
    return false;
  }
}
