import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookRunner } from '../../src/webhooks/runner.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * The Python verifier printed in docs/webhooks.md, run by python3 on a request Mailroom really
 * sent: it accepts it (with one signature and with two during a rotation) and refuses it once
 * the body is changed. A reader copying the snippet gets code that works.
 */
const doc = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
const python = /```python\n([\s\S]*?)```/.exec(doc)![1];

function pythonVerifies(secret: string, headers: Record<string, string>, body: string): boolean {
  const script = `${python}\nimport json, sys\nd = json.load(sys.stdin)\ntry:\n    verify(d["secret"], d["headers"], d["body"].encode())\n    print("ok")\nexcept ValueError as e:\n    print("refused:", e)\n`;
  const out = execFileSync('python3', ['-c', script], { input: JSON.stringify({ secret, headers, body }), encoding: 'utf8' }).trim();
  return out === 'ok';
}

describe('the documented Python verifier', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let runner: WebhookRunner;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp('sqlite', { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    runner = await t.app.startWebhooks({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('accepts what Mailroom signs and refuses a changed body, also during a rotation', async () => {
    const e = (await t.request({ method: 'POST', url: '/api/v1/webhooks', payload: { url: receiver.url, events: ['message.sent'] } })).json();
    await t.request({ method: 'POST', url: `/api/v1/webhooks/${e.id}/test` });
    await runner.drain();
    const [w] = receiver.received;
    const headers = { 'webhook-id': w.id, 'webhook-timestamp': w.timestamp, 'webhook-signature': w.signature };
    expect(pythonVerifies(e.secret, headers, w.body)).toBe(true);
    expect(pythonVerifies(e.secret, headers, w.body.replace('webhook.test', 'webhook.tesT'))).toBe(false);

    const rotated = (await t.request({ method: 'POST', url: `/api/v1/webhooks/${e.id}/rotate-secret`, payload: { graceSec: 3600 } })).json();
    await t.request({ method: 'POST', url: `/api/v1/webhooks/${e.id}/test` });
    await runner.drain();
    const two = receiver.received[1];
    const h2 = { 'webhook-id': two.id, 'webhook-timestamp': two.timestamp, 'webhook-signature': two.signature };
    expect(two.signature.split(' ')).toHaveLength(2);
    expect(pythonVerifies(e.secret, h2, two.body)).toBe(true);
    expect(pythonVerifies(rotated.secret, h2, two.body)).toBe(true);
  });
});
