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
  /**
   * Arms a cut of the next connection whose client sends `needle` (bytes of the protocol, e.g.
   * PostgreSQL's simple-query COMMIT): the client's side is reset at once, so it never hears an
   * answer. With `forward`, the bytes that held the needle still reach the server, and the
   * server's side is only closed after them (so the server runs what it got: a COMMIT commits);
   * without, they are dropped and the server's side is reset too. Resolves once it has cut.
   */
  cutAt(needle: Buffer, opts: { forward: boolean }): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  let armed: { needle: Buffer; forward: boolean; done: () => void } | null = null;
  const onConnection = (client: Socket) => {
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    /** Cut by cutAt with forward: the server's side ends on its own, after what it was sent. */
    let letServerFinish = false;
    client.on('data', (chunk: Buffer) => {
      const cut = armed && chunk.includes(armed.needle) ? armed : null;
      if (!cut) {
        if (!upstream.write(chunk)) {
          client.pause();
          upstream.once('drain', () => client.resume());
        }
        return;
      }
      armed = null;
      upstream.unpipe(client);
      if (cut.forward) {
        letServerFinish = true;
        upstream.end(chunk);
        upstream.resume();
      } else upstream.resetAndDestroy();
      client.resetAndDestroy();
      cut.done();
    });
    upstream.pipe(client);
    client.on('close', () => letServerFinish || upstream.destroy());
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
    cutAt(needle, opts) {
      return new Promise<void>((done) => (armed = { needle, forward: opts.forward, done }));
    },
    async close() {
      cut();
      await new Promise<void>((r) => (server.listening ? server.close(() => r()) : r()));
    },
  };
}
