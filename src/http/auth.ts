import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../core/kernel/audit.js';
import { requirePermission, type Permission, type Principal } from '../core/access/auth.js';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';
import { apiKeyPrincipal } from '../core/access/api-key-auth.js';
import { sessionPrincipal } from '../core/access/sessions.service.js';
import type { User } from '../core/access/users.js';
import type { Ports } from '../ports.js';

export const SESSION_COOKIE = 'mailroom_session';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    session?: { tokenHash: string; csrfToken: string; user: User };
  }
  interface FastifyContextConfig {
    /** The permission a route needs; "public" routes need none. */
    permission?: Permission | 'public' | 'authenticated';
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The principal of an authenticated request; routes call this, never read the field. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new MailroomError(ErrorCodes.UNAUTHENTICATED, 'authentication required');
  return request.principal;
}

export function actorOf(request: FastifyRequest): Actor {
  return { label: principalOf(request).label, ip: request.ip };
}

const NOT_BEARER = 'the Authorization header must be "Bearer <api key>": only API keys are accepted there (or log in with POST /api/v1/session and send its cookie)';

/**
 * Every /api/v1 route is authenticated unless it says `permission: "public"`: a bearer API
 * key, or the session cookie plus the x-csrf-token header on state-changing requests.
 */
export function registerAuth(app: FastifyInstance, { ctx, apiKeyCache }: Pick<Ports, 'ctx' | 'apiKeyCache'>): void {
  // onRequest: before the body is parsed or validated, so strangers learn nothing from schema errors.
  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    // The matched route's path, never the raw URL: the router decodes "/%61pi/v1/users" to the
    // same route as "/api/v1/users", so a check on request.url could be walked around.
    if (!request.routeOptions.url?.startsWith('/api/')) return;
    const needed = request.routeOptions.config?.permission;
    const authz = request.headers.authorization;
    if (authz) {
      const m = /^Bearer\s+(\S+)$/i.exec(authz);
      // Basic (an email and password) or another scheme is no API key: "revoked" would send the
      // caller looking for a key problem they do not have.
      if (!m) throw new MailroomError(ErrorCodes.UNAUTHENTICATED, NOT_BEARER);
      const principal = await apiKeyPrincipal(ctx, apiKeyCache, m[1]);
      if (!principal) throw new MailroomError(ErrorCodes.UNAUTHENTICATED, 'the API key is not valid or has been revoked');
      request.principal = principal;
    } else {
      const token = request.cookies?.[SESSION_COOKIE];
      const session = token ? await sessionPrincipal(ctx, token) : undefined;
      if (session) {
        request.principal = session.principal;
        request.session = { tokenHash: session.tokenHash, csrfToken: session.csrfToken, user: session.user };
        if (!SAFE_METHODS.has(request.method) && needed !== 'public' && !sameToken(request.headers['x-csrf-token'], session.csrfToken)) {
          throw new MailroomError(ErrorCodes.CSRF, 'missing or wrong x-csrf-token header (it is returned by POST /api/v1/session and GET /api/v1/session)');
        }
      }
    }
    if (needed === 'public') return;
    if (!request.principal) {
      throw new MailroomError(ErrorCodes.UNAUTHENTICATED, 'authentication required: send "Authorization: Bearer <api key>" or log in with POST /api/v1/session');
    }
    if (needed && needed !== 'authenticated') requirePermission(request.principal, needed);
    // A route that forgot to declare its permission is treated as admin-only.
    if (!needed) requirePermission(request.principal, 'admin');
  });
}
