import net from 'node:net';
import type { Post } from './phase.js';

/**
 * The bench's load generator: JSON requests to Mailroom over keep-alive sockets, each request
 * written as one buffer and each answer read by its status line and Content-Length.
 *
 * Why not node:http: the bench runs on the same two cores as Mailroom, and node's HTTP client
 * (a URL parsed, headers validated and an IncomingMessage stream per request) used about
 * 0.12 ms of CPU per message, a quarter of what Mailroom itself uses: CPU taken from the
 * process being measured, which an application on another machine would not take. This one
 * does only what an HTTP/1.1 client must for Fastify's answers (always Content-Length, never
 * chunked: a chunked answer is refused rather than misread).
 */
export interface LeanClient {
  post: Post;
  close(): void;
}

interface Waiting {
  resolve: (r: { status: number; body: string }) => void;
  reject: (e: Error) => void;
}

export function leanClient(host: string, port: number, key: string): LeanClient {
  const idle: Connection[] = [];
  const all = new Set<Connection>();
  const head = (method: string, url: string, length: number) =>
    `${method} ${url} HTTP/1.1\r\nHost: ${host}:${port}\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

  class Connection {
    private readonly socket: net.Socket;
    private buffered: Buffer = Buffer.alloc(0);
    private waiting: Waiting | undefined;
    private closed = false;

    constructor() {
      this.socket = net.connect({ host, port, noDelay: true });
      this.socket.on('data', (chunk: Buffer) => this.read(chunk));
      const end = (err?: Error) => {
        this.closed = true;
        all.delete(this);
        const at = idle.indexOf(this);
        if (at >= 0) idle.splice(at, 1);
        this.waiting?.reject(err ?? new Error('Mailroom closed the connection before answering'));
        this.waiting = undefined;
      };
      this.socket.on('error', end);
      this.socket.on('close', () => end());
      all.add(this);
    }

    get usable(): boolean {
      return !this.closed;
    }

    send(request: Buffer, waiting: Waiting): void {
      this.waiting = waiting;
      this.socket.write(request);
    }

    close(): void {
      this.socket.destroy();
    }

    private read(chunk: Buffer): void {
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
      const headEnd = this.buffered.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const headText = this.buffered.toString('latin1', 0, headEnd);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(headText);
      if (!length) {
        this.socket.destroy(new Error(`an answer without Content-Length (${headText.split('\r\n')[0]}): the bench's client reads no other`));
        return;
      }
      const total = headEnd + 4 + Number(length[1]);
      if (this.buffered.length < total) return;
      const status = Number(headText.slice(9, 12));
      const body = this.buffered.toString('utf8', headEnd + 4, total);
      this.buffered = this.buffered.subarray(total);
      const w = this.waiting;
      this.waiting = undefined;
      if (/\r\nconnection:\s*close/i.test(headText)) this.socket.end();
      else idle.push(this);
      w?.resolve({ status, body });
    }
  }

  const post: Post = (url, payload, method = 'POST') =>
    new Promise((resolve, reject) => {
      const data = Buffer.from(JSON.stringify(payload));
      let conn = idle.pop();
      while (conn && !conn.usable) conn = idle.pop();
      conn ??= new Connection();
      conn.send(Buffer.concat([Buffer.from(head(method, url, data.length), 'latin1'), data]), { resolve, reject });
    });

  return {
    post,
    close() {
      for (const c of all) c.close();
    },
  };
}
