import net from 'node:net';
import { freePort } from './ports.js';

/**
 * A scripted SMTP peer for fault tests: a well-behaved minimal server (no PIPELINING, so the
 * client sends one command at a time) whose every answer a test can replace, to misbehave on
 * cue: extra reply lines, replies that do not fit, 421 then close, trickled bytes, a close
 * after the final dot. Only for tests, where Postfix and smtp-server cannot be made to lie.
 */
export interface PeerSession {
  /** 1 for the first connection. */
  n: number;
  /** Messages this connection has received complete (final dot seen). */
  messages: number;
  write(text: string): void;
  /** Writes `text` one byte at a time, `ms` apart (stops if the client goes away). */
  trickle(text: string, ms: number): Promise<void>;
  /** Closes the connection at once, no reply. */
  drop(): void;
}

/** Replaces the answer to one command ("." is the end of a message): a string is written as is, `null` answers nothing. */
export type Script = (command: string, s: PeerSession) => string | null | undefined;

export interface ScriptedPeer {
  port: number;
  connections: number;
  /** Every message received complete (the final dot arrived), in order. */
  messages: string[];
  /** Every command line received, over all connections. */
  commands: string[];
  stop(): Promise<void>;
}

const DEFAULT: Record<string, string> = {
  EHLO: '250-peer.test\r\n250-8BITMIME\r\n250 SIZE 10240000\r\n',
  HELO: '250 peer.test\r\n',
  MAIL: '250 2.1.0 Ok\r\n',
  RCPT: '250 2.1.5 Ok\r\n',
  DATA: '354 End data with <CR><LF>.<CR><LF>\r\n',
  '.': '250 2.0.0 Ok: queued as SCRIPTED\r\n',
  RSET: '250 2.0.0 Ok\r\n',
  NOOP: '250 2.0.0 Ok\r\n',
  QUIT: '221 2.0.0 Bye\r\n',
};

export async function startScriptedPeer(opts: { greeting?: (s: PeerSession) => void; script?: Script } = {}): Promise<ScriptedPeer> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  const peer: ScriptedPeer = { port, connections: 0, messages: [], commands: [], stop: async () => undefined };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const s: PeerSession = {
      n: ++peer.connections,
      messages: 0,
      write: (text) => void (!socket.destroyed && socket.write(text)),
      async trickle(text, ms) {
        for (const ch of text) {
          if (socket.destroyed) return;
          socket.write(ch);
          await new Promise((r) => setTimeout(r, ms));
        }
      },
      drop: () => socket.destroy(),
    };
    let buffer = '';
    let body: string[] | null = null;
    const answer = (command: string) => {
      const custom = opts.script?.(command, s);
      if (custom === null) return;
      const verb = command === '.' ? '.' : command.split(' ')[0].toUpperCase();
      const text = custom ?? DEFAULT[verb] ?? '502 5.5.2 Error: command not recognized\r\n';
      s.write(text);
      if (verb === 'DATA' && text.startsWith('354')) body = [];
      if (verb === 'QUIT' && custom === undefined) socket.end();
    };
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (body && line !== '.') {
          body.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        if (body) {
          peer.messages.push(body.join('\r\n'));
          body = null;
          s.messages++;
        }
        peer.commands.push(line);
        answer(line);
      }
    });
    if (opts.greeting) opts.greeting(s);
    else s.write('220 peer.test ESMTP scripted\r\n');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  peer.stop = () =>
    new Promise<void>((resolve) => {
      for (const sock of sockets) sock.destroy();
      server.close(() => resolve());
    });
  return peer;
}
