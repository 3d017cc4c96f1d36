/**
 * Whether an error smtp-server reports on its 'error' event is a client hanging up: a reset or
 * broken pipe (the client closed or crashed in the middle of a message, where smtp-server reports
 * what it ignores outside one), its network gone, or a connection to the implicit-TLS port closed
 * before its handshake (a health check, a port scan, a client that gave up). The client's own
 * business, not the operator's: the relay logs it as one info line, and keeps warnings for the rest.
 */
const HANG_UP_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

export interface ClientHangUp {
  /** The client's address as smtp-server recorded it; null if it did not. */
  clientIp: string | null;
  /** The socket's code ("ECONNRESET"), or "closed before TLS". */
  code: string;
}

interface SmtpServerError extends Error {
  code?: unknown;
  /** Set by smtp-server on a session's errors. */
  remoteAddress?: unknown;
  /** Set by smtp-server on a TLS handshake's errors (implicit TLS, STARTTLS). */
  meta?: { remoteAddress?: unknown };
  /** False on smtp-server's own "Socket closed while initiating TLS". */
  report?: unknown;
}

export function clientHangUp(err: unknown): ClientHangUp | null {
  if (!(err instanceof Error)) return null;
  const e = err as SmtpServerError;
  const code = typeof e.code === 'string' ? e.code : '';
  // smtp-server's error for a socket that closed before TLS began (smtp-server is pinned): marked not worth reporting.
  const closedBeforeTls = code === 'SocketError' && e.report === false;
  if (!HANG_UP_CODES.has(code) && !closedBeforeTls) return null;
  const address = typeof e.remoteAddress === 'string' ? e.remoteAddress : e.meta?.remoteAddress;
  return { clientIp: typeof address === 'string' && address ? address : null, code: closedBeforeTls ? 'closed before TLS' : code };
}
