import type { FastifyInstance, FastifyRequest } from 'fastify';
import { oauth2Account, storeConnectedRefreshToken } from '../../core/senders/account-oauth2.service.js';
import { isMailroomError } from '../../core/kernel/errors.js';
import type { Ports } from '../../ports.js';
import { actorOf } from '../auth.js';
import { idParams } from '../schemas.js';

type IdParams = { Params: { id: string } };
type Callback = { Querystring: { state?: string; code?: string; error?: string; error_description?: string } };

export const OAUTH2_CALLBACK_PATH = '/api/v1/oauth2/callback';

/** The redirect URI to register at the provider: this server's own callback, as the browser reaches it. */
function callbackUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}${OAUTH2_CALLBACK_PATH}`;
}

/** Back to the account page with a word on the outcome (never a token; the reason is the provider's error name). */
function backToAccount(accountId: string, outcome: 'connected' | 'failed', reason?: string): string {
  const q = new URLSearchParams({ oauth2: outcome, ...(reason ? { reason: reason.slice(0, 300) } : {}) });
  return `/accounts/${encodeURIComponent(accountId)}?${q.toString()}`;
}

/** OAuth2 accounts: token health, a check now, and "Connect with Microsoft / Google". */
export function accountOAuth2Routes({ ctx, oauth2 }: Pick<Ports, 'ctx' | 'oauth2'>) {
  return async (app: FastifyInstance) => {
    const tags = ['accounts'];
    app.get<IdParams>('/accounts/:id/oauth2', { config: { permission: 'read' }, schema: { tags, params: idParams } }, async (req) => {
      const account = await oauth2Account(ctx, req.params.id);
      return { health: oauth2.health(account), redirectUri: callbackUrl(req) };
    });
    app.post<IdParams>('/accounts/:id/oauth2/check', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req) => oauth2.check(await oauth2Account(ctx, req.params.id)));
    app.post<IdParams>('/accounts/:id/oauth2/connect', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req) => {
      const account = await oauth2Account(ctx, req.params.id);
      const redirectUri = callbackUrl(req);
      const { authorizeUrl, expiresAt } = oauth2.start(account, redirectUri);
      return { authorizeUrl, redirectUri, expiresAt };
    });
    // The provider sends the admin's browser here; their session (admin) is what completes it.
    app.get<Callback>(
      '/oauth2/callback',
      {
        config: { permission: 'admin' },
        schema: {
          tags,
          // Open: providers add parameters of their own (session_state, scope, iss), and an empty
          // error_description is theirs to send (src/http/query-parameters.ts closes the others).
          querystring: { type: 'object', additionalProperties: true, properties: { state: { type: 'string', maxLength: 200 }, code: { type: 'string', maxLength: 4000 }, error: { type: 'string', maxLength: 200 }, error_description: { type: 'string', maxLength: 2000 } } },
        },
      },
      async (req, reply) => {
        const pending = req.query.state ? oauth2.pending(req.query.state) : undefined;
        if (!pending) return reply.redirect('/accounts?oauth2=failed&reason=expired');
        if (req.query.error || !req.query.code) return reply.redirect(backToAccount(pending.accountId, 'failed', req.query.error ?? 'no_code'));
        try {
          const account = await oauth2Account(ctx, pending.accountId);
          const result = await oauth2.finish(account, req.query.state!, req.query.code);
          await storeConnectedRefreshToken(ctx, actorOf(req), result.accountId, result.version, result.refreshToken, null);
          return reply.redirect(backToAccount(pending.accountId, 'connected'));
        } catch (err) {
          if (!isMailroomError(err)) throw err;
          req.log.warn({ accountId: pending.accountId, code: err.code, err: err.message }, 'OAuth2 connect failed');
          return reply.redirect(backToAccount(pending.accountId, 'failed', err.code));
        }
      },
    );
  };
}
