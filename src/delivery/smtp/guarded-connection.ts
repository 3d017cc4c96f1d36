import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { NegotiatedTls } from '../../core/outbox/attempt-route.js';
import SMTPConnection, { type SMTPConnectionOptions, type SMTPConnectionSendInfo, type SMTPEnvelope } from 'nodemailer/lib/smtp-connection';
import { hintNoStarttls } from '../../core/probes/smtp-hints.js';
import { COMMAND, LABEL, ReplyGuard } from './reply-guard.js';

/** A password login (PLAIN/LOGIN), or SASL XOAUTH2 with an access token Mailroom fetched and renews itself. */
export type SmtpLogin = { user: string; pass: string } | { user: string; accessToken: string };

/** XOAUTH2's initial response (Google's and Microsoft's documented format): user, bearer token, two ^A. */
export function xoauth2Response(user: string, token: string): string {
  return Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
}

function loginData(auth: SmtpLogin): Parameters<SMTPConnection['login']>[0] {
  if ('accessToken' in auth) {
    // A token source that only hands over the token: fetching and renewing is Mailroom's (src/secrets/oauth2).
    const oauth2 = { getToken: (_renew: boolean, cb: (err: Error | null, token?: string) => void) => cb(null, auth.accessToken), buildXOAuth2Token: (t: string) => xoauth2Response(auth.user, t) };
    return { user: auth.user, oauth2 } as unknown as Parameters<SMTPConnection['login']>[0];
  }
  return { user: auth.user, pass: auth.pass, credentials: { user: auth.user, pass: auth.pass } };
}

/** nodemailer's error, with what the guard adds for the report (see smtp-errors.ts). */
export interface SmtpFailure extends Error {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  /** The peer broke the protocol: what it sent and why that cannot be right. */
  protocolViolation?: string;
  /** The whole message went out and no fitting reply came: the server may have it already. */
  possibleDuplicate?: string;
  /** Plain words that go before nodemailer's own message (e.g. "the server does not offer STARTTLS"). */
  explanation?: string;
  /**
   * The session failed while it was being opened (connect, greeting, EHLO, STARTTLS, AUTH), not
   * in a transaction; `secured`: its TLS was set up by then. Only such a failure can be a
   * STARTTLS handshake that failed (direct delivery then tries again without STARTTLS).
   * `connected`: the connection itself was made (TCP, and TLS on an implicit-TLS port);
   * `greeted`: the server's greeting had come. Connected but not greeted is a server that keeps
   * quiet, not a firewall that drops the packets: the hints differ.
   */
  opening?: { secured: boolean; connected?: boolean; greeted?: boolean };
  /**
   * The TLS the session had negotiated when the operation failed (GuardedPool sets it; null:
   * plain text): a transaction refused over TLS (every RCPT, the message) still ran over it.
   */
  tls?: NegotiatedTls | null;
}

/**
 * The nodemailer internals the guard wraps: every chunk read, every command and every message
 * body written (nodemailer is pinned to one version; the constructor fails loudly if they move).
 */
interface Internals {
  _onData(chunk: Buffer): void;
  _sendCommand(str: string, logStr?: string): void;
  _createSendStream(callback: unknown): NodeJS.EventEmitter;
  _onError(err: Error, type: string, data: string | false, command: string): void;
  _destroyed: boolean;
  _socket: { destroyed: boolean } | false | null;
}

type Done<T> = (err: Error | null, value?: T) => void;

const connectionClosed = () => Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION', command: 'CONN' });

/**
 * One SMTP session of a pool: nodemailer's SMTPConnection (which speaks SMTP, TLS and AUTH),
 * held to three rules it does not keep by itself:
 * - every reply must answer the command it is read for (ReplyGuard); anything else ends the
 *   session as a protocol violation before nodemailer acts on it;
 * - each phase has a total deadline, not a per-byte one: connecting (TCP, TLS, greeting, EHLO,
 *   STARTTLS, AUTH) within the connect timeout, each transaction within the send timeout;
 * - a failure after the final dot and before its reply is marked as a possible duplicate.
 */
export class GuardedConnection {
  private readonly conn: SMTPConnection;
  private readonly internals: Internals;
  private readonly guard = new ReplyGuard();
  private current: Done<unknown> | null = null;
  private goneOnce = false;
  /** The TLS read once the session was open: a socket nodemailer has destroyed since no longer tells. */
  private tls: NegotiatedTls | null = null;
  /** The session is over (closed by either side); the pool forgets it. */
  closed = false;

  constructor(
    options: SMTPConnectionOptions,
    private readonly onGone: () => void,
  ) {
    this.conn = new SMTPConnection(options);
    const internals = this.conn as unknown as Internals;
    for (const m of ['_onData', '_sendCommand', '_createSendStream', '_onError'] as const) {
      if (typeof internals[m] !== 'function') throw new Error(`nodemailer's SMTPConnection has no ${m}: the reply guard needs updating for this nodemailer version`);
    }
    this.internals = internals;
    const onData = internals._onData.bind(this.conn);
    internals._onData = (chunk) => this.read(chunk, onData);
    const sendCommand = internals._sendCommand.bind(this.conn);
    internals._sendCommand = (str, logStr) => {
      // Only what really goes out waits for a reply (nodemailer drops writes to a dead socket).
      if (!internals._destroyed && internals._socket && !internals._socket.destroyed) this.guard.sent(str);
      sendCommand(str, logStr);
    };
    const createSendStream = internals._createSendStream.bind(this.conn);
    internals._createSendStream = (callback) => {
      const stream = createSendStream(callback);
      // 'end' comes once the last chunk, the final dot, has been handed to the socket.
      stream.once('end', () => !internals._destroyed && this.guard.sentDot());
      return stream;
    };
    // The operation in progress learns of an error or the end of the session; between operations they only close it.
    this.conn.on('error', (err: Error) => this.current?.(err));
    this.conn.on('end', () => {
      this.closed = true;
      // nodemailer may still call the operation back with the real reason right after 'end'.
      setImmediate(() => this.current?.(connectionClosed()));
      this.gone();
    });
  }

  /** Connects, says EHLO, upgrades with STARTTLS and logs in, all within `ms`. */
  open(auth: SmtpLogin | undefined, ms: number): Promise<void> {
    return this.run<void>(ms, `connecting took longer than the connect timeout (${ms / 1000} s) for TCP, TLS, greeting, EHLO, STARTTLS and AUTH together`, (done) => {
      this.conn.connect((err) => {
        if (err) return done(err);
        // STARTTLS (if any) is over once connect() calls back: the session's TLS is settled.
        this.tls = this.readTls();
        // As nodemailer's pool does: a server that offers no AUTH gets the message without it.
        if (!auth || !this.conn.allowsAuth) return done(null);
        this.conn.login(loginData(auth), (e) => done(e));
      });
    }).catch((err: SmtpFailure) => {
      if (err.code === 'ETLS' && err.command === 'STARTTLS' && this.guard.offersStarttls === false) err.explanation = hintNoStarttls(Boolean(auth));
      err.opening = { secured: (this.conn as unknown as { secure: boolean }).secure === true, connected: this.conn.stage === 'connected', greeted: this.guard.waitingFor !== 'greeting' };
      throw err;
    });
  }

  /** One transaction (MAIL, RCPT, DATA, the message, the final dot), within `ms`. */
  transact(envelope: SMTPEnvelope, message: string | Buffer | Readable, ms: number): Promise<SMTPConnectionSendInfo> {
    return this.run<SMTPConnectionSendInfo>(ms, `the transaction took longer than the send timeout (${ms / 1000} s)`, (done) => this.conn.send(envelope, message, done));
  }

  /** RSET after a refused message, so the session can carry the next one. */
  reset(ms: number): Promise<void> {
    return this.run<void>(ms, `RSET took longer than ${ms / 1000} s`, (done) => this.conn.reset((e) => done(e)));
  }

  /** The TLS this session negotiated (STARTTLS or implicit), or null in plain text (or not opened). */
  negotiatedTls(): NegotiatedTls | null {
    return this.tls;
  }

  private readTls(): NegotiatedTls | null {
    const c = this.conn as unknown as { secure: boolean; _socket: TLSSocket | false | null };
    if (!c.secure || !c._socket || typeof c._socket.getProtocol !== 'function') return null;
    return { protocol: c._socket.getProtocol() ?? 'TLS', cipher: c._socket.getCipher()?.name ?? '', verified: c._socket.authorized };
  }

  /** Says QUIT and closes the session shortly after, answered or not. */
  quit(): void {
    if (this.closed) return;
    this.conn.quit();
    setTimeout(() => this.close(), 1_000).unref();
  }

  close(): void {
    this.conn.close();
    this.closed = true;
    this.gone();
  }

  private gone(): void {
    if (this.goneOnce) return;
    this.goneOnce = true;
    this.onGone();
  }

  /** Runs one operation: it ends with its callback, an error, the end of the session or the deadline. */
  private run<T>(ms: number, late: string, start: (done: Done<T>) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        const waitingFor = this.guard.waitingFor;
        this.fail(Object.assign(new Error(`${late}${waitingFor ? `; still waiting for the reply to ${LABEL[waitingFor]}` : ''}`), { timeoutType: 'DEADLINE' }), 'ETIMEDOUT');
      }, ms);
      const done: Done<T> = (err, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (this.current === done) this.current = null;
        if (err) reject(this.annotate(err as SmtpFailure));
        else resolve(value as T);
      };
      this.current = done as Done<unknown>;
      if (this.closed) return done(connectionClosed());
      try {
        start(done);
      } catch (err) {
        done(err as Error);
      }
    });
  }

  /** Ends the session with `err`: nodemailer reports it to the operation in progress. */
  private fail(err: Error, type: string, step = this.guard.waitingFor, reply?: string): void {
    if (this.internals._destroyed) return this.current?.(err);
    if (reply) Object.assign(err, { response: reply, responseCode: Number(reply.slice(0, 3)) || undefined });
    this.internals._onError(err, type, false, COMMAND[step ?? 'other']);
  }

  private read(chunk: Buffer, onData: (chunk: Buffer) => void): void {
    if (this.internals._destroyed) return onData(chunk);
    const verdict = this.guard.received(chunk);
    if (!verdict.violation) return onData(chunk);
    // The replies before the offending one are sound: nodemailer may act on them (a 250 to the dot stays a 250).
    if (verdict.okBytes) onData(chunk.subarray(0, verdict.okBytes));
    const v = verdict.violation;
    this.fail(Object.assign(new Error(`protocol violation: ${v.reason}; the session was ended so that no later reply is read as the answer to another command`), { protocolViolation: v.reason }), 'EPROTOCOL', v.step, v.reply);
  }

  private annotate(err: SmtpFailure): SmtpFailure {
    if (this.guard.awaitingDot && !err.possibleDuplicate) {
      const why = err.protocolViolation
        ? `the server received the whole message and then answered "${err.response ?? ''}" to its end`
        : /ETIMEDOUT/.test(err.code ?? '')
          ? 'the whole message was sent and the server did not confirm it in time'
          : 'the whole message was sent and the connection ended before the server confirmed it';
      err.possibleDuplicate = `${why}: the server may already have accepted the message, so another attempt may deliver a second copy`;
    }
    return err;
  }
}
