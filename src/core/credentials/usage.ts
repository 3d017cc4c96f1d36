import type { Repositories } from '../ports.js';
import { parseSecretRef, type SecretRef } from './references.js';

/** Ids of the accounts whose password reference matches `test` (a provider or a named secret being removed). */
export async function accountsUsing(repos: Repositories, test: (ref: SecretRef) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const a of await repos.accounts.list()) {
    if (!a.passwordRef) continue;
    try {
      if (test(parseSecretRef('passwordRef', a.passwordRef))) out.push(a.id);
    } catch {
      // A reference written by an older version that no longer parses uses nothing.
    }
  }
  return out;
}
