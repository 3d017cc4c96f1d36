import type { Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';

/**
 * Ends every open session of an smtp-server peer (a pooled connection must log in again) and
 * resolves once each socket is closed on both ends. Only then has the client seen the close:
 * before it, its pool may pick the dead connection for the next message, a failed attempt that
 * the outbox defers by design (src/delivery/smtp/pool.ts), and the test would depend on which
 * thread ran first.
 */
export async function endSessions(server: SMTPServer): Promise<void> {
  const connections = (server as unknown as { connections: Set<{ close(): void; _socket: Socket }> }).connections;
  const closed = [...connections].map((c) => (c._socket.destroyed ? undefined : new Promise((resolve) => c._socket.once('close', resolve))));
  for (const c of connections) c.close();
  await Promise.all(closed);
}
