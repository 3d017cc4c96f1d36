import type { RecipientStatus } from './messages.js';
import type { RetryPolicy } from '../senders/servers.js';
import type { AttemptRoute } from './attempt-route.js';

/**
 * How one attempt's replies turn into per-recipient outcomes and a schedule. The rule
 * (DESIGN.md): network errors, timeouts, TLS failures and 4xx replies are transient; 5xx
 * replies are permanent — per recipient, so a 550 recipient is not retried while a 451 one is.
 */
export type FailureKind = 'network' | 'timeout' | 'tls' | 'auth' | 'protocol' | 'smtp' | 'config';

export interface RecipientReply {
  address: string;
  code: number | null;
  enhancedCode: string | null;
  response: string | null;
  /**
   * Mailroom itself decided this recipient's fate without a server's reply (direct delivery: the
   * domain does not exist, takes no mail, or points at an address the network policy refuses):
   * true ends it for good, false retries it. Absent: the reply code decides.
   */
  permanent?: boolean;
}

/** What a transport reports about one attempt, in words the core understands. */
export interface AttemptReport {
  /** Recipients the server took the message for (DATA accepted). */
  accepted: RecipientReply[];
  /** Recipients refused one by one (RCPT TO), each with its own reply. */
  rejected: RecipientReply[];
  /** Something that stopped the attempt for every recipient not listed above. */
  failure?: {
    kind: FailureKind;
    code: number | null;
    enhancedCode: string | null;
    message: string;
    /** What to change, in plain words, for the usual causes (connection refused, TLS not offered, login refused, timeout …). */
    hint?: string;
  };
  /** The final reply on success (e.g. "250 2.0.0 Ok: queued as …"). */
  response?: string;
  code?: number;
  /**
   * The server may already have accepted the message although the attempt did not end with
   * its acceptance: the whole message went out (the final dot) and then the connection ended,
   * the send timeout passed, or the reply did not fit. `reason` says which, in plain words.
   * Another attempt may deliver a second copy (see stopsRetrying).
   */
  possibleDuplicate?: { reason: string };
  /**
   * The message never reached a connection: it was still waiting for one when the process began
   * to stop. No attempt happened; the outbox returns it to the queue as it was (why: the text).
   */
  notAttempted?: string;
  /** Direct delivery: each recipient domain's transaction (exchanger, TLS, reply). */
  routes?: AttemptRoute[];
}

export interface RecipientOutcome extends RecipientReply {
  status: RecipientStatus;
}

export type AttemptOutcome = 'sent' | 'partial' | 'deferred' | 'failed';

export function isPermanentCode(code: number | null | undefined): boolean {
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** "550 5.1.1 <x>: Recipient address rejected" → "5.1.1". */
export function enhancedCodeOf(response: string | null | undefined): string | null {
  const m = response ? /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(response.trim()) : null;
  return m ? m[1] : null;
}

/**
 * A server's reply as the log stores it: one line, whatever the server sent. A multi-line reply
 * ("550-5.1.1 line one", …, "550 5.1.1 final line") keeps its code and enhanced code once, in
 * front, then each line's own text, so it reads like a one-line reply ("550 5.1.1 line one …
 * final line"). A line that does not continue the first one's code (a broken reply) is kept
 * whole, code and all.
 */
export function replyOnOneLine(reply: string): string {
  const lines = reply
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length < 2) return lines[0] ?? '';
  const first = /^(\d{3})[ -](?:([245]\.\d{1,3}\.\d{1,3})(?= |$))?/.exec(lines[0]);
  if (!first) return lines.join(' ');
  const [, code, enhanced] = first;
  const continued = (l: string) => (l.startsWith(code) && (l[3] === '-' || l[3] === ' ' || l.length === 3) ? l.slice(4).trim() : null);
  const texts = lines.map((l) => {
    const text = continued(l);
    if (text === null) return l;
    return enhanced && (text === enhanced || text.startsWith(`${enhanced} `)) ? text.slice(enhanced.length).trim() : text;
  });
  return [code, enhanced, ...texts].filter(Boolean).join(' ');
}

/**
 * A failure with a 5xx reply is permanent; everything else (4xx, network, timeout, TLS, config,
 * a protocol violation — whose code is whatever the peer sent out of turn) is worth another try.
 */
export function isPermanentFailure(f: NonNullable<AttemptReport['failure']>): boolean {
  return f.kind !== 'network' && f.kind !== 'timeout' && f.kind !== 'tls' && f.kind !== 'config' && f.kind !== 'protocol' && isPermanentCode(f.code);
}

/**
 * Whether an attempt ends the message's automatic retries although no server refused it: the
 * peer received the whole message and then broke the protocol (a 354 to the final dot, say).
 * Such a peer has most likely kept the message and will answer the same way next time, so
 * every retry would deliver another copy (about 290 in three days on the default schedule).
 * A connection lost or a timeout after the dot is still retried: the copy is flagged, not held.
 */
export function stopsRetrying(report: AttemptReport): boolean {
  return Boolean(report.possibleDuplicate) && report.failure?.kind === 'protocol';
}

/** Classifies every pending recipient of one attempt. */
export function classifyAttempt(pending: readonly string[], report: AttemptReport): { recipients: RecipientOutcome[]; outcome: AttemptOutcome } {
  const key = (a: string) => a.toLowerCase();
  const accepted = new Map(report.accepted.map((r) => [key(r.address), r]));
  const rejected = new Map(report.rejected.map((r) => [key(r.address), r]));
  const recipients = pending.map((address): RecipientOutcome => {
    const ok = accepted.get(key(address));
    if (ok && !report.failure) return { ...ok, address, status: 'accepted' };
    const no = rejected.get(key(address));
    if (no) {
      const { permanent, ...reply } = no;
      return { ...reply, address, status: (permanent ?? isPermanentCode(no.code)) ? 'rejected' : 'deferred' };
    }
    const f = report.failure;
    if (!f) return { address, code: null, enhancedCode: null, response: 'the server neither accepted nor refused this recipient', status: 'deferred' };
    const status = isPermanentFailure(f) || stopsRetrying(report) ? 'rejected' : 'deferred';
    // A protocol violation's code is that of the reply that broke the protocol (a 250 sent out of
    // turn, a reply that changed its code): it answered nothing for this recipient, and a success
    // code next to "rejected" would contradict it. The message says what came, in the server's words.
    if (f.kind === 'protocol') return { address, code: null, enhancedCode: null, response: f.message, status };
    return { address, code: f.code, enhancedCode: f.enhancedCode, response: f.message, status };
  });
  const n = (s: RecipientStatus) => recipients.filter((r) => r.status === s).length;
  const outcome: AttemptOutcome =
    n('accepted') === recipients.length ? 'sent' : n('accepted') > 0 ? 'partial' : n('deferred') > 0 ? 'deferred' : 'failed';
  return { recipients, outcome };
}

/**
 * When to try again after `attemptCount` attempts (1 after the first): the backoff list,
 * then the steady interval (default 5 s, 30 s, 5 min, then every 15 min).
 */
export function nextRetryAt(policy: RetryPolicy, attemptCount: number, now: number): number {
  const delaySec = policy.backoffSec[attemptCount - 1] ?? policy.intervalSec;
  return now + delaySec * 1000;
}

/** How long before its expiry a message's last attempt is made, when the backoff would step past it. */
export const LAST_ATTEMPT_MARGIN_MS = 1_000;

/**
 * The message's status after an attempt, from all its recipients' states: anyone still
 * deferred → another attempt; otherwise sent if anyone got it, failed if nobody did.
 * When the backoff's next step lands after the expiry, the last attempt is made just before
 * it instead (a message given 60 s with a 5 min step is tried again at 59 s, not given up
 * at 5 s); expired only when no time is left for one.
 */
export function statusAfterAttempt(
  states: { deferred: number; accepted: number },
  schedule: { policy: RetryPolicy; attemptCount: number; now: number; expireAt: number },
): { status: 'sent' | 'deferred' | 'failed' | 'expired'; nextAttemptAt: number } {
  if (states.deferred > 0) {
    const next = nextRetryAt(schedule.policy, schedule.attemptCount, schedule.now);
    if (next < schedule.expireAt) return { status: 'deferred', nextAttemptAt: next };
    const last = schedule.expireAt - LAST_ATTEMPT_MARGIN_MS;
    if (last - schedule.now >= LAST_ATTEMPT_MARGIN_MS) return { status: 'deferred', nextAttemptAt: last };
    return { status: 'expired', nextAttemptAt: schedule.now };
  }
  return { status: states.accepted > 0 ? 'sent' : 'failed', nextAttemptAt: schedule.now };
}
