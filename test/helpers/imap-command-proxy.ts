import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './ports.js';

/**
 * The command passed on, then the client's connection cut before any answer reaches it:
 * `reset` as a dropped network does, `end` as a server process that died (its side closed).
 * `onCut` runs once it is cut (not named `then`: a returned object with one is awaited as a promise).
 */
export interface CutAfterCommand {
  cut: 'reset' | 'end';
  onCut?: () => void;
}

/**
 * What to do with one command line the client sent (with its CRLF): a reply to answer it with
 * instead of passing it on, a cut (CutAfterCommand), or undefined to pass it on. May wait (a
 * promise): the commands after it wait too, so the server sees them in the order they were sent.
 */
export type ImapCommandHook = (line: string) => string | CutAfterCommand | undefined | Promise<string | CutAfterCommand | undefined>;

export interface ImapCommandProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * A line-level IMAP proxy on 127.0.0.1 to a server's plain port, for tests that make the server
 * refuse or hold a command. The reader sends no literals, so its commands are whole lines; the
 * server's side passes untouched.
 */
export async function imapCommandProxy(upstreamPort: number, hook: ImapCommandHook): Promise<ImapCommandProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    let pending = '';
    let forwarding = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n'); end >= 0; end = pending.indexOf('\r\n')) {
        const line = pending.slice(0, end + 2);
        pending = pending.slice(end + 2);
        forwarding = forwarding.then(async () => {
          const reply = await hook(line);
          if (typeof reply === 'string') return void client.write(reply);
          upstream.write(Buffer.from(line, 'latin1'));
          if (!reply) return;
          upstream.unpipe(client);
          if (reply.cut === 'reset') client.resetAndDestroy();
          else client.end();
          upstream.destroy();
          reply.onCut?.();
        });
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The tag of a UID STORE command line, undefined for any other. */
export function uidStoreTag(line: string): string | undefined {
  return /^(\S+) UID STORE /i.exec(line)?.[1];
}
