import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../core/kernel/audit.js';
import { ErrorCodes, isMailroomError } from '../../core/kernel/errors.js';
import type { OAuth2Settings } from '../../core/senders/account-auth.js';
import { currentAccount, storeConnectedRefreshToken } from '../../core/senders/account-oauth2.service.js';
import type { StoredAccount } from '../../core/senders/ports.js';
import type { Ports } from '../../ports.js';
import { CONNECT_FLOW_MINUTES, type FlowState } from '../../core/senders/oauth2-connect-flow.js';
import { CONNECT_REASONS, CONNECTED, connectFailed, type ConnectOutcome } from '../../core/senders/oauth2-connect-outcome.js';
import { flowCookieName, spentFlowCookieOptions } from '../oauth2-flow-cookie.js';
import { stillPermitted } from '../../core/access/still-permitted.js';

/**
 * Where the admin's browser lands: the account's page (or the Accounts list when no account is
 * known) with the outcome in Mailroom's words — `reason` is never the provider's text, which the
 * page reads from GET /accounts/:id/oauth2 `lastConnect` and shows as text.
 */
function landing(accountId: string | null, outcome: 'connected' | 'failed', reason: string | null): string {
  const q = new URLSearchParams({ oauth2: outcome, ...(reason ? { reason } : {}) });
  return `${accountId ? `/accounts/${encodeURIComponent(accountId)}` : '/accounts'}?${q.toString()}`;
}

/** A parameter given once, as text; anything else (left out, given twice) is none. */
function one(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

type Query = Record<string, unknown>;
type KnownFlow = Exclude<FlowState, { status: 'unknown' }>;

/** "Connect with Microsoft / Google": the provider sends the browser back here with a code, or an error. */
export function oauth2CallbackRoutes({ ctx, oauth2 }: Pick<Ports, 'ctx' | 'oauth2'>) {
  /** Exchanges the code and stores the refresh token, in the name of who pressed Connect. */
  const exchange = async (req: FastifyRequest, account: StoredAccount, state: string, code: string, startedBy: Actor): Promise<ConnectOutcome> => {
    const provider = (account.auth as OAuth2Settings).provider;
    try {
      const result = await oauth2.finish(account, state, code);
      // Another way back (in this process or another) spent it first, or it expired meanwhile.
      if (result.status !== 'exchanged') return connectFailed(provider, result.status === 'spent' ? { kind: 'used' } : { kind: 'expired', minutes: CONNECT_FLOW_MINUTES });
      await storeConnectedRefreshToken(ctx, { label: startedBy.label, ip: req.ip }, result.accountId, result.version, result.refreshToken, null);
      return CONNECTED;
    } catch (err) {
      if (!isMailroomError(err)) {
        req.log.error({ err, accountId: account.id }, 'OAuth2 connect failed');
        return connectFailed(provider, { kind: 'exchange', code: ErrorCodes.INTERNAL, message: 'an unexpected error (the log has it)' });
      }
      req.log.warn({ accountId: account.id, code: err.code, err: err.message }, 'OAuth2 connect failed');
      return connectFailed(provider, { kind: 'exchange', code: err.code, message: err.message, hint: (err.details as { hint?: string } | undefined)?.hint });
    }
  };

  /** What the way back came to, for a sign-in of this browser (or an admin's). */
  const outcomeOf = async (req: FastifyRequest, account: StoredAccount, flow: KnownFlow, q: Query, state: string): Promise<ConnectOutcome> => {
    if (account.auth.type !== 'oauth2') return connectFailed('generic', { kind: 'exchange', code: ErrorCodes.INVALID_STATE, message: '' });
    const provider = account.auth.provider;
    if (flow.status === 'expired') return connectFailed(provider, { kind: 'expired', minutes: CONNECT_FLOW_MINUTES });
    if (flow.status === 'spent') return connectFailed(provider, { kind: 'used' });
    // A refusal (consent declined, say), or nothing usable: the sign-in is over either way. Each
    // is said only by the way back that spent it; one that lost the race was a second way back.
    const used = connectFailed(provider, { kind: 'used' });
    if (q.error !== undefined) return (await oauth2.spend(state)) ? connectFailed(provider, { kind: 'refused', error: q.error, description: q.error_description }) : used;
    const code = one(q.code);
    if (!code) return (await oauth2.spend(state)) ? connectFailed(provider, { kind: 'no_code' }) : used;
    // Up to ten minutes have passed since Connect: an admin demoted, disabled or deleted since,
    // or a key revoked, stores no token in their name.
    if (!(await stillPermitted(ctx, flow.startedBy.principal, 'admin'))) {
      return (await oauth2.spend(state)) ? connectFailed(provider, { kind: 'not_permitted', startedBy: flow.startedBy.label }) : used;
    }
    return exchange(req, account, state, code, flow.startedBy);
  };

  return async (app: FastifyInstance) => {
    app.get(
      '/oauth2/callback',
      {
        // Public: the way back is a navigation the provider's page starts, which leaves the
        // session cookie (SameSite=Strict) behind. The sign-in's state and the cookie of the
        // browser that pressed Connect (or an admin's session or key) are what let it complete.
        config: { permission: 'public', foreignQuery: true },
        schema: {
          tags: ['accounts'],
          // Open and untyped: providers add parameters of their own (session_state, scope, iss),
          // and whatever they send must land the browser on a page, never on a JSON refusal.
          querystring: {
            type: 'object',
            additionalProperties: true,
            properties: {
              state: { description: 'The sign-in Connect started.' },
              code: { description: 'The authorization code, when the sign-in succeeded.' },
              error: { description: 'The provider’s error name, when it refused.' },
              error_description: { description: 'The provider’s words about it (shown to the admin as text, at most 300 characters).' },
            },
          },
        },
      },
      async (req: FastifyRequest, reply: FastifyReply) => {
        const q = (req.query ?? {}) as Query;
        const state = one(q.state);
        const flow = state ? await oauth2.lookup(state, req.cookies?.[flowCookieName(state)]) : ({ status: 'unknown' } as const);
        if (flow.status === 'unknown') return reply.redirect(landing(null, 'failed', CONNECT_REASONS.unknown));
        // Whoever else holds the state (a link passed on) neither spends the sign-in nor writes
        // what the account's page says.
        if (!flow.sameBrowser && !req.principal?.permissions.has('admin')) return reply.redirect(landing(flow.accountId, 'failed', CONNECT_REASONS.otherBrowser));
        reply.clearCookie(flowCookieName(state!), spentFlowCookieOptions(req));
        const account = await currentAccount(ctx, flow.accountId);
        if (!account) return reply.redirect(landing(null, 'failed', ErrorCodes.NOT_FOUND));
        const outcome = await outcomeOf(req, account, flow, q, state!);
        // The address says the outcome anyway: a failure to record it for the page lands the browser all the same.
        await oauth2.recordConnect(account.id, outcome).catch((err: unknown) => req.log.warn({ err, accountId: account.id }, 'OAuth2 connect outcome not recorded'));
        return reply.redirect(landing(account.id, outcome.outcome, outcome.reason));
      },
    );
  };
}
