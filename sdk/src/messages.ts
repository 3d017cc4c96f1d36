import type { Http } from './http.js';
import { everyItem } from './pages.js';
import type { CancelledMessage, Message, MessageAccepted, MessageFilter, MessagePage, MessageStatus, MessageSummary, RetriedMessage, SendMessage } from './types.js';

/** Statuses after which a message changes no more on its own. */
const SETTLED: readonly MessageStatus[] = ['sent', 'failed', 'expired', 'cancelled', 'logged', 'bounced', 'suppressed'];

export interface WaitOptions {
  /** Stop waiting at one of these (default: any settled status: sent, failed, expired, cancelled, logged …). */
  until?: readonly MessageStatus[];
  timeoutMs?: number;
  intervalMs?: number;
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
    return this.http.data(this.http.facade.POST('/api/v1/messages', { body, fetch: this.http.retrying }));
  }

  async get(id: string): Promise<Message> {
    return this.http.data(this.http.facade.GET('/api/v1/messages/{id}', { params: { path: { id } }, fetch: this.http.retrying }));
  }

  /** One page, newest first; pass its `nextCursor` back as `cursor` for the next. */
  async page(filter: MessageFilter & { cursor?: string } = {}): Promise<MessagePage> {
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

  /** Reads the message until its status is one of `until`; rejects after `timeoutMs` (default 60 s) with the last status. */
  async waitFor(id: string, options: WaitOptions = {}): Promise<Message> {
    const until = options.until ?? SETTLED;
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const message = await this.get(id);
      if (until.includes(message.status)) return message;
      if (Date.now() >= deadline) throw new Error(`message ${id} is still ${message.status} after ${options.timeoutMs ?? 60_000} ms (waiting for ${until.join(', ')})`);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
    }
  }
}
