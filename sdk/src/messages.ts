import { LONGEST_TIMER_MS } from './retry.js';
import { INVALID_STATE, MailroomError, TIMEOUT } from './errors.js';
import type { Http } from './http.js';
import { everyItem } from './pages.js';
import type { CancelledMessage, Message, MessageAccepted, MessageFilter, MessagePage, MessageStatus, MessageSummary, RetriedMessage, SendMessage } from './types.js';

/**
 * Statuses where delivery is over: a message leaves them only when someone retries it (failed,
 * expired, cancelled), or, for sent, when a bounce report arrives later (it becomes bounced).
 */
export const FINAL_STATUSES: readonly MessageStatus[] = ['sent', 'failed', 'expired', 'cancelled', 'logged', 'bounced', 'suppressed'];

/** What a final status can still become on its own: a sent message, bounced once a bounce report arrives. */
const LATER: Partial<Record<MessageStatus, readonly MessageStatus[]>> = { sent: ['bounced'] };

/** `undefined` is "left out" (the default), so that a value read from an unset variable compiles under exactOptionalPropertyTypes. */
export interface WaitOptions {
  /** Stop waiting at one of these (default: any final status, {@link FINAL_STATUSES}: sent, failed, expired, cancelled, logged, bounced, suppressed). */
  until?: readonly MessageStatus[] | undefined;
  /** How long to wait in all (default 60 000 ms); then a MailroomError MAILROOM_SDK_TIMEOUT. */
  timeoutMs?: number | undefined;
  /** Pause between reads (default 500 ms). */
  intervalMs?: number | undefined;
}

/**
 * The options as waitFor uses them, refused at once when they cannot work: a NaN timeout never
 * ran out, a pause of 0 (or none) read the message as fast as the server answered, and an empty
 * `until` waited for nothing.
 */
function waitSettings(options: WaitOptions): { until: readonly MessageStatus[]; timeoutMs: number; intervalMs: number } {
  const until = options.until ?? FINAL_STATUSES;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 500;
  if (!Array.isArray(until) || until.length === 0) throw new TypeError('waitFor: until must name at least one status (leave it out to wait for any final status)');
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) throw new TypeError(`waitFor: timeoutMs must be a number of milliseconds, 0 or more (got ${String(timeoutMs)})`);
  if (typeof intervalMs !== 'number' || !(intervalMs > 0) || !(intervalMs <= LONGEST_TIMER_MS)) {
    throw new TypeError(`waitFor: intervalMs must be a number of milliseconds, more than 0 and at most ${LONGEST_TIMER_MS} (Node's longest timer, about 24.8 days) (got ${String(intervalMs)})`);
  }
  return { until, timeoutMs, intervalMs };
}

/** `details` of `messages.waitFor`'s errors (MAILROOM_SDK_INVALID_STATE, MAILROOM_SDK_TIMEOUT). */
export interface WaitErrorDetails {
  /** The message's id. */
  id: string;
  /** The status it reached (INVALID_STATE) or had at the last read (TIMEOUT). */
  messageStatus: MessageStatus;
  /** The statuses waited for. */
  until: MessageStatus[];
  /** The message as last read. */
  message: Message;
  /** TIMEOUT only: the time waited. */
  timeoutMs?: number;
}

/** The outbox and the email log: send, read, page through, retry and cancel. */
export class Messages {
  constructor(private readonly http: Http) {}

  /**
   * Queues a message; resolves once it is on disk (202). Without an `idempotencyKey` one is
   * made here, so the SDK's repeat after a 429/503 or a lost answer cannot send it twice (a repeat
   * of the call by the application makes a new key: pass your own to repeat safely).
   */
  async send(message: SendMessage): Promise<MessageAccepted> {
    const body = { ...message, idempotencyKey: message.idempotencyKey ?? `sdk-${crypto.randomUUID()}` };
    const accepted: MessageAccepted = await this.http.data(this.http.facade.POST('/api/v1/messages', { body, fetch: this.http.retrying }));
    // A key made here is this call's own: "duplicate" can only be the SDK's repeat after a lost answer.
    return message.idempotencyKey === undefined ? { ...accepted, duplicate: false } : accepted;
  }

  async get(id: string): Promise<Message> {
    return this.http.data(this.http.facade.GET('/api/v1/messages/{id}', { params: { path: { id } }, fetch: this.http.retrying }));
  }

  /** One page, newest first; pass its `nextCursor` back as `cursor` for the next. */
  async page(filter: MessageFilter & { cursor?: string | undefined } = {}): Promise<MessagePage> {
    return this.http.data(this.http.facade.GET('/api/v1/messages', { params: { query: filter }, fetch: this.http.retrying }));
  }

  /** Every message that matches, newest first, fetching pages as the loop goes: `for await (const m of mailroom.messages.list({ status: 'failed' }))`. */
  async *list(filter: MessageFilter = {}): AsyncGenerator<MessageSummary, void, undefined> {
    yield* everyItem((f) => this.page(f), filter);
  }

  /** Delivers a deferred, failed, expired or cancelled message again (not retried on 429/503: it is not idempotent). */
  async retry(id: string): Promise<RetriedMessage> {
    return this.http.data(this.http.facade.POST('/api/v1/messages/{id}/retry', { params: { path: { id } } }));
  }

  /** Cancels a queued or deferred message. */
  async cancel(id: string): Promise<CancelledMessage> {
    return this.http.data(this.http.facade.POST('/api/v1/messages/{id}/cancel', { params: { path: { id } } }));
  }

  /**
   * Reads the message until its status is one of `until` and resolves with it. Rejects with a
   * MailroomError as soon as the message reaches a final status not among `until` (code
   * MAILROOM_SDK_INVALID_STATE: waiting for "sent", it was cancelled, failed, expired …; it will
   * not change on its own; waiting for "bounced", a sent message is waited on, as a bounce report
   * may still come), or when `timeoutMs` (default 60 s) runs out (MAILROOM_SDK_TIMEOUT,
   * with the last status read); `details` are {@link WaitErrorDetails}.
   */
  async waitFor(id: string, options: WaitOptions = {}): Promise<Message> {
    const { until, timeoutMs, intervalMs } = waitSettings(options);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await this.get(id);
      if (until.includes(message.status)) return message;
      const details: WaitErrorDetails = { id, messageStatus: message.status, until: [...until], message };
      if (FINAL_STATUSES.includes(message.status) && !(LATER[message.status] ?? []).some((s) => until.includes(s))) {
        // "logged" surprises whoever develops against the log driver and waits for "sent": say why.
        const why = message.status === 'logged' ? ': Mailroom runs with MAILROOM_MAIL_DRIVER=log, which writes mail to its log instead of sending it (wait for "logged" too there)' : '';
        throw new MailroomError({ code: INVALID_STATE, status: 0, details, message: `message ${id} is ${message.status}, a final status, while waiting for ${until.join(' or ')}${why}` });
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new MailroomError({ code: TIMEOUT, status: 0, details: { ...details, timeoutMs }, message: `message ${id} is still ${message.status} after ${timeoutMs} ms (waiting for ${until.join(' or ')})` });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
    }
  }
}
