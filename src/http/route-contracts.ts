import type { RouteOptions } from 'fastify';
import { ErrorCodes, type ErrorCode } from '../core/kernel/errors.js';
import { statusFor } from './error-status.js';
import { ROUTE_CONTRACTS } from './route-contracts.generated.js';

/**
 * What a route answers, as `npm run contracts` (scripts/contracts) read it from the route's
 * handler: per status, the content type and the JSON schema of the body (null: no body), the
 * catalogue codes (without the MAILROOM_E_ prefix) the handler's code can reach, and the parts
 * of the request it reads.
 */
export interface RouteContract {
  responses: Record<string, { contentType: string; schema: Record<string, unknown> | null }>;
  errors: string[];
  /** The parts of the request the handler reads ("body", "query"): each must have a schema. */
  reads: string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What each success status means in Mailroom's API (the document's response descriptions). */
const STATUS_TEXT: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted: stored durably, to be done by the workers',
  '204': 'No Content',
  '302': 'Found: the browser is sent on to the page in Location',
  '503': 'Not ready',
};

/** The contract of a route by method and path as its route file wrote it (the /api/v1 prefix removed). */
export function contractOf(method: string, url: string, prefix: string): RouteContract | undefined {
  return ROUTE_CONTRACTS[`${method} ${url.slice(prefix.length) || '/'}`];
}

/** Whether a schema (or any nested part of it) refuses fields it does not name. */
function refusesUnknown(schema: unknown): boolean {
  return JSON.stringify(schema ?? null).includes('"additionalProperties":false');
}

/**
 * Every code a route can answer: what its own code reaches, plus what the layers around every
 * handler add (src/http/auth.ts, src/http/errors.ts, the store), derived from the route's
 * options the same way those layers decide.
 */
export function routeErrorCodes(route: Pick<RouteOptions, 'method' | 'url' | 'schema' | 'config'>, contract: RouteContract): ErrorCode[] {
  const method = String(route.method);
  const codes = new Set<ErrorCode>([ErrorCodes.INTERNAL]);
  for (const name of contract.errors) codes.add(ErrorCodes[name as keyof typeof ErrorCodes]);
  const schema = (route.schema ?? {}) as { body?: unknown; querystring?: unknown; params?: unknown };
  if (route.url.startsWith('/api/')) {
    const permission = (route.config as { permission?: string } | undefined)?.permission;
    // A bearer key is checked on every /api route (a wrong one is refused even on public routes), against the store.
    for (const c of [ErrorCodes.UNAUTHENTICATED, ErrorCodes.API_KEY_EXPIRED, ErrorCodes.API_KEY_CREATOR_INACTIVE, ErrorCodes.STORE_UNAVAILABLE]) codes.add(c);
    if (permission !== 'public' && permission !== 'authenticated') codes.add(ErrorCodes.FORBIDDEN);
    if (!SAFE_METHODS.has(method) && permission !== 'public') codes.add(ErrorCodes.CSRF);
  }
  if (!SAFE_METHODS.has(method)) {
    // Any write may carry a body (bad JSON, too large, wrong media type, compressed) and meet a
    // full disk, a concurrent duplicate, or a connection lost while its COMMIT was on the way.
    for (const c of [ErrorCodes.MALFORMED_JSON, ErrorCodes.PAYLOAD_TOO_LARGE, ErrorCodes.UNSUPPORTED_CONTENT_ENCODING, ErrorCodes.VALIDATION, ErrorCodes.STORE_FULL, ErrorCodes.STORE_OUTCOME_UNKNOWN]) codes.add(c);
    // A body with fields on a route that takes none is refused by name (src/http/bodiless-routes.ts).
    if (route.url.startsWith('/api/')) for (const c of [ErrorCodes.DUPLICATE, ErrorCodes.UNKNOWN_FIELD]) codes.add(c);
  }
  if (schema.body || schema.querystring || schema.params) codes.add(ErrorCodes.VALIDATION);
  if (refusesUnknown(schema.body) || refusesUnknown(schema.querystring)) codes.add(ErrorCodes.UNKNOWN_FIELD);
  return [...codes].sort();
}

/** The body of every error answer, with the codes this route can answer at this status. */
function errorSchema(codes: ErrorCode[]): Record<string, unknown> {
  return {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', enum: codes },
          message: { type: 'string', description: 'for people; may change' },
          details: { description: 'what the code is about, e.g. { field } for MAILROOM_E_VALIDATION (docs/api.md)' },
        },
      },
    },
  };
}

/**
 * The response schemas of a route for its OpenAPI entry: every answer of its handler and every
 * error status with the codes it can carry. They document; they never rewrite an answer (the
 * server serialises with JSON.stringify whatever schema a route has).
 */
export function responseSchemas(route: Pick<RouteOptions, 'method' | 'url' | 'schema' | 'config'>, contract: RouteContract): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(contract.responses)) {
    const description = STATUS_TEXT[status] ?? `HTTP ${status}`;
    if (answer.schema === null) out[status] = { description, type: 'null' };
    else if (answer.contentType === 'application/json') out[status] = { ...answer.schema, description };
    else out[status] = { description, content: { [answer.contentType]: { schema: answer.schema } } };
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of routeErrorCodes(route, contract)) byStatus.set(statusFor(code), [...(byStatus.get(statusFor(code)) ?? []), code]);
  for (const [status, codes] of byStatus) {
    const own = out[String(status)] as Record<string, unknown> | undefined;
    const schema = { ...errorSchema(codes), description: codes.join(', ') };
    // A status the handler answers itself too (GET /readyz's 503): either body.
    out[String(status)] = own ? { description: `${String(own.description ?? '')} or ${codes.join(', ')}`, anyOf: [own, errorSchema(codes)] } : schema;
  }
  return out;
}
