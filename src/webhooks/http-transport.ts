import { Agent, errors, request } from 'undici';
import type { NetworkPolicy } from '../core/probes/network-policy.js';
import type { ReceiverAnswer } from '../core/webhooks/attempt-outcome.js';
import { checkLiteral, guardedLookup, TargetRefusedError } from './target-guard.js';

/** TCP and TLS together must be up within this. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** The receiver's status line and headers must arrive within this after the request is sent. */
export const HEADERS_TIMEOUT_MS = 15_000;
/** The whole attempt up to the receiver's status and headers, whatever it waits for. */
export const ATTEMPT_DEADLINE_MS = 20_000;
/**
 * Once the status and headers are in, the attempt is judged by the status; the body is read for
 * the log for at most this long more. A receiver that answers 2xx and then dribbles out its body
 * has still answered: its body is cut off (and noted so in the excerpt), not failed and re-sent.
 */
export const EXCERPT_WAIT_MS = 2_000;
/** Connections kept open per receiver (host and port): at most this many requests to it at once. */
export const CONNECTIONS_PER_RECEIVER = 16;
/** Characters of the answer kept in the attempt log. */
export const EXCERPT_CHARS = 1_000;
/** Bytes of the answer read at most; a longer one is cut off (and its connection closed). */
const READ_MAX_BYTES = 64 * 1024;

export interface WebhookTransport {
  /** `signal`: the runner gives the request up (the endpoint went, or the process stops); the answer then does not matter. */
  send(url: string, headers: Record<string, string>, body: string, signal?: AbortSignal): Promise<ReceiverAnswer>;
  close(): Promise<void>;
}

/** A log line must never break: control characters (and NUL, which PostgreSQL cannot store) become "�". */
// eslint-disable-next-line no-control-regex -- replacing control characters is the point
const printable = (s: string) => s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '\ufffd');

type Body = AsyncIterable<Buffer> & { destroy(): void };

/**
 * The first bytes of the answer's body as text for the attempt log, read for at most
 * EXCERPT_WAIT_MS (or until `signal`). A body not read to its end is destroyed, which closes
 * its connection (it could not serve another request with the rest still coming).
 */
async function excerpt(body: Body, signal?: AbortSignal): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  /** Why the body was not read to its end within the wait, if it was not. */
  let cut: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), EXCERPT_WAIT_MS);
    signal?.addEventListener('abort', () => resolve('late'), { once: true });
  });
  const chunksOf = body[Symbol.asyncIterator]();
  try {
    while (size < READ_MAX_BYTES) {
      const next = await Promise.race([chunksOf.next(), giveUp]);
      if (next === 'late') {
        cut = `the rest of the answer did not arrive within ${EXCERPT_WAIT_MS / 1000} s`;
        break;
      }
      if (next.done) {
        ended = true;
        break;
      }
      chunks.push(next.value);
      size += next.value.length;
    }
  } catch {
    // The connection broke while the body came: the status stands, the excerpt is what arrived.
    cut = 'the connection closed before the rest of the answer arrived';
  } finally {
    clearTimeout(timer);
    if (!ended) body.destroy();
  }
  const note = cut ? ` (cut off: ${cut})` : '';
  if (!size) return cut ? note.trim() : null;
  const text = printable(Buffer.concat(chunks).toString('utf8'));
  const room = EXCERPT_CHARS - note.length;
  if (text.length > room) return `${text.slice(0, room - 1)}…${note}`;
  return cut ? `${text}…${note}` : text;
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Why no answer came, in words a receiver's owner can act on. */
function describe(err: unknown, url: URL): { refused: boolean; message: string } {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const cause = e?.cause ?? e;
  if (err instanceof TargetRefusedError || cause instanceof TargetRefusedError) return { refused: true, message: (cause as Error).message };
  const where = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  if (err instanceof errors.ConnectTimeoutError) return { refused: false, message: `no connection to ${where} within ${CONNECT_TIMEOUT_MS / 1000} s` };
  if (err instanceof errors.HeadersTimeoutError) return { refused: false, message: `no answer from ${where} within ${HEADERS_TIMEOUT_MS / 1000} s` };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { refused: false, message: `the attempt took longer than ${ATTEMPT_DEADLINE_MS / 1000} s and was abandoned` };
  const code = cause?.code ?? e?.code;
  if (code === 'ECONNREFUSED') return { refused: false, message: `connection refused by ${where}: nothing listens there` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { refused: false, message: `cannot resolve ${url.hostname} (${code})` };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return { refused: false, message: `${where} closed the connection before answering` };
  if (code && /^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_SSL)/.test(code)) return { refused: false, message: `TLS with ${where} failed: ${code} (${printable(cause.message)})` };
  return { refused: false, message: `${code ? `${code}: ` : ''}${printable(cause?.message ?? String(err))}` };
}

/**
 * POSTs webhooks with undici through one connection pool per receiver. Every connection is
 * made through the guarded lookup (resolve once, check, connect to that address); an address
 * literal in the URL is checked before anything happens. Redirects are never followed (undici's
 * request does not follow them; the 3xx is reported to the receiver's owner instead).
 */
export function httpTransport(policy: NetworkPolicy): WebhookTransport {
  const agent = new Agent({
    connect: { timeout: CONNECT_TIMEOUT_MS, lookup: guardedLookup(policy), autoSelectFamily: false },
    connections: CONNECTIONS_PER_RECEIVER,
    keepAliveTimeout: 4_000,
    headersTimeout: HEADERS_TIMEOUT_MS,
    bodyTimeout: HEADERS_TIMEOUT_MS,
  });
  return {
    async send(url, headers, body, signal) {
      const started = performance.now();
      const took = () => Math.round(performance.now() - started);
      const u = new URL(url);
      try {
        checkLiteral(policy, u.hostname);
        // The deadline covers the wait for the status and headers only (see EXCERPT_WAIT_MS).
        const deadline = new AbortController();
        const timer = setTimeout(() => deadline.abort(new DOMException('attempt deadline', 'TimeoutError')), ATTEMPT_DEADLINE_MS);
        let res: Awaited<ReturnType<typeof request>>;
        try {
          res = await request(u, { method: 'POST', headers, body, dispatcher: agent, signal: signal ? AbortSignal.any([deadline.signal, signal]) : deadline.signal });
        } finally {
          clearTimeout(timer);
        }
        const text = await excerpt(res.body as unknown as Body, signal);
        const location = header(res.headers.location);
        return {
          kind: 'response',
          status: res.statusCode,
          durationMs: took(),
          retryAfter: header(res.headers['retry-after']),
          ...(location ? { location: printable(location).slice(0, 300) } : {}),
          excerpt: text,
        };
      } catch (err) {
        const d = describe(err, u);
        return { kind: d.refused ? 'refused' : 'error', durationMs: took(), message: d.message };
      }
    },
    close: () => agent.close(),
  };
}
