import type { FastifyInstance } from 'fastify';
import type { Ports } from '../../ports.js';
import { login, logout } from '../../core/access/sessions.service.js';
import { SESSION_COOKIE, principalOf } from '../auth.js';
import { PUBLIC_BODY_LIMIT_BYTES } from '../public-body-limit.js';

export function sessionRoutes({ ctx, loginThrottle: throttle }: Pick<Ports, 'ctx' | 'loginThrottle'>) {
  return async (app: FastifyInstance) => {
    app.post(
      '/session',
      {
        config: { permission: 'public' },
        // Anyone may post here: a login's few KB, not the API's 40 MiB.
        bodyLimit: PUBLIC_BODY_LIMIT_BYTES,
        schema: {
          tags: ['session'],
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['email', 'password'],
            properties: { email: { type: 'string', maxLength: 320 }, password: { type: 'string', maxLength: 1000 } },
          },
        },
      },
      async (req, reply) => {
        const s = await login(ctx, throttle, req.body, req.ip);
        reply.setCookie(SESSION_COOKIE, s.token, {
          path: '/',
          httpOnly: true,
          sameSite: 'strict',
          secure: req.protocol === 'https',
          expires: new Date(s.expiresAt),
        });
        return { user: s.user, csrfToken: s.csrfToken, expiresAt: new Date(s.expiresAt).toISOString() };
      },
    );
    app.get('/session', { config: { permission: 'authenticated' }, schema: { tags: ['session'] } }, async (req) => {
      const p = principalOf(req);
      return {
        user: req.session?.user ?? null,
        csrfToken: req.session?.csrfToken ?? null,
        principal: { kind: p.kind, label: p.label, role: p.role ?? null, permissions: [...p.permissions] },
      };
    });
    app.delete('/session', { config: { permission: 'authenticated' }, schema: { tags: ['session'] } }, async (req, reply) => {
      if (req.session) await logout(ctx, req.session.tokenHash);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    });
  };
}
