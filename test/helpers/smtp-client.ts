import net from 'node:net';
import tls from 'node:tls';

/**
 * A bare SMTP client for the tests that must put exact bytes on the wire (smuggling payloads,
 * pipelined commands, an HTTP request): it writes what it is given and reads replies, nothing
 * more. Independent of smtp-server and nodemailer on purpose.
 */
export class RawSmtp {
  private buffer = '';
  private waiters: (() => void)[] = [];
  /** Every byte the server sent, as text. */
  transcript = '';
  ended = false;
  readonly closed: Promise<void>;

  private constructor(private socket: net.Socket | tls.TLSSocket) {
    this.closed = new Promise((resolve) => this.attach(socket, resolve));
  }

  private attach(socket: net.Socket | tls.TLSSocket, onClose?: () => void): void {
    socket.on('data', (d: Buffer) => {
      this.buffer += d.toString('latin1');
      this.transcript += d.toString('latin1');
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('error', () => undefined);
    if (onClose) {
      socket.on('close', () => {
        this.ended = true;
        this.waiters.splice(0).forEach((w) => w());
        onClose();
      });
    }
  }

  /** `localAddress`: the client's own address (any 127.x on Linux), for a test that tells sessions apart by it. */
  static async connect(port: number, opts: { implicitTls?: boolean; localAddress?: string } = {}): Promise<RawSmtp> {
    const at = { host: '127.0.0.1', port, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) };
    const socket = opts.implicitTls ? tls.connect({ ...at, rejectUnauthorized: false }) : net.connect(at);
    await new Promise<void>((resolve, reject) => {
      socket.once(opts.implicitTls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawSmtp(socket);
  }

  /** The next complete reply (all its lines), or null when the server closed the connection first. */
  async reply(timeoutMs = 15_000): Promise<string | null> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/.exec(this.buffer);
      if (m) {
        this.buffer = this.buffer.slice(m[0].length);
        return m[0].trimEnd();
      }
      if (this.ended) return null;
      if (Date.now() > until) throw new Error(`no reply within ${timeoutMs} ms; so far: ${JSON.stringify(this.transcript)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Sends one command line (CRLF added) and returns its reply. */
  async command(line: string): Promise<string | null> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  /** STARTTLS was answered 220: the TLS handshake on the same connection. */
  async upgrade(): Promise<void> {
    const secure = tls.connect({ socket: this.socket as net.Socket, rejectUnauthorized: false, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.buffer = '';
    this.socket = secure;
    this.attach(secure);
  }

  /** The greeting, EHLO, STARTTLS and EHLO again: a session inside TLS, not yet logged in. */
  async secure(): Promise<void> {
    await this.reply();
    await this.command('EHLO client.test');
    expectCode(await this.command('STARTTLS'), 220);
    await this.upgrade();
    await this.command('EHLO client.test');
  }

  /** A session inside TLS (secure) logged in with AUTH PLAIN. */
  async login(username: string, password: string): Promise<void> {
    await this.secure();
    expectCode(await this.command(`AUTH PLAIN ${Buffer.from(`\0${username}\0${password}`).toString('base64')}`), 235);
  }

  close(): void {
    this.socket.destroy();
  }
}

export function expectCode(reply: string | null, code: number): string {
  if (!reply?.startsWith(String(code))) throw new Error(`expected ${code}, got ${JSON.stringify(reply)}`);
  return reply;
}
