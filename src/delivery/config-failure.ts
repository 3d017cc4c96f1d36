import type { AttemptReport } from '../core/outbox/retry-policy.js';

/**
 * An attempt stopped by Mailroom's own error before any server answered (a password reference
 * that cannot be read, no OAuth2 token, a provider that is down): its message, and the advice
 * the error carries (what to set, where), so the message's attempt says what the account's
 * Test connection would.
 */
export function configFailure(message: string, err: unknown): NonNullable<AttemptReport['failure']> {
  const hint = (err as { details?: { hint?: unknown } } | null)?.details?.hint;
  return { kind: 'config', code: null, enhancedCode: null, message, ...(typeof hint === 'string' ? { hint } : {}) };
}
