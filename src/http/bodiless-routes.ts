import type { FastifyInstance } from 'fastify';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';

/**
 * An /api/v1 route without a body schema (retry, cancel, a DELETE, a rotation) reads no body.
 * One with fields is refused (MAILROOM_E_UNKNOWN_FIELD, naming them) rather than ignored:
 * `POST /messages/:id/retry { "sendAt": … }` retried at once while the caller believed the
 * message rescheduled. No body, an empty one and `{}` ask for nothing and are taken.
 */
export function registerBodilessRoutes(server: FastifyInstance): void {
  server.addHook('preValidation', async (req) => {
    if (req.body === undefined || req.routeOptions.schema?.body !== undefined || !req.routeOptions.url?.startsWith('/api/')) return;
    const body = req.body;
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      const unknown = Object.keys(body);
      if (unknown.length === 0) return;
      throw new MailroomError(ErrorCodes.UNKNOWN_FIELD, `body: this route takes no body; unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}`, { field: 'body', unknown });
    }
    throw new MailroomError(ErrorCodes.VALIDATION, 'body: this route takes no body (send none, or {})', { field: 'body' });
  });
}
