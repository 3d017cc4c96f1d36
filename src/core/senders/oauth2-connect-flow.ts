import type { Actor } from '../kernel/audit.js';
import type { PrincipalRef } from '../access/still-permitted.js';

/** How long the admin has to sign in at the provider after pressing Connect. */
export const CONNECT_FLOW_MINUTES = 10;

/**
 * A "Connect" sign-in as the way back finds it (GET /oauth2/callback): unknown to the store
 * (forged, or ended more than a day ago), or open, expired or spent (a code exchanged, a
 * refusal), with the account it is for and who pressed Connect; `sameBrowser` when the
 * returning browser holds the key of the one that did.
 */
export type FlowState = { status: 'unknown' } | { status: 'open' | 'expired' | 'spent'; accountId: string; startedBy: ConnectStarter; sameBrowser: boolean };

/**
 * What finishing a sign-in came to: the code exchanged for a refresh token (to store, never
 * shown), or nothing because another way back spent it first (two at the same moment, in any
 * processes: exactly one exchanges) or it expired meanwhile.
 */
export type ConnectFinish = { status: 'exchanged'; accountId: string; version: number; refreshToken: string } | { status: 'spent' | 'expired' };

/**
 * Who pressed Connect: named in the audit (the way back may come without their session), and
 * asked again when the browser comes back whether they may still change accounts.
 */
export interface ConnectStarter extends Actor {
  principal: PrincipalRef;
}
