// Compiled by test/integration/sdk-facade-answers.test.ts inside a build of the SDK: must compile
// cleanly. The payloads docs/webhooks.md describes, as the server sends them.
import { verifyWebhook, type MessageEventData, type WebhookEvent } from './index.js';

// message.received: the received message has no purpose, key or attempts of its own.
export const received: WebhookEvent<MessageEventData> = {
  type: 'message.received',
  timestamp: '2026-12-04T06:00:00.000Z',
  data: {
    messageId: 'msg_01m8zte3hna5c8q8ntw4f65kpn',
    status: 'received',
    purpose: null,
    idempotencyKey: null,
    attemptCount: 0,
    reason: null,
    recipients: [],
    inbound: { id: 'msg_01m8zte3hna5c8q8ntw4f65kpn', kind: 'mail', accountId: 'acc_01m8ztc09a5gk4v2kq5vhzh43p', from: 'ann@example.net', inReplyTo: null },
  },
};

export function replyFrom(body: string, headers: Record<string, string>, secret: string): string | undefined {
  const event = verifyWebhook<MessageEventData>(body, headers, secret);
  return event.type === 'message.replied' ? event.data.inbound?.from : undefined;
}
