import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret } from '../../src/core/webhooks/endpoints.js';
import { webhookBody } from '../../src/core/webhooks/payload.js';
import { signature, signingKey, webhookHeaders } from '../../src/webhooks/signer.js';

/** Our signer against the specification's example and the reference library's verifier. */
describe('webhook signer', () => {
  it('reproduces the Standard Webhooks reference signature', () => {
    // The example of the specification and of its reference libraries.
    const key = signingKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(signature([key], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs what the standardwebhooks library verifies, with non-ASCII bodies too', () => {
    const secret = newWebhookSecret();
    const body = webhookBody({ type: 'message.sent', at: Date.now(), data: JSON.stringify({ subject: 'Grüße aus Köln – ✓', messageId: 'msg_1' }) });
    const headers = webhookHeaders([signingKey(secret)], 'evt_1', Date.now(), body);
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({ type: 'message.sent', data: { subject: 'Grüße aus Köln – ✓' } });
    expect(headers['content-type']).toBe('application/json');
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(secret).verify(body.replace('msg_1', 'msg_2'), headers)).toThrow(/No matching signature/);
  });

  it('puts two signatures in the header during a rotation: a receiver with either secret verifies', () => {
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    const body = '{"type":"webhook.test","timestamp":"2026-01-01T00:00:00.000Z","data":{}}';
    const headers = webhookHeaders([signingKey(newSecret), signingKey(oldSecret)], 'evt_2', Date.now(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const s of [oldSecret, newSecret]) expect(() => new Webhook(s).verify(body, headers)).not.toThrow();
  });

  it('makes secrets of 32 random bytes, whsec_-prefixed', () => {
    const s = newWebhookSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(signingKey(s)).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(s);
  });
});
