import { createHmac } from 'node:crypto';
import { SECRET_PREFIX } from '../core/webhooks/endpoints.js';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the HMAC-SHA256 of
 * `${webhook-id}.${webhook-timestamp}.${body}` keyed with the base64-decoded part of the
 * `whsec_` secret, sent as `v1,<base64>`. During a rotation's grace both secrets sign and the
 * header carries both signatures, space-separated: a receiver holding either one verifies.
 */

/** The HMAC key of a `whsec_…` secret. */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

export function signature(keys: readonly Buffer[], id: string, timestampSec: number, body: string): string {
  const signed = `${id}.${timestampSec}.${body}`;
  return keys.map((k) => `v1,${createHmac('sha256', k).update(signed).digest('base64')}`).join(' ');
}

/** The headers of one attempt: the id stays the same for every attempt and replay of an event; the timestamp is now. */
export function webhookHeaders(keys: readonly Buffer[], id: string, nowMs: number, body: string): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'Mailroom-Webhooks/1',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature(keys, id, timestamp, body),
  };
}
