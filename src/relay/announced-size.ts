/** What announceSize() uses of an smtp-server connection (smtp-server is pinned). */
export interface SizedConnection {
  remoteAddress: string;
  session: { user?: unknown };
  send(code: number, data?: unknown, context?: unknown): void;
  handler_EHLO?: (command: unknown, callback: () => void) => void;
}

/**
 * smtp-server announces one SIZE for every client, its `size` option (which it also applies to
 * MAIL FROM's SIZE= before the relay sees it). The relay's limit is each credential's, so it
 * gives smtp-server no `size` and answers each EHLO with its own: the connection's EHLO first
 * asks `sizeFor` (a store read), then runs smtp-server's own EHLO, whose answer gets a SIZE line
 * with that number, or a bare SIZE when no credential could take this client's mail. The client
 * waits for the answer meanwhile (smtp-server reads no further command until the handler's
 * callback), so pipelined commands stay in order.
 */
export function announceSize(conn: SizedConnection, sizeFor: (clientIp: string, credentialId: string | null) => Promise<number | null>): void {
  const ehlo = conn.handler_EHLO;
  if (typeof ehlo !== 'function') return;
  const send = conn.send.bind(conn);
  /** Set only while smtp-server writes the EHLO answer (synchronously, inside its handler). */
  let size: number | null | undefined;
  conn.send = (code, data, context) => {
    if (size !== undefined && code === 250 && Array.isArray(data)) data = [...data, size === null ? 'SIZE' : `SIZE ${size}`];
    send(code, data, context);
  };
  conn.handler_EHLO = (command, callback) => {
    const user = typeof conn.session.user === 'string' ? conn.session.user : null;
    void sizeFor(conn.remoteAddress, user).then((n) => {
      size = n;
      try {
        ehlo.call(conn, command, callback);
      } catch {
        // What smtp-server does when a handler throws (the error is not the client's to see).
        conn.send(451, 'Error: internal server error');
        callback();
      } finally {
        size = undefined;
      }
    });
  };
}
