import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on loopback between Mailroom and a real server (PostgreSQL), which a test can
 * cut (every open connection reset) and take down (the port refuses connections) and bring
 * back up on the same port: a database that vanishes and returns, without touching the
 * shared database server.
 */
export interface TcpProxy {
  port: number;
  /** Connections open right now. */
  readonly open: number;
  /** Resets every open connection (the server side sees a client that went away). */
  cut(): void;
  /** Cuts and stops listening: new connections are refused until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const onConnection = (client: Socket) => {
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };
  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const cut = () => {
    for (const s of sockets) s.resetAndDestroy();
  };
  return {
    port,
    get open() {
      return sockets.size / 2;
    },
    cut,
    async down() {
      await new Promise<void>((r) => {
        server.close(() => r());
        cut();
      });
    },
    async up() {
      server = createServer(onConnection);
      await listen(port);
    },
    async close() {
      cut();
      await new Promise<void>((r) => (server.listening ? server.close(() => r()) : r()));
    },
  };
}
