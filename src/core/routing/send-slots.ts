import type { Repositories } from '../ports.js';
import type { RateLimit } from '../senders/servers.js';

/**
 * "May this account send now?" Rate limits per minute, hour and day, set on the account
 * and/or on its server (the server's limit is shared by all its accounts). A message over a
 * limit is deferred to the start of the next window, never failed.
 */
export type SendSlot = { allowed: true } | { allowed: false; retryAt: number; reason: string };

const WINDOWS = [
  { key: 'perMinute', window: 'minute', ms: 60_000 },
  { key: 'perHour', window: 'hour', ms: 3_600_000 },
  { key: 'perDay', window: 'day', ms: 86_400_000 },
] as const;

const PRUNE_EVERY_MS = 3_600_000;
/** When this process last forgot old counters of a scope; pruning is housekeeping, not correctness. */
const lastPruned = new Map<string, number>();

interface Limit {
  scope: string;
  label: string;
  window: string;
  ms: number;
  max: number;
}

function limitsOf(scope: string, label: string, rl: RateLimit | null): Limit[] {
  if (!rl) return [];
  return WINDOWS.filter((w) => rl[w.key] !== undefined).map((w) => ({ scope, label, window: w.window, ms: w.ms, max: rl[w.key] as number }));
}

/**
 * Takes one send out of every window that applies, or none at all: when one window is full
 * the ones already taken are given back, and the answer says when the full one reopens.
 * Each counter step is atomic in the store, so several processes share the limits.
 */
export async function reserveSendSlot(repos: Repositories, accountId: string, now: number): Promise<SendSlot> {
  const account = await repos.accounts.get(accountId);
  if (!account) return { allowed: true };
  const server = await repos.servers.get(account.serverId);
  const limits = [...limitsOf(account.id, `account ${account.address}`, account.rateLimit), ...limitsOf(account.serverId, `server "${server?.name ?? account.serverId}"`, server?.rateLimit ?? null)];
  const taken: { scope: string; window: string; start: number }[] = [];
  for (const l of limits) {
    const start = Math.floor(now / l.ms) * l.ms;
    if (await repos.sendCounters.bump(l.scope, l.window, start, l.max)) {
      taken.push({ scope: l.scope, window: l.window, start });
      continue;
    }
    for (const t of taken) await repos.sendCounters.release(t.scope, t.window, t.start);
    return { allowed: false, retryAt: start + l.ms, reason: `${l.label} has sent its ${l.max} per ${l.window}` };
  }
  for (const scope of new Set(limits.map((l) => l.scope))) {
    if (now - (lastPruned.get(scope) ?? 0) < PRUNE_EVERY_MS) continue;
    lastPruned.set(scope, now);
    // Day windows are the longest; anything that started two days ago is over.
    await repos.sendCounters.prune(scope, now - 2 * 86_400_000);
  }
  return { allowed: true };
}
