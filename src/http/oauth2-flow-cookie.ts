import { createHash } from 'node:crypto';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';

/** Where the provider sends the admin's browser back ("Connect"). */
export const OAUTH2_CALLBACK_PATH = '/api/v1/oauth2/callback';

/**
 * The cookie that ties a sign-in to the browser that pressed Connect. The way back is a
 * navigation the provider's page starts, so the session cookie (SameSite=Strict) stays behind;
 * this one is SameSite=Lax (sent on such a top-level GET), sent to the callback alone, and lives
 * as long as the sign-in. One per sign-in (named from its state), so two tabs connecting two
 * accounts do not overwrite each other's.
 */
export function flowCookieName(state: string): string {
  return `mailroom_oauth2_${createHash('sha256').update(state).digest('hex').slice(0, 16)}`;
}

export function flowCookieOptions(req: FastifyRequest, maxAgeSec: number): CookieSerializeOptions {
  return { path: OAUTH2_CALLBACK_PATH, httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https', maxAge: maxAgeSec };
}

/** To clear it: the same path (and flags), or the browser keeps it. */
export function spentFlowCookieOptions(req: FastifyRequest): CookieSerializeOptions {
  return { path: OAUTH2_CALLBACK_PATH, httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https' };
}
