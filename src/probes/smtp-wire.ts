import type { Socket } from 'node:net';
import { LABEL, type ReplyGuard, type Violation } from '../delivery/smtp/reply-guard.js';

/**
 * The SMTP conversation of a diagnostic, one reply at a time. nodemailer hides each
 * step's exact reply, which is what a diagnostic exists to show, so this talks to the socket
 * itself. It frames replies (RFC 5321 §4.2: "250-" continues, "250 " ends) and, for SMTP, holds
 * the peer to the protocol with delivery's own ReplyGuard, so that the test calls a protocol
 * violation exactly where sending would; meaning is left to smtp-hints.
 */
export class WireTimeout extends Error {
  constructor(readonly waitedMs: number, readonly partial: string) {
    super(`no complete reply within ${Math.round(waitedMs / 1000)} s`);
    this.name = 'WireTimeout';
  }
}

export class WireClosed extends Error {
  /** nodemailer's code for the same event ("Connection closed unexpectedly"): the hints treat both alike. */
  readonly code = 'ECONNECTION';
  constructor(readonly partial: string) {
    super('the server closed the connection');
    this.name = 'WireClosed';
  }
}

/** The peer broke the protocol (see ReplyGuard): every read after the sound replies fails with this. */
export class ProtocolViolation extends Error {
  constructor(readonly violation: Violation) {
    super(`protocol violation${violation.step ? ` in the reply to ${LABEL[violation.step]}` : ''}: ${violation.reason}`);
    this.name = 'ProtocolViolation';
  }
}

const MAX_REPLY = 64 * 1024;

export class SmtpWire {
  private buffer = '';
  private lines: string[] = [];
  private closed = false;
  private error: Error | undefined;
  private waiter: (() => void) | undefined;
  private violation: ProtocolViolation | undefined;
  private readonly onData = (chunk: Buffer) => {
    // After a violation nothing the peer sends can be matched to a command any more.
    if (this.violation) return;
    const verdict = this.guard?.received(chunk);
    if (verdict?.violation) this.violation = new ProtocolViolation(verdict.violation);
    // The replies before the offending one are sound: they are read as usual, then the violation.
    this.buffer += (verdict ? chunk.subarray(0, verdict.okBytes) : chunk).toString('latin1');
    if (this.buffer.length > MAX_REPLY) {
      this.error = new Error('the server sent more than 64 KiB without a complete reply');
      this.socket.destroy();
    }
    let i: number;
    while ((i = this.buffer.indexOf('\n')) >= 0) {
      this.lines.push(this.buffer.slice(0, i).replace(/\r$/, ''));
      this.buffer = this.buffer.slice(i + 1);
    }
    this.waiter?.();
  };
  private readonly onEnd = () => {
    this.closed = true;
    this.waiter?.();
  };
  private readonly onError = (err: Error) => {
    this.error = err;
    this.waiter?.();
  };

  /**
   * `guard`: delivery's ReplyGuard for an SMTP conversation; null for framing lines only (the
   * IMAP probe reads its greeting and STARTTLS answer with this too).
   */
  constructor(
    private socket: Socket,
    private readonly guard: ReplyGuard | null,
  ) {
    this.listen();
  }

  private listen(): void {
    this.socket.on('data', this.onData);
    this.socket.on('end', this.onEnd);
    this.socket.on('close', this.onEnd);
    this.socket.on('error', this.onError);
  }

  /** Stops reading from the current socket (before it is handed to tls.connect for STARTTLS). */
  detach(): Socket {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    return this.socket;
  }

  /** Continues the conversation on the upgraded socket. */
  attach(socket: Socket): void {
    this.socket = socket;
    this.buffer = '';
    this.lines = [];
    this.closed = false;
    this.error = undefined;
    this.listen();
  }

  private takeReply(): string | undefined {
    // A blank line between replies is no reply (nodemailer and the guard skip it too).
    while (this.guard && this.lines[0] === '') this.lines.shift();
    const end = this.lines.findIndex((l) => !/^\d{3}-/.test(l));
    if (end < 0) return undefined;
    return this.lines.splice(0, end + 1).join('\n');
  }

  /** The next complete reply, or WireTimeout / WireClosed / the socket's error. */
  read(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(() => reject(new WireTimeout(timeoutMs, this.pending()))), timeoutMs);
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        this.waiter = undefined;
        fn();
      };
      const check = () => {
        const reply = this.takeReply();
        if (reply !== undefined) return finish(() => resolve(reply));
        if (this.violation) return finish(() => reject(this.violation));
        if (this.error) return finish(() => reject(this.error));
        if (this.closed) return finish(() => reject(new WireClosed(this.pending())));
      };
      this.waiter = check;
      check();
    });
  }

  private pending(): string {
    return [...this.lines, this.buffer].filter(Boolean).join('\n');
  }

  write(line: string): void {
    // Only what really goes out waits for a reply.
    if (!this.socket.destroyed) this.guard?.sent(line);
    this.socket.write(`${line}\r\n`);
  }

  /** A message, dot-stuffed and ending with its final dot (see dotStuff). */
  writeMessage(dotStuffed: string): void {
    if (!this.socket.destroyed) this.guard?.sentDot();
    this.socket.write(dotStuffed);
  }

  /** Polite QUIT, then close, never waiting long on a server that does not answer. */
  async quit(timeoutMs = 2000): Promise<void> {
    // After a protocol violation no reply can be trusted, QUIT's neither: the session just ends.
    if (!this.closed && !this.socket.destroyed && !this.violation) {
      try {
        this.write('QUIT');
        await this.read(timeoutMs);
      } catch {
        // Closing anyway.
      }
    }
    this.socket.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
