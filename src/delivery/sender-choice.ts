import type { ClaimedMessage } from '../core/outbox/ports.js';
import type { Repositories } from '../core/ports.js';
import { chooseAttemptAccount, reserveSendSlot, type SendSlot } from '../core/routing/routing.js';
import type { SendTarget } from './smtp/transport.js';

/**
 * "Which account sends this attempt": the routed account first, then along the purpose's
 * failover list after transient failures (inactive accounts skipped). Throws NO_SENDER when
 * none of them is active any more.
 */
export async function senderForAttempt(repos: Repositories, message: ClaimedMessage): Promise<SendTarget> {
  const ids = message.routing.failoverAccountIds?.length ? message.routing.failoverAccountIds : message.accountId ? [message.accountId] : [];
  return chooseAttemptAccount(repos, ids, message.attemptCount);
}

/** "May this account send now": per-account and per-server rate limits; when not, the time to try again. */
export function maySendNow(repos: Repositories, accountId: string, now: number): Promise<SendSlot> {
  return reserveSendSlot(repos, accountId, now);
}
