import type { DkimSigningOptions } from '../../core/senders/dkim.service.js';
import type { StoredAccount } from '../../core/senders/ports.js';
import type { AttemptReport } from '../../core/outbox/retry-policy.js';
import type { Composable } from './composed-mail.js';
import type { SendTarget } from './transport.js';
import type { SecretLease } from '../../secrets/resolver.js';

/**
 * Messages between the main thread (HTTP, store, dispatcher) and the SMTP thread (the pooled
 * nodemailer transports). Sends and results travel in batches: one postMessage per event-loop
 * turn, not one per message. The target (account and server rows) travels once per version.
 */
export interface SendJob {
  id: number;
  /** Account and server ids and versions: the transports' cache key. */
  key: string;
  /** Present the first time this key is sent (the thread remembers it). */
  target?: SendTarget;
  /** The attempt as sending needs it (composable()): not the whole claimed row. */
  out: Composable;
}

export interface WireError {
  message: string;
  code?: string;
  /** A Mailroom error's advice (details.hint): a password that cannot be read says where to set it. */
  hint?: string;
}

export type ToSmtpThread =
  | { t: 'send'; jobs: SendJob[] }
  | { t: 'password'; req: number; value?: SecretLease; error?: WireError }
  | { t: 'dkim'; req: number; value?: DkimSigningOptions; error?: WireError }
  | { t: 'shed'; reason: string }
  | { t: 'close' };

export type FromSmtpThread =
  | { t: 'done'; results: { id: number; report: AttemptReport }[] }
  | { t: 'password?'; req: number; account: StoredAccount; fresh?: boolean }
  | { t: 'dkim?'; req: number; domain: string }
  | { t: 'warn'; obj: object; msg: string }
  | { t: 'info'; obj: object; msg: string }
  | { t: 'closed' };

/** What the thread needs for direct delivery (workerData): the resolver, the address policy, test trust. */
export interface DirectThreadConfig {
  dnsServers: string[];
  allowPrivateHosts: string[];
  extraCa?: string[];
  mtaStsPort?: number;
}

export const targetKey = (target: SendTarget) => `${target.account.id}@${target.account.version}/${target.server.id}@${target.server.version}`;

export function toWire(err: unknown): WireError {
  const e = err as { message?: unknown; code?: unknown; details?: { hint?: unknown } };
  const hint = e?.details?.hint;
  return { message: typeof e?.message === 'string' ? e.message : String(err), ...(typeof e?.code === 'string' ? { code: e.code } : {}), ...(typeof hint === 'string' ? { hint } : {}) };
}

export function fromWire(w: WireError): Error {
  return Object.assign(new Error(w.message), w.code ? { code: w.code } : {}, w.hint ? { details: { hint: w.hint } } : {});
}
