import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCodes, MailroomError, isMailroomError, isStoreUnavailable, type ErrorCode } from '../core/kernel/errors.js';
import { throttledWarnings } from '../core/kernel/throttled-warnings.js';
import { BODY_LIMIT_BYTES } from './body-limit.js';
import { DATA_POLICY } from './content-security.js';
import { statusFor } from './error-status.js';
import { boundMessage } from './schema-bounds.js';
import { typeWords, valueKind } from './schema-types.js';

/**
 * The longest path parameter the router takes, in characters after percent-decoding: an email
 * address is at most 320 (and 3 × 320 percent-encoded); anything longer is refused by the router
 * as 400 MAILROOM_E_VALIDATION (field `path`) before any route runs.
 */
export const MAX_PARAM_LENGTH = 1024;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

function body(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** A query parameter given more than once arrives as a list where the route takes one value. */
function repeatedQuery(request: FastifyRequest, field: string): MailroomError | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[field];
  if (!Array.isArray(value)) return undefined;
  return new MailroomError(ErrorCodes.VALIDATION, `${field}: must be given once (it was given ${value.length} times)`, { field });
}

/** The data a validation error's instancePath points into. */
function validatedData(request: FastifyRequest, context: string | undefined): unknown {
  switch (context) {
    case 'body':
      return request.body;
    case 'querystring':
      return request.query;
    case 'params':
      return request.params;
    case 'headers':
      return request.headers;
    default:
      return undefined;
  }
}

/**
 * An Ajv instancePath (a JSON pointer, `/scopes/0`, `/filter/status`) as the API names fields
 * everywhere else (docs/api.md): dots between object keys, `[n]` for an index into a list
 * (`scopes[0]`, `attachments[1].contentType`). A segment is an index only where the data there
 * is a list, so an object key that happens to be a number stays a key.
 */
export function fieldPath(instancePath: string, data?: unknown): string {
  if (!instancePath) return '';
  let node: unknown = data;
  let out = '';
  for (const raw of instancePath.replace(/^\//, '').split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const isIndex = /^(0|[1-9][0-9]*)$/.test(segment) && (Array.isArray(node) || node === undefined);
    out += isIndex ? `[${segment}]` : out ? `.${segment}` : segment;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return out;
}

/** The value an Ajv instancePath (`/filter/status/0`) points at in `data`. */
function valueAt(data: unknown, instancePath: string): unknown {
  let node = data;
  for (const raw of instancePath.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/**
 * What to tell a client that sent null where a type error (`first`) found it: that the field is
 * required, or to leave it out; nothing more for an item of a list or an entry of a map (`to[1]`,
 * `locales.en`), whose field is there. Read from the route's own schema for that part of the
 * request, at the property the error's schemaPath (`#/properties/filter/properties/status/anyOf/0/type`)
 * last names; a property it cannot look up (a schema through a $ref) gets the neutral words.
 */
function nullHint(request: FastifyRequest, context: string | undefined, schemaPath: string, instancePath: string): string | undefined {
  const segments = schemaPath.replace(/^#\/?/, '').split('/').map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));
  const at = segments.lastIndexOf('properties');
  const name = at >= 0 ? segments[at + 1] : undefined;
  const last = instancePath.split('/').at(-1)?.replace(/~1/g, '/').replace(/~0/g, '~');
  if (name === undefined || name !== last || segments.slice(at + 2).some((s) => ['items', 'prefixItems', 'additionalProperties', 'patternProperties'].includes(s))) return undefined;
  const schemas = request.routeOptions.schema as Record<string, unknown> | undefined;
  let parent: unknown = context === 'querystring' ? schemas?.querystring : context === 'body' ? schemas?.body : undefined;
  for (const segment of segments.slice(0, at)) parent = parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[segment] : undefined;
  const properties = parent !== null && typeof parent === 'object' ? (parent as { properties?: Record<string, unknown> }).properties : undefined;
  if (!properties || !(name in properties)) return 'null is not accepted here';
  const required = (parent as { required?: unknown }).required;
  return Array.isArray(required) && required.includes(name) ? 'the field is required' : 'null is not accepted here: leave the field out instead';
}

/** The most characters of allowed values an enum error lists before it says how many more there are. */
const ALLOWED_LIST_CHARS = 200;

/** `"send", "read", "admin"`, cut short (`… and 12 more`) past {@link ALLOWED_LIST_CHARS}. */
export function allowedList(values: readonly unknown[]): string {
  const shown: string[] = [];
  let length = 0;
  for (const v of values) {
    const text = JSON.stringify(v) ?? String(v);
    if (shown.length && length + text.length > ALLOWED_LIST_CHARS) return `${shown.join(', ')} … and ${values.length - shown.length} more`;
    shown.push(text);
    length += text.length + 2;
  }
  return shown.join(', ');
}

/**
 * Every field of the object an additionalProperties error (`first`) found that its schema does
 * not know, in the order sent: Ajv stops at the first (allErrors is off, as it should be for
 * untrusted input), and a client with three misspelt fields would learn of them one request at a
 * time. Read from the route's own schema at the error's schemaPath; where it cannot be looked up
 * (a schema through a $ref), the one Ajv named.
 */
function unknownFields(request: FastifyRequest, context: string | undefined, first: { schemaPath: string; instancePath: string }, data: unknown, named: string): string[] {
  const segments = first.schemaPath.replace(/^#\/?/, '').split('/').map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));
  if (segments.at(-1) !== 'additionalProperties') return [named];
  const schemas = request.routeOptions.schema as Record<string, unknown> | undefined;
  let schema: unknown = context === 'querystring' ? schemas?.querystring : context === 'body' ? schemas?.body : context === 'params' ? schemas?.params : undefined;
  for (const segment of segments.slice(0, -1)) schema = schema !== null && typeof schema === 'object' ? (schema as Record<string, unknown>)[segment] : undefined;
  const value = valueAt(data, first.instancePath);
  if (schema === null || typeof schema !== 'object' || value === null || typeof value !== 'object' || Array.isArray(value)) return [named];
  const { properties = {}, patternProperties = {} } = schema as { properties?: Record<string, unknown>; patternProperties?: Record<string, unknown> };
  const patterns = Object.keys(patternProperties).map((p) => new RegExp(p, 'u'));
  const unknown = Object.keys(value).filter((k) => !Object.hasOwn(properties, k) && !patterns.some((p) => p.test(k)));
  return unknown.includes(named) ? unknown : [named];
}

/** Turns Fastify's own failures (bad JSON, schema violations, limits) into catalogue errors. */
function fromFastify(err: FastifyError, request: FastifyRequest): MailroomError | undefined {
  if (err.validation) {
    const data = validatedData(request, err.validationContext);
    let first = err.validation[0];
    // A field of several forms (anyOf: `to` is an address or a list of them) whose value has one
    // of those forms but fails inside it (`to: ["ann@example.net", 5]`): the error deeper in the
    // value (`to[1]: must be string`) says what is wrong, not the form the value does not have.
    const anyOf = err.validation.find((e) => e.keyword === 'anyOf');
    if (anyOf) {
      const deeper = err.validation.find((e) => e.instancePath.startsWith(`${anyOf.instancePath}/`));
      if (deeper) first = deeper;
    }
    const path = fieldPath(first?.instancePath ?? '', data);
    if (err.validationContext === 'querystring' && first?.keyword === 'type' && path && !/[.[]/.test(path)) {
      const repeated = repeatedQuery(request, path);
      if (repeated) return repeated;
    }
    // No body at all (none sent, or an empty one) where the route takes one.
    if (err.validationContext === 'body' && !path && first?.keyword === 'type' && request.body === undefined) {
      return new MailroomError(ErrorCodes.VALIDATION, 'the request body is missing: send a JSON object with content-type: application/json', { field: 'body' });
    }
    // A missing property is named by the property, not by the object that lacks it ("subject", not "body").
    const missing = first?.keyword === 'required' ? (first.params as { missingProperty?: string }).missingProperty : undefined;
    if (missing) return new MailroomError(ErrorCodes.VALIDATION, `${path ? `${path}.` : ''}${missing}: is required`, { field: path ? `${path}.${missing}` : missing });
    const where = path || err.validationContext || 'body';
    if (first?.keyword === 'additionalProperties') {
      const extra = String((first.params as { additionalProperty?: string }).additionalProperty);
      const unknown = unknownFields(request, err.validationContext, first, data, extra);
      const named = unknown.map((k) => JSON.stringify(k)).join(', ');
      return new MailroomError(ErrorCodes.UNKNOWN_FIELD, `${where}: unknown field${unknown.length > 1 ? 's' : ''} ${named}`, { field: where, unknown });
    }
    // A value outside a fixed list: the message names the list (cut short if long), details carry it whole.
    if (first?.keyword === 'enum') {
      const allowed = (first.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      return new MailroomError(ErrorCodes.VALIDATION, `${where}: must be one of ${allowedList(allowed)}`, { field: where, allowed });
    }
    if (first?.keyword === 'const') {
      const allowed = (first.params as { allowedValue?: unknown }).allowedValue;
      return new MailroomError(ErrorCodes.VALIDATION, `${where}: must be ${allowedList([allowed])}`, { field: where, allowed: [allowed] });
    }
    // A field of several forms (anyOf: an instant is text or a number) fails every branch; the
    // first branch's "must be string" alone would hide that a number is fine too.
    const branches = err.validation.filter((e) => e.instancePath === first?.instancePath && e.keyword === 'type').map((e) => String((e.params as { type?: string }).type));
    const forms = branches.length > 1 && err.validation.some((e) => e.keyword === 'anyOf' && e.instancePath === first?.instancePath) ? typeWords(branches) : undefined;
    if (first?.keyword === 'type') {
      const type = forms ?? typeWords([String((first.params as { type?: string }).type)]);
      const value = valueAt(data, first.instancePath);
      // null where the field takes none: clients that write every field (null for "none") are told
      // to leave it out, or that it is required, rather than only which type it must be.
      if (path && value === null) {
        const hint = nullHint(request, err.validationContext, first.schemaPath, first.instancePath);
        return new MailroomError(ErrorCodes.VALIDATION, `${where}: must be ${type}, not null${hint ? ` (${hint})` : ''}`, { field: where });
      }
      // A query or path parameter is text by nature: only the form it must take is news.
      const was = err.validationContext === 'body' ? `, not ${valueKind(value)}` : '';
      return new MailroomError(ErrorCodes.VALIDATION, `${where}: must be ${type}${was}`, { field: where });
    }
    if (forms) return new MailroomError(ErrorCodes.VALIDATION, `${where}: must be ${forms}`, { field: where });
    const bound = boundMessage(first, valueAt(data, first?.instancePath ?? ''));
    if (bound) return new MailroomError(ErrorCodes.VALIDATION, `${where}: ${bound}`, { field: where });
    return new MailroomError(ErrorCodes.VALIDATION, `${where}: ${first?.message ?? 'is invalid'}`, { field: where });
  }
  switch (err.code) {
    // src/http/bodies.ts parses JSON itself (and says why it fails); these remain for safety.
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new MailroomError(ErrorCodes.MALFORMED_JSON, `the request body is not valid JSON: ${err.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      // A route may hold its body to less than the server's limit (POST /session: public-body-limit.ts).
      const limit = request.routeOptions.bodyLimit ?? BODY_LIMIT_BYTES;
      const size = limit % (1024 * 1024) === 0 ? `${limit / 1024 / 1024} MiB` : `${Math.round(limit / 1024)} KiB`;
      return new MailroomError(ErrorCodes.PAYLOAD_TOO_LARGE, `the request body is larger than ${size} (${limit.toLocaleString('en-US')} bytes), the most ${limit === BODY_LIMIT_BYTES ? 'one request may carry' : 'this endpoint accepts'}`, { maxBytes: limit });
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      // The content-type header does not parse (a body of an unknown type is refused in src/http/bodies.ts).
      return new MailroomError(ErrorCodes.VALIDATION, 'the content-type header does not parse; send the body as application/json', { field: 'content-type', accepted: ['application/json'] });
    // Before routing (the frameworkErrors option): no route and no hooks have run.
    case 'FST_ERR_BAD_URL':
      return new MailroomError(ErrorCodes.VALIDATION, 'the path is not valid: a "%" must start a percent-encoded UTF-8 byte, such as %40 for "@"', { field: 'path' });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new MailroomError(ErrorCodes.VALIDATION, `a path parameter is longer than ${MAX_PARAM_LENGTH} characters, the most any route takes`, { field: 'path', maxLength: MAX_PARAM_LENGTH });
  }
  if (err instanceof SyntaxError) return new MailroomError(ErrorCodes.MALFORMED_JSON, `the request body is not valid JSON: ${err.message}`);
  return undefined;
}

/**
 * 503s that are no fault and no outage of the store: the process is busy (a time all requests
 * share was spent, the rules kept changing under an event) or its template engine cannot render
 * for now. Each is the client's to retry; under a flood, an error line per request buried the
 * log. They are a warning per cause (the code) at most once a minute, with the first request's
 * error and, the next time, how many were left out.
 */
const RETRYABLE_TROUBLE: Partial<Record<ErrorCode, string>> = {
  [ErrorCodes.BUSY]: 'answering 503 MAILROOM_E_BUSY: the process is busy (a time all requests share is spent, or the rules keep changing); clients are told to retry',
  [ErrorCodes.RENDER_UNAVAILABLE]: 'answering 503 MAILROOM_E_RENDER_UNAVAILABLE: the template engine cannot render right now; clients are told to retry',
};

/** Says a retryable trouble at warn, once a minute per cause (throttledWarnings), with the error of the request that said it. */
type TroubleWarning = (request: FastifyRequest, err: MailroomError, cause: string) => void;

function troubleWarning(): TroubleWarning {
  // throttledWarnings decides and words the line (with the count left out); the line is then
  // logged with the request's logger and error, which a plain callback would not have.
  let line: string | undefined;
  const say = throttledWarnings((text) => (line = text));
  return (request, err, cause) => {
    line = undefined;
    say(cause);
    if (line !== undefined) request.log.warn({ err }, line);
  };
}

/** Every error answer: the catalogue code, its status, the documented body. */
function answer(err: FastifyError, request: FastifyRequest, reply: FastifyReply, warnTrouble?: TroubleWarning): FastifyReply {
  const known = isMailroomError(err) ? err : fromFastify(err, request);
  if (known) {
    const status = statusFor(known.code);
    const trouble = RETRYABLE_TROUBLE[known.code];
    // The store's outages are logged once by the store (not once per refused request).
    if (trouble && warnTrouble) warnTrouble(request, known, trouble);
    else if (status >= 500 && !isStoreUnavailable(known)) request.log.error({ err: known }, known.message);
    const retryAfter = (known.details as { retryAfterSec?: number } | undefined)?.retryAfterSec;
    if (retryAfter) reply.header('retry-after', String(retryAfter));
    return reply.status(status).send(body(known.code, known.message, known.details));
  }
  if (typeof err.statusCode === 'number' && err.statusCode < 500) {
    return reply.status(err.statusCode).send(body(ErrorCodes.VALIDATION, err.message));
  }
  request.log.error({ err }, 'unhandled error');
  return reply.status(500).send(body(ErrorCodes.INTERNAL, 'an internal error occurred; the server log has the details'));
}

export function registerErrorHandling(app: FastifyInstance): void {
  // One throttle per server: its warnings are counted per process, not per request.
  const warnTrouble = troubleWarning();
  app.setErrorHandler((err: FastifyError, request, reply) => answer(err, request, reply, warnTrouble));
}

/**
 * Fastify's `frameworkErrors` option: what the router refuses before any route or hook runs (a
 * path that is not valid percent-encoding, a parameter over {@link MAX_PARAM_LENGTH}), answered
 * like every other error. No onSend hook runs here, so the headers every answer carries
 * (src/http/content-security.ts) are set as well.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply
    .header('content-security-policy', DATA_POLICY)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
  void answer(err, request, reply);
}

/**
 * The body of a 404 for a path no route serves (the not-found handler is outside the error
 * handler). Its details name what was not found, as every 404's do (`{ kind, id }` for a
 * resource): here the route, by method and path.
 */
export function notFoundBody(method: string, url: string): ErrorBody {
  const path = url.split('?')[0];
  return body(ErrorCodes.NOT_FOUND, `no route for ${method} ${path}`, { kind: 'route', method, path });
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request (the server's `clientError`
 * event, Fastify's `clientErrorHandler` option), as a catalogue error: a header section over
 * Node's limit, headers or a body that do not arrive in time, anything else that is not HTTP/1.1
 * (a broken request line, header line, chunk or framing, characters a request target may not
 * hold, TLS spoken to the plain port).
 */
export function clientErrorOf(err: NodeJS.ErrnoException & { rawPacket?: Buffer }): MailroomError {
  switch (err.code) {
    case 'HPE_INVALID_URL':
      return new MailroomError(ErrorCodes.VALIDATION, `the request's target (path and query) ${targetFault(err.rawPacket)}; the connection is closed`, { field: 'request' });
    case 'HPE_HEADER_OVERFLOW':
      return new MailroomError(ErrorCodes.HEADERS_TOO_LARGE, `the request's header section is larger than ${maxHeaderSize % 1024 ? `${maxHeaderSize} bytes` : `${maxHeaderSize / 1024} KiB`}, the most this server reads; send fewer or shorter headers`, { maxBytes: maxHeaderSize });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new MailroomError(ErrorCodes.REQUEST_TIMEOUT, 'the request did not arrive in time (its headers, or its body); send it again');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new MailroomError(ErrorCodes.PAYLOAD_TOO_LARGE, 'a chunk extension of the request body is larger than this server reads');
    default:
      return new MailroomError(ErrorCodes.VALIDATION, 'the request is not a valid HTTP/1.1 request (its request line, a header line, the target path or the body framing); the connection is closed', { field: 'request' });
  }
}

/**
 * What a request target the parser refused holds: bytes that are not ASCII (a value written in
 * UTF-8 as it is, the usual slip: `?q=ü`), or another character a URL may not hold as it is.
 */
function targetFault(raw: Buffer | undefined): string {
  const line = raw ? raw.subarray(0, Math.max(0, raw.indexOf(0x0a)) || raw.length) : Buffer.alloc(0);
  if (line.some((b) => b >= 0x80)) return 'holds characters that are not ASCII, as they are: percent-encode them (ü is %C3%BC; encodeURIComponent, or curl -G --data-urlencode)';
  return 'holds a character a URL may not hold as it is (a control character, a space, a quote, a backslash …): percent-encode it';
}

/** The answer to a refused connection: the documented error body, the headers every answer carries, `connection: close`. */
export function clientErrorResponse(err: NodeJS.ErrnoException): string {
  const known = clientErrorOf(err);
  const status = statusFor(known.code);
  const payload = JSON.stringify(body(known.code, known.message, known.details));
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(payload)}\r\n` +
    `content-security-policy: ${DATA_POLICY}\r\n` +
    'x-frame-options: DENY\r\nx-content-type-options: nosniff\r\nreferrer-policy: no-referrer\r\n' +
    'connection: close\r\n\r\n' +
    payload
  );
}

/**
 * Fastify's `clientErrorHandler`: Node's HTTP server could not read a request from the
 * connection (no request or reply object exists), so the answer is written to the socket
 * itself, and the connection is closed: what follows on it cannot be framed. Nothing is
 * written once an answer on the connection has started (a timeout while a reply is being sent),
 * as Node's own handler does. Logged at debug without the bytes received (they may carry credentials).
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection is gone already; there is no one to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  this.log.debug({ code: err.code, reason: (err as { reason?: string }).reason }, 'refused an HTTP connection: the request could not be read');
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.write(clientErrorResponse(err));
  socket.destroy();
}
