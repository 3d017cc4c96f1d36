import { Events } from './events.js';
import { Http } from './http.js';
import { Messages } from './messages.js';
import type { RetryOptions } from './retry.js';
import { Suppressions } from './suppressions.js';
import { Templates } from './templates.js';
import { Webhooks } from './webhooks.js';

/**
 * Every optional setting also takes `undefined` as "left out", so that an application compiled
 * with exactOptionalPropertyTypes can pass an environment variable that may be unset
 * (`webhookSecret: process.env.MAILROOM_WEBHOOK_SECRET`) as the README does.
 */
export interface MailroomOptions {
  /** Where Mailroom listens, e.g. "https://mail.example.com" (without /api/v1). */
  url: string;
  /** An API key (mrk_…) with the scopes the calls need: send, read or admin. */
  apiKey: string;
  /** Retries of safe calls on 408/429/503 and lost answers (default 3 tries, Retry-After honoured); false: none. */
  retry?: RetryOptions | false | undefined;
  /** The secret (whsec_…) `webhooks.verify` uses when none is passed. */
  webhookSecret?: string | undefined;
  /** Another fetch (proxies, tests); it receives a Request. */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  /** The User-Agent header (default mailroom-sdk/0.1). */
  userAgent?: string | undefined;
}

/** The Mailroom API: `new Mailroom({ url, apiKey })`. */
export class Mailroom {
  readonly messages: Messages;
  readonly events: Events;
  readonly templates: Templates;
  readonly suppressions: Suppressions;
  readonly webhooks: Webhooks;
  /** Every route, typed from the OpenAPI document: `mailroom.api.GET('/api/v1/servers')`. Errors come back as `{ error }`, not thrown. */
  readonly api: Http['api'];

  constructor(options: MailroomOptions) {
    const http = new Http(options);
    this.api = http.api;
    this.messages = new Messages(http);
    this.events = new Events(http);
    this.templates = new Templates(http);
    this.suppressions = new Suppressions(http);
    this.webhooks = new Webhooks(options.webhookSecret);
  }
}

export { INVALID_STATE, MailroomError, TIMEOUT, UNEXPECTED_RESPONSE, isMailroomError, isSdkErrorCode, type MailroomErrorCode, type SdkErrorCode } from './errors.js';
export { retryAfterMs, type RetryOptions } from './retry.js';
export { FINAL_STATUSES, type WaitErrorDetails, type WaitOptions } from './messages.js';
export { verifyWebhook, type InboundMessageFacts, type MessageEventData, type WebhookEvent } from './webhooks.js';
export type * from './types.js';
