import type { Actor } from '../kernel/audit.js';

/** How long the admin has to sign in at the provider after pressing Connect. */
export const CONNECT_FLOW_MINUTES = 10;

/**
 * A "Connect" sign-in as the way back finds it (GET /oauth2/callback): unknown to this process,
 * or open, expired or spent (a code exchanged, a refusal), with the account it is for and who
 * pressed Connect; `sameBrowser` when the returning browser holds the key of the one that did.
 */
export type FlowState = { status: 'unknown' } | { status: 'open' | 'expired' | 'spent'; accountId: string; startedBy: Actor; sameBrowser: boolean };
