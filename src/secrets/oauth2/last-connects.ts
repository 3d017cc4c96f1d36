import type { ConnectOutcome, LastConnect } from '../../core/senders/oauth2-connect-outcome.js';

/** How many accounts' last Connect outcome this process remembers (the oldest goes first). */
const MAX_ACCOUNTS = 1000;

/**
 * The last "Connect" outcome per account, as this process saw the browser come back: the
 * account's page reads it to say what happened in full (the address it lands on carries only
 * the reason). Kept in memory like the sign-ins themselves, so it is gone after a restart.
 */
export class LastConnects {
  private byAccount = new Map<string, LastConnect>();

  record(accountId: string, outcome: ConnectOutcome, at: number): void {
    // Re-inserted, so the Map's order is the order of the last outcomes and the oldest goes first.
    this.byAccount.delete(accountId);
    this.byAccount.set(accountId, { ...outcome, at });
    for (const oldest of this.byAccount.keys()) {
      if (this.byAccount.size <= MAX_ACCOUNTS) break;
      this.byAccount.delete(oldest);
    }
  }

  of(accountId: string): LastConnect | null {
    return this.byAccount.get(accountId) ?? null;
  }
}
