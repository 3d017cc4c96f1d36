import type { SMTPConnectionOptions } from 'nodemailer';
import type { SMTPConnectionSendInfo } from 'nodemailer/lib/smtp-connection';
import { wireMessage, type ComposedMail } from './composed-mail.js';
import { GuardedConnection, type SmtpFailure } from './guarded-connection.js';
import type { NegotiatedTls } from '../../core/outbox/attempt-route.js';
import type { SmtpLogin } from './guarded-connection.js';

export interface GuardedPoolOptions {
  /** nodemailer's connection options: host, port, TLS mode and options, its own timeouts. */
  connection: SMTPConnectionOptions;
  auth?: SmtpLogin;
  maxConnections: number;
  /** Total time to connect, greet, EHLO, STARTTLS and log in. */
  connectTimeoutMs: number;
  /** Total time for one message's transaction. */
  sendTimeoutMs: number;
  /** An idle connection says QUIT after this long (default 60 s). */
  idleTimeoutMs?: number;
}

/** What the server said to a transaction, with the envelope it was for and the session's TLS. */
export interface PoolSendInfo extends SMTPConnectionSendInfo {
  envelope: { from: string; to: string[] };
  tls: NegotiatedTls | null;
}

interface Job {
  mail: ComposedMail;
  resolve: (info: PoolSendInfo) => void;
  reject: (err: SmtpFailure) => void;
}

const failure = (message: string): SmtpFailure => Object.assign(new Error(message), { code: 'ECONNECTION' });

/** The error code of a message let go before it reached a connection (GuardedPool.shed): nothing was sent. */
export const NOT_SENT = 'ENOTSENT';

const IDLE_MS = 60_000;

/**
 * A pool of guarded SMTP connections for one account (or one direct exchanger), sending
 * composed messages (ComposedMail). It replaces nodemailer's SMTPPool, which
 * re-queues a message by itself when a connection closes under it (a 421 on a reused
 * connection, a close before the greeting: up to five silent tries ~200 ms apart) and so hides
 * attempts from the outbox and skips its schedule. Here each send is exactly one attempt:
 * it opens or reuses one connection and reports whatever happened, and only the outbox retries.
 */
export class GuardedPool {
  private queue: Job[] = [];
  private idle: { conn: GuardedConnection; timer: NodeJS.Timeout }[] = [];
  /** Connections open or opening. */
  private count = 0;
  private closed = false;

  constructor(private readonly o: GuardedPoolOptions) {}

  /** One attempt: resolves with the server's answer, rejects with nodemailer's error (what, where, the reply). */
  send(mail: ComposedMail): Promise<PoolSendInfo> {
    if (this.closed) return Promise.reject(failure('the SMTP pool is closed'));
    return new Promise((resolve, reject) => {
      // Urgent mail first: a two-factor code overtakes the bulk messages already waiting for a
      // connection (the outbox claims by priority too; this is the last queue it passes).
      let at = this.queue.length;
      while (at > 0 && this.queue[at - 1].mail.priority < mail.priority) at--;
      this.queue.splice(at, 0, { mail, resolve, reject });
      this.pump();
    });
  }

  /**
   * Lets go of the messages still waiting for a connection (they fail with NOT_SENT: nothing of
   * them was sent); messages being sent finish. The pool stays open.
   */
  shed(reason: string): void {
    for (const job of this.queue.splice(0)) job.reject(Object.assign(new Error(reason), { code: NOT_SENT }));
  }

  /** Closes idle connections now and busy ones after their message; queued messages fail. */
  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(failure('the SMTP pool was closed before this message was sent'));
    for (const { conn, timer } of this.idle.splice(0)) {
      clearTimeout(timer);
      conn.quit();
    }
  }

  private pump(): void {
    while (this.queue.length && !this.closed) {
      const reuse = this.takeIdle();
      if (!reuse && this.count >= this.o.maxConnections) return;
      const job = this.queue.shift() as Job;
      void this.deliver(reuse, job);
    }
  }

  private takeIdle(): GuardedConnection | undefined {
    for (let slot = this.idle.pop(); slot; slot = this.idle.pop()) {
      clearTimeout(slot.timer);
      if (!slot.conn.closed) return slot.conn;
    }
    return undefined;
  }

  private connection(): GuardedConnection {
    this.count++;
    const conn: GuardedConnection = new GuardedConnection(this.o.connection, () => {
      this.count--;
      this.idle = this.idle.filter((s) => s.conn !== conn);
      this.pump();
    });
    return conn;
  }

  /** One attempt: a connection (new or idle), one transaction, one outcome, whatever happens. */
  private async deliver(reuse: GuardedConnection | undefined, job: Job): Promise<void> {
    let conn = reuse;
    let info: PoolSendInfo;
    try {
      if (!conn) {
        conn = this.connection();
        await conn.open(this.o.auth, this.o.connectTimeoutMs);
      }
      // The DSN parameters (ENVID) ride on the envelope; nodemailer sends them only to a server that offers DSN.
      const { from, to } = job.mail.envelope;
      const sent = await conn.transact(job.mail.envelope, wireMessage(job.mail), this.o.sendTimeoutMs);
      // The TLS in use travels with the result: direct delivery records it per attempt.
      info = { ...sent, envelope: { from, to }, tls: conn.negotiatedTls() };
    } catch (raw) {
      const err = raw as SmtpFailure;
      // A refused transaction (every RCPT, the message) ran over the session's TLS all the same.
      if (conn) err.tls = conn.negotiatedTls();
      job.reject(err);
      if (conn) this.afterFailure(conn, err);
      return;
    }
    job.resolve(info);
    this.release(conn);
  }

  /** A refused message leaves a sound session (nodemailer's pool reuses it the same way); anything else ends it. */
  private afterFailure(conn: GuardedConnection, err: SmtpFailure): void {
    if (conn.closed || (err.code !== 'EENVELOPE' && err.code !== 'EMESSAGE') || err.responseCode === 421) return conn.close();
    conn.reset(this.o.sendTimeoutMs).then(
      () => this.release(conn),
      () => conn.close(),
    );
  }

  private release(conn: GuardedConnection): void {
    if (conn.closed) return;
    if (this.closed) return conn.quit();
    const timer = setTimeout(() => {
      this.idle = this.idle.filter((s) => s.conn !== conn);
      conn.quit();
    }, this.o.idleTimeoutMs ?? IDLE_MS);
    timer.unref();
    this.idle.push({ conn, timer });
    this.pump();
  }
}
