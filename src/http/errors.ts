import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCodes, MailroomError, isMailroomError, isStoreUnavailable, type ErrorCode } from '../core/kernel/errors.js';
import { statusFor } from './error-status.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

function body(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Turns Fastify's own failures (bad JSON, schema violations, limits) into catalogue errors. */
function fromFastify(err: FastifyError): MailroomError | undefined {
  if (err.validation) {
    const first = err.validation[0];
    const path = (first?.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
    // A missing property is named by the property, not by the object that lacks it ("subject", not "body").
    const missing = first?.keyword === 'required' ? (first.params as { missingProperty?: string }).missingProperty : undefined;
    if (missing) return new MailroomError(ErrorCodes.VALIDATION, `${path ? `${path}.` : ''}${missing}: is required`, { field: path ? `${path}.${missing}` : missing });
    const where = path || err.validationContext || 'body';
    if (first?.keyword === 'additionalProperties') {
      const extra = (first.params as { additionalProperty?: string }).additionalProperty;
      return new MailroomError(ErrorCodes.UNKNOWN_FIELD, `${where}: unknown field "${extra}"`, { field: where, unknown: [extra] });
    }
    return new MailroomError(ErrorCodes.VALIDATION, `${where}: ${first?.message ?? 'is invalid'}`, { field: where });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new MailroomError(ErrorCodes.MALFORMED_JSON, `the request body is not valid JSON: ${err.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new MailroomError(ErrorCodes.PAYLOAD_TOO_LARGE, 'the request body is larger than this endpoint accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new MailroomError(ErrorCodes.VALIDATION, 'send the body as application/json');
  }
  if (err instanceof SyntaxError) return new MailroomError(ErrorCodes.MALFORMED_JSON, `the request body is not valid JSON: ${err.message}`);
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const known = isMailroomError(err) ? err : fromFastify(err);
    if (known) {
      const status = statusFor(known.code);
      // The store's outages are logged once by the store (not once per refused request).
      if (status >= 500 && !isStoreUnavailable(known)) request.log.error({ err: known }, known.message);
      const retryAfter = (known.details as { retryAfterSec?: number } | undefined)?.retryAfterSec;
      if (retryAfter) reply.header('retry-after', String(retryAfter));
      return reply.status(status).send(body(known.code, known.message, known.details));
    }
    if (typeof err.statusCode === 'number' && err.statusCode < 500) {
      return reply.status(err.statusCode).send(body(ErrorCodes.VALIDATION, err.message));
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send(body(ErrorCodes.INTERNAL, 'an internal error occurred; the server log has the details'));
  });
}

/** The body of a 404 for a path no route serves (the not-found handler is outside the error handler). */
export function notFoundBody(message: string): ErrorBody {
  return body(ErrorCodes.NOT_FOUND, message);
}
