import type { MailMessage, NodemailerError, SentMessageInfo, SMTPConnectionOptions, Transport } from 'nodemailer';
import { GuardedConnection, type SmtpFailure } from './guarded-connection.js';
import type { SmtpLogin } from './guarded-connection.js';
import type { MailroomMailOptions } from './mail-options.js';

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

type Callback = (err: NodemailerError | null, info?: SentMessageInfo) => void;

interface Job {
  mail: MailMessage;
  callback: Callback;
  priority: number;
}

const IDLE_MS = 60_000;

/**
 * A pool of guarded SMTP connections for one account, as a nodemailer transport (so nodemailer
 * still composes, DKIM-signs and streams the message). It replaces nodemailer's SMTPPool, which
 * re-queues a message by itself when a connection closes under it (a 421 on a reused
 * connection, a close before the greeting: up to five silent tries ~200 ms apart) and so hides
 * attempts from the outbox and skips its schedule. Here each sendMail is exactly one attempt:
 * it opens or reuses one connection and reports whatever happened, and only the outbox retries.
 */
export class GuardedPool implements Transport {
  readonly name = 'SMTP (guarded pool)';
  readonly version = '1.0.0';
  private queue: Job[] = [];
  private idle: { conn: GuardedConnection; timer: NodeJS.Timeout }[] = [];
  /** Connections open or opening. */
  private count = 0;
  private closed = false;

  constructor(private readonly o: GuardedPoolOptions) {}

  send(mail: MailMessage, callback: Callback): void {
    if (this.closed) {
      setImmediate(() => callback(Object.assign(new Error('the SMTP pool is closed'), { code: 'ECONNECTION' })));
      return;
    }
    // Urgent mail first: a two-factor code overtakes the bulk messages already waiting for a
    // connection (the outbox claims by priority too; this is the last queue it passes).
    const priority = (mail.data as MailroomMailOptions).mailroomPriority ?? 0;
    let at = this.queue.length;
    while (at > 0 && this.queue[at - 1].priority < priority) at--;
    this.queue.splice(at, 0, { mail, callback, priority });
    this.pump();
  }

  /** Closes idle connections now and busy ones after their message; queued messages fail. */
  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.callback(Object.assign(new Error('the SMTP pool was closed before this message was sent'), { code: 'ECONNECTION' }));
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

  /** One attempt: a connection (new or idle), one transaction, one callback, whatever happens. */
  private async deliver(reuse: GuardedConnection | undefined, job: Job): Promise<void> {
    let conn = reuse;
    let info: SentMessageInfo;
    try {
      if (!conn) {
        conn = this.connection();
        await conn.open(this.o.auth, this.o.connectTimeoutMs);
      }
      const message = job.mail.message;
      // The DSN parameters (ENVID) ride on the envelope; nodemailer sends them only to a server that offers DSN.
      const dsn = job.mail.data.dsn;
      const envelope = { ...message.getEnvelope(), ...(dsn ? { dsn } : {}) };
      const sent = await conn.transact(envelope, message.createReadStream(), this.o.sendTimeoutMs);
      // The TLS in use travels with the result: direct delivery records it per attempt.
      info = { ...sent, envelope: { from: envelope.from, to: envelope.to }, messageId: message.messageId(), tls: conn.negotiatedTls() };
    } catch (raw) {
      const err = raw as SmtpFailure & NodemailerError;
      job.callback(err);
      if (conn) this.afterFailure(conn, err);
      return;
    }
    job.callback(null, info);
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
