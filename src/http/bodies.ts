import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest, preParsingAsyncHookHandler, preValidationHookHandler } from 'fastify';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';
import { shown } from '../core/kernel/header-safety.js';

/** How deep a JSON body may nest (objects and arrays); every legitimate body stays far below it. */
export const MAX_BODY_DEPTH = 64;

/** The media types a request body may have (docs/api.md, conventions). */
export const ACCEPTED_BODY_TYPES = ['application/json'] as const;

type Done = (err: Error | null, value?: unknown) => void;

/** Whether a body carries nothing: no bytes, or only whitespace (`curl -d ''`, a client's empty string). */
function isEmpty(body: string | Buffer): boolean {
  if (typeof body === 'string') return !/\S/.test(body);
  for (const b of body) if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  return true;
}

/**
 * Whether JSON text nests deeper than `max` levels, by counting brackets outside strings: one
 * pass, no recursion, before anything is parsed. (A deep value would parse, but every recursive
 * walk over it later, JSON.stringify included, overflows the stack at a few thousand levels.)
 * Strings are skipped with indexOf, so a large attachment costs little.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // To the closing quote: the next one not escaped by an odd run of backslashes.
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) return false; // unterminated: JSON.parse says so
        let backslashes = 0;
        while (text.charCodeAt(quote - 1 - backslashes) === 0x5c /* \ */) backslashes++;
        if (backslashes % 2 === 0) {
          i = quote + 1;
          break;
        }
        from = quote + 1;
      }
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
    i++;
  }
  return false;
}

function malformed(text: string): MailroomError {
  try {
    JSON.parse(text);
  } catch (err) {
    return new MailroomError(ErrorCodes.MALFORMED_JSON, `the request body is not valid JSON: ${(err as Error).message}`);
  }
  // It parses: Fastify's parser refused it for a key that could rewrite an object's prototype.
  return new MailroomError(ErrorCodes.MALFORMED_JSON, 'the request body is not accepted as JSON: a "__proto__" key, or a "constructor" holding a "prototype", is refused');
}

/**
 * Where the first byte sequence that is not UTF-8 starts (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF). Only run on a body isUtf8 refused, to say where.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // The length of the sequence and the range its second byte must be in.
    const [n, lo, hi] = b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf] : b === 0xe0 ? [3, 0xa0, 0xbf] : b === 0xed ? [3, 0x80, 0x9f] : b >= 0xe1 && b <= 0xef ? [3, 0x80, 0xbf] : b === 0xf0 ? [4, 0x90, 0xbf] : b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf] : b === 0xf4 ? [4, 0x80, 0x8f] : [0, 0, 0];
    if (n === 0 || i + n > bytes.length || bytes[i + 1]! < lo || bytes[i + 1]! > hi) return i;
    for (let k = 2; k < n; k++) if (bytes[i + k]! < 0x80 || bytes[i + k]! > 0xbf) return i;
    i += n;
  }
  return -1;
}

/** `a.b[0].c`, as the API names fields (docs/api.md); a key shown escaped and bounded. */
function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${shown(key)}` : shown(key);
}

/**
 * The field holding the first NUL character (U+0000) in a parsed body, or null. JSON can only
 * carry one as the escape `\u0000` (a raw NUL byte is not JSON), so a body without that text is
 * not walked at all, and a large attachment costs one indexOf.
 */
export function nulField(text: string, value: unknown): string | null {
  if (!text.includes('\\u0000')) return null;
  const walk = (v: unknown, path: string): string | null => {
    if (typeof v === 'string') return v.includes('\0') ? path || 'body' : null;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const hit = walk(v[i], childPath(path, i));
        if (hit !== null) return hit;
      }
      return null;
    }
    if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\0')) return childPath(path, k);
        const hit = walk(child, childPath(path, k));
        if (hit !== null) return hit;
      }
    }
    return null;
  };
  return walk(value, '');
}

/** A charset parameter other than UTF-8 on a JSON body (RFC 8259: JSON between systems is UTF-8), or null. */
function foreignCharset(req: FastifyRequest): string | null {
  const header = req.headers['content-type'];
  const m = typeof header === 'string' ? /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(header) : null;
  if (!m) return null;
  const charset = m[1]!.toLowerCase();
  return charset === 'utf-8' || charset === 'utf8' ? null : m[1]!.slice(0, 40);
}

/** The content type a refused body was sent as, for the message (its media type only, bounded). */
function mediaTypeOf(req: FastifyRequest): string {
  const header = req.headers['content-type'];
  const type = typeof header === 'string' ? header.split(';')[0]!.trim().slice(0, 100) : '';
  return type || 'none';
}

/** The Content-Encoding a request body may have: none, which is what `identity` says too. */
export const ACCEPTED_CONTENT_ENCODINGS = ['identity'] as const;

/** Whether a request carries a body, as Fastify decides before it reads one (a length other than 0, or chunks). */
function carriesBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The codings a request body was sent with other than identity (`gzip, identity` is gzip),
 * in the order sent; none for no Content-Encoding header, `identity` or an empty one.
 */
export function contentCodings(header: string | string[] | undefined): string[] {
  const list = Array.isArray(header) ? header.join(',') : (header ?? '');
  return list
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c.toLowerCase() !== 'identity');
}

/**
 * A body sent compressed (`content-encoding: gzip`, `br`, `deflate`, …) is refused before it is
 * read: Mailroom never decodes one (a decompression bomb would slip past the body limit), and
 * parsed as it came, gzip bytes were called "not valid UTF-8" and a body labelled `br` but sent
 * plain was taken. Before the content-type parsers, so on every route and for every media type.
 */
const refuseContentEncoding: preParsingAsyncHookHandler = async (req, _reply, payload) => {
  const codings = contentCodings(req.headers['content-encoding']);
  if (codings.length === 0 || !carriesBody(req)) return payload;
  const encoding = shown(codings.join(', '));
  throw new MailroomError(
    ErrorCodes.UNSUPPORTED_CONTENT_ENCODING,
    `the request body was sent with content-encoding: ${encoding}, which Mailroom does not decode; send the body uncompressed (no content-encoding header, or content-encoding: identity); nothing was read or stored`,
    { field: 'content-encoding', encoding, accepted: [...ACCEPTED_CONTENT_ENCODINGS] },
  );
};

/**
 * How request bodies are read, on every route:
 * - a body with a Content-Encoding other than identity is refused unread (415
 *   MAILROOM_E_UNSUPPORTED_CONTENT_ENCODING), whatever its content type;
 * - application/json, parsed as before (prototype keys refused), except that an empty body is
 *   no body (curl and many clients send `content-type: application/json` on a DELETE): a route
 *   that takes none runs, one that needs one says the body is missing (src/http/errors.ts);
 *   and JSON nesting deeper than {@link MAX_BODY_DEPTH} levels is refused before it is parsed;
 * - any other content type (text/plain included, which Fastify would otherwise hand to the
 *   route as a string): an empty body is no body, anything else is told to be JSON;
 * - a route whose body is an object of optional fields only (`POST /accounts/:id/test`) takes
 *   no body as `{}`: `curl -X POST …/test` runs the test with its defaults.
 */
export function registerBodyParsing(server: FastifyInstance): void {
  // Fastify's own parser (secure-json-parse, prototype poisoning refused), behind the checks below.
  const parseJson = server.getDefaultJsonParser('error', 'error') as (req: FastifyRequest, body: string, done: Done) => void;
  server.addHook('preParsing', refuseContentEncoding);
  server.removeContentTypeParser(['application/json', 'text/plain']);
  server.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, bytes: Buffer, done: Done) => {
    if (isEmpty(bytes)) return done(null, undefined);
    const charset = foreignCharset(req);
    if (charset !== null) {
      return done(
        new MailroomError(ErrorCodes.VALIDATION, `content-type: the body must be UTF-8 JSON; charset=${charset} is not accepted (send charset=utf-8, or no charset)`, {
          field: 'content-type',
          accepted: [...ACCEPTED_BODY_TYPES],
        }),
      );
    }
    // Decoding would replace each invalid byte with U+FFFD and send a message nobody wrote.
    if (!isUtf8(bytes)) {
      const at = firstInvalidUtf8(bytes);
      return done(new MailroomError(ErrorCodes.MALFORMED_JSON, `the request body is not valid UTF-8: the bytes at offset ${at} are not a UTF-8 character (JSON must be sent as UTF-8)`, { offset: at }));
    }
    const body = bytes.toString('utf8');
    if (nestsDeeperThan(body, MAX_BODY_DEPTH)) {
      return done(
        new MailroomError(ErrorCodes.VALIDATION, `body: nests deeper than ${MAX_BODY_DEPTH} levels of objects and arrays; at most ${MAX_BODY_DEPTH} are accepted`, {
          field: 'body',
          maxDepth: MAX_BODY_DEPTH,
        }),
      );
    }
    parseJson(req, body, (err, value) => {
      if (err) return done(malformed(body));
      // PostgreSQL cannot store a NUL in text and SQLite would: refused here, on every route
      // and both databases alike, naming the field, before any rule or the store sees it.
      const field = nulField(body, value);
      if (field !== null) return done(new MailroomError(ErrorCodes.VALIDATION, `${field}: must not contain a NUL character (\\u0000); no text Mailroom keeps can hold one`, { field }));
      done(null, value);
    });
  });
  server.addHook('onRoute', (route) => {
    const schema = route.schema?.body as { type?: string; required?: readonly string[] } | undefined;
    if (schema?.type !== 'object' || schema.required?.length) return;
    const hooks = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation];
    route.preValidation = [noBodyIsEmptyObject, ...hooks];
  });
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body: Buffer, done: Done) => {
    if (isEmpty(body)) return done(null, undefined);
    done(
      new MailroomError(ErrorCodes.VALIDATION, `send the body as application/json (it came as ${mediaTypeOf(req)})`, {
        field: 'content-type',
        accepted: [...ACCEPTED_BODY_TYPES],
      }),
    );
  });
}

const noBodyIsEmptyObject: preValidationHookHandler = (req, _reply, done) => {
  if (req.body === undefined) req.body = {};
  done();
};
