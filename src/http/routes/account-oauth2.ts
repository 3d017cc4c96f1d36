import type { FastifyInstance, FastifyRequest } from 'fastify';
import { oauth2Account } from '../../core/senders/account-oauth2.service.js';
import type { Ports } from '../../ports.js';
import { principalRef } from '../../core/access/still-permitted.js';
import { actorOf, principalOf } from '../auth.js';
import { flowCookieName, flowCookieOptions, OAUTH2_CALLBACK_PATH } from '../oauth2-flow-cookie.js';
import { idParams } from '../schemas.js';

type IdParams = { Params: { id: string } };

/** The redirect URI to register at the provider: this server's own callback, as the browser reaches it. */
function callbackUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}${OAUTH2_CALLBACK_PATH}`;
}

/** OAuth2 accounts: token health, a check now, and "Connect with Microsoft / Google" (the way back: oauth2-callback.ts). */
export function accountOAuth2Routes({ ctx, oauth2 }: Pick<Ports, 'ctx' | 'oauth2'>) {
  return async (app: FastifyInstance) => {
    const tags = ['accounts'];
    app.get<IdParams>('/accounts/:id/oauth2', { config: { permission: 'read' }, schema: { tags, params: idParams } }, async (req) => {
      const account = await oauth2Account(ctx, req.params.id);
      return { health: oauth2.health(account), redirectUri: callbackUrl(req), lastConnect: await oauth2.lastConnect(account.id) };
    });
    app.post<IdParams>('/accounts/:id/oauth2/check', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req) => oauth2.check(await oauth2Account(ctx, req.params.id)));
    app.post<IdParams>('/accounts/:id/oauth2/connect', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req, reply) => {
      const account = await oauth2Account(ctx, req.params.id, { current: true });
      const redirectUri = callbackUrl(req);
      const { authorizeUrl, expiresAt, state, browserKey } = await oauth2.start(account, redirectUri, { ...actorOf(req), principal: principalRef(principalOf(req)) });
      // The browser that pressed Connect keeps the sign-in's key: the way back is its own.
      reply.setCookie(flowCookieName(state), browserKey, flowCookieOptions(req, Math.ceil((expiresAt - ctx.clock.now()) / 1000)));
      return { authorizeUrl, redirectUri, expiresAt };
    });
  };
}
