import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import { ManualClock } from '../../src/core/kernel/clock.js';
import type { WebhookRunner } from '../../src/webhooks/runner.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * Endpoints: validation with precise codes, the network policy at save time and at delivery,
 * the secret shown once (never in a listing, the audit log or the server log), rotation with
 * a grace period during which both secrets sign, permissions, audit entries.
 */
await describeEachDialect('webhook endpoints', (dialect) => {
  const clock = new ManualClock(Date.now());
  let t: TestApp;
  let receiver: WebhookReceiver;
  let runner: WebhookRunner;
  const api = async (method: string, url: string, payload?: object, key?: string) => t.request({ method: method as 'GET', url: `/api/v1${url}`, ...(payload ? { payload } : {}), ...(key ? { key } : {}) });
  const create = async (body: object) => api('POST', '/webhooks', body);
  const EVENTS = ['message.sent'];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // "localhost" is allow-listed by name: the restart below takes it away again.
    t = await startTestApp(dialect, { clock, env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1,localhost' } });
    runner = await t.app.startWebhooks({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('refuses what it cannot honour, each with its own code and the field named', async () => {
    const cases: [object, number, string, string][] = [
      [{ url: receiver.url, events: ['message.opened'] }, 400, 'MAILROOM_E_VALIDATION', 'is not an event'],
      [{ url: receiver.url, events: [] }, 400, 'MAILROOM_E_VALIDATION', 'choose at least one event'],
      [{ url: 'ftp://127.0.0.1/x', events: EVENTS }, 400, 'MAILROOM_E_VALIDATION', 'http:// or https://'],
      [{ url: 'http://user:pw@127.0.0.1/x', events: EVENTS }, 400, 'MAILROOM_E_VALIDATION', 'user name or password'],
      [{ url: 'http://127.0.0.1/x#part', events: EVENTS }, 400, 'MAILROOM_E_VALIDATION', 'fragment'],
      [{ url: 'http://127.0.0.1/x\r\nX-Evil: 1', events: EVENTS }, 400, 'MAILROOM_E_HEADER_INJECTION', 'line break'],
      // At the end as inside: a value read with its line break is refused, not trimmed.
      [{ url: `${receiver.url}\r\n`, events: EVENTS }, 400, 'MAILROOM_E_HEADER_INJECTION', 'line break'],
      [{ url: `${receiver.url}\n`, events: EVENTS }, 400, 'MAILROOM_E_HEADER_INJECTION', 'line break'],
      [{ url: `\t${receiver.url}\t`, events: EVENTS }, 400, 'MAILROOM_E_VALIDATION', 'control characters'],
      [{ url: 'not a url', events: EVENTS }, 400, 'MAILROOM_E_VALIDATION', 'spaces'],
      [{ url: '/relative', events: EVENTS }, 400, 'MAILROOM_E_VALIDATION', 'absolute URL'],
      [{ url: receiver.url, events: EVENTS, secret: 'whsec_x' }, 400, 'MAILROOM_E_UNKNOWN_FIELD', 'secret'],
      [{ url: receiver.url, events: EVENTS, description: 'two\nlines' }, 400, 'MAILROOM_E_VALIDATION', 'one line'],
      [{ url: 'http://no-such-host.invalid/x', events: EVENTS }, 400, 'MAILROOM_E_VALIDATION', 'cannot resolve'],
    ];
    for (const [body, status, code, text] of cases) {
      const res = await create(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.code, JSON.stringify(body)).toBe(code);
      expect(res.json().error.message, JSON.stringify(body)).toContain(text);
    }
    expect((await api('GET', '/webhooks')).json().items).toEqual([]);
    // Spaces around a pasted URL are dropped.
    const pasted = await create({ url: `  ${receiver.url} `, events: EVENTS });
    expect(pasted.statusCode, pasted.body).toBe(201);
    expect(pasted.json().url).toBe(receiver.url);
    await api('DELETE', `/webhooks/${pasted.json().id}`);
  });

  it('creates an endpoint, shows its secret once, audits it without the secret, and keeps the secret out of the log', async () => {
    const res = await create({ url: receiver.url, events: ['message.sent', 'message.failed', 'message.sent'], description: 'CRM' });
    expect(res.statusCode).toBe(201);
    const e = res.json();
    expect(e).toMatchObject({ url: receiver.url, events: ['message.sent', 'message.failed'], enabled: true, description: 'CRM', version: 1, rotationEndsAt: null });
    expect(e.health).toMatchObject({ state: 'idle', pending: 0, consecutiveFailures: 0 });
    expect(e.secret).toMatch(/^whsec_/);
    const listed = (await api('GET', '/webhooks')).json().items;
    const one = (await api('GET', `/webhooks/${e.id}`)).json();
    for (const shown of [JSON.stringify(listed), JSON.stringify(one)]) {
      expect(shown).not.toContain('secret"');
      expect(shown).not.toContain(e.secret.slice(6));
    }
    const audit = (await api('GET', `/audit?targetType=webhook&targetId=${e.id}`)).json().items;
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['webhook.create']);
    expect(JSON.stringify(audit)).not.toContain(e.secret.slice(6));
    receiver.secrets = [e.secret];
    await api('POST', `/webhooks/${e.id}/test`);
    await runner.drain();
    expect(receiver.delivered().length).toBe(1);
    expect(t.logLines.join('\n')).not.toContain(e.secret.slice(6));
    await api('DELETE', `/webhooks/${e.id}`);
  });

  it('refuses a receiver at 169.254.169.254, or on loopback and private addresses that are not allow-listed', async () => {
    // The running app allow-lists 127.0.0.1 and localhost; these are not.
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.1.2.3/hook', 'http://[::1]:8080/hook', 'http://[::ffff:169.254.169.254]/', 'http://127.0.0.2/hook', 'http://0.0.0.0/']) {
      const res = await create({ url, events: EVENTS });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.code).toBe('MAILROOM_E_TARGET_NOT_ALLOWED');
      expect(res.json().error.message).toMatch(/webhooks may not be sent there.*MAILROOM_ALLOW_PRIVATE_HOSTS/);
    }
    const metadata = (await create({ url: 'http://169.254.169.254/latest/', events: EVENTS })).json().error;
    expect(metadata.message).toContain('169.254.169.254 (metadata)');
  });

  it('refuses at delivery an address the policy no longer allows: nothing is sent, the attempt says why', async () => {
    const port = receiver.port;
    const e = (await create({ url: `http://localhost:${port}/hook`, events: EVENTS })).json();
    expect(e.id).toBeDefined();
    // Without the allow-list entries, localhost (loopback) is refused on every connection.
    await t.restart({ MAILROOM_ALLOW_PRIVATE_HOSTS: '10.9.9.9' });
    runner = await t.app.startWebhooks({ loop: false });
    expect((await create({ url: `http://localhost:${port}/hook`, events: EVENTS })).statusCode).toBe(403);
    // 127.0.0.1 itself, once it is not allow-listed: refused at save with the class named.
    const loopback = (await create({ url: `http://127.0.0.1:${port}/hook`, events: EVENTS })).json().error;
    expect(loopback).toMatchObject({ code: 'MAILROOM_E_TARGET_NOT_ALLOWED', details: { address: '127.0.0.1', class: 'loopback' } });
    expect(loopback.message).toBe('127.0.0.1 resolves to 127.0.0.1 (loopback): webhooks may not be sent there. If the receiver is an internal service, add it to MAILROOM_ALLOW_PRIVATE_HOSTS (an address, CIDR range or host name).');
    const before = receiver.received.length;
    const { deliveryId } = (await api('POST', `/webhooks/${e.id}/test`)).json();
    await runner.drain();
    expect(receiver.received.length).toBe(before);
    const d = (await api('GET', `/webhooks/${e.id}/deliveries/${deliveryId}`)).json();
    expect(d).toMatchObject({ status: 'pending', attemptCount: 1, lastStatusCode: null });
    expect(d.attempts[0].error).toMatch(/^localhost resolves to (127\.0\.0\.1|::1) \(loopback\): webhooks may not be sent there/);
    await api('DELETE', `/webhooks/${e.id}`);
    await t.restart({ MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1,localhost' });
    runner = await t.app.startWebhooks({ loop: false });
  });

  it('rotates the secret: during the grace period both sign (either verifies), afterwards only the new one', async () => {
    const e = (await create({ url: receiver.url, events: EVENTS })).json();
    const old = e.secret as string;
    const rotated = await api('POST', `/webhooks/${e.id}/rotate-secret`, { graceSec: 60 });
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json().secret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);
    expect(Date.parse(rotated.json().rotationEndsAt)).toBe(clock.now() + 60_000);
    receiver.secrets = [old, fresh];
    const mark = receiver.received.length;
    await api('POST', `/webhooks/${e.id}/test`);
    await runner.drain();
    const during = receiver.received.slice(mark);
    expect(during).toHaveLength(1);
    expect(during[0].signature.split(' ')).toHaveLength(2);
    expect(during[0].verifiedWith).toEqual([0, 1]);

    clock.advance(61_000);
    await api('POST', `/webhooks/${e.id}/test`);
    await runner.drain();
    const after = receiver.received.slice(mark + 1);
    expect(after).toHaveLength(1);
    expect(after[0].signature.split(' ')).toHaveLength(1);
    expect(after[0].verifiedWith).toEqual([1]);
    expect((await api('GET', `/webhooks/${e.id}`)).json().rotationEndsAt).toBeNull();

    // Without grace the old secret stops at once.
    const now = (await api('POST', `/webhooks/${e.id}/rotate-secret`, { graceSec: 0 })).json();
    receiver.secrets = [fresh, now.secret];
    await api('POST', `/webhooks/${e.id}/test`);
    await runner.drain();
    expect(receiver.received.at(-1)!.verifiedWith).toEqual([1]);
    const actions = (await api('GET', `/audit?targetType=webhook&targetId=${e.id}`)).json().items.map((a: { action: string }) => a.action);
    expect(actions.filter((a: string) => a === 'webhook.rotate_secret')).toHaveLength(2);
    expect(JSON.stringify((await api('GET', '/audit')).json())).not.toContain(fresh.slice(6));
    await api('DELETE', `/webhooks/${e.id}`);
  });

  it('updates with the version read, switches off and on, deletes with its deliveries', async () => {
    const e = (await create({ url: receiver.url, events: EVENTS })).json();
    const stale = await api('PATCH', `/webhooks/${e.id}`, { description: 'x', version: 7 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('MAILROOM_E_VERSION_CONFLICT');
    expect((await api('PATCH', `/webhooks/${e.id}`, { description: 'x' })).json().error.details).toEqual({ field: 'version' });
    const off = (await api('PATCH', `/webhooks/${e.id}`, { enabled: false, version: 1 })).json();
    expect(off).toMatchObject({ enabled: false, disabledReason: null, version: 2, health: { state: 'disabled' } });
    const test = await api('POST', `/webhooks/${e.id}/test`);
    expect(test.statusCode).toBe(409);
    expect(test.json().error).toMatchObject({ code: 'MAILROOM_E_INVALID_STATE' });
    expect(test.json().error.message).toContain('switch it on');
    const on = (await api('PATCH', `/webhooks/${e.id}`, { enabled: true, events: ['message.failed'], version: 2 })).json();
    expect(on).toMatchObject({ enabled: true, events: ['message.failed'], version: 3 });
    const { deliveryId } = (await api('POST', `/webhooks/${e.id}/test`)).json();
    expect((await api('DELETE', `/webhooks/${e.id}`)).statusCode).toBe(204);
    expect((await api('GET', `/webhooks/${e.id}`)).statusCode).toBe(404);
    expect((await api('GET', `/webhooks/${e.id}/deliveries/${deliveryId}`)).statusCode).toBe(404);
    expect(await t.app.ports.ctx.store.repos.webhookDeliveries.get(deliveryId)).toBeUndefined();
  });

  it('lets readers see endpoints and the log but not change anything', async () => {
    const e = (await create({ url: receiver.url, events: EVENTS })).json();
    const { key } = await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'reader', scopes: ['read'] }, null);
    expect((await api('GET', '/webhooks', undefined, key)).statusCode).toBe(200);
    expect((await api('GET', `/webhooks/${e.id}/deliveries`, undefined, key)).statusCode).toBe(200);
    for (const [method, url, body] of [
      ['POST', '/webhooks', { url: receiver.url, events: EVENTS }],
      ['PATCH', `/webhooks/${e.id}`, { enabled: false, version: 1 }],
      ['POST', `/webhooks/${e.id}/test`, undefined],
      ['POST', `/webhooks/${e.id}/rotate-secret`, {}],
      ['POST', `/webhooks/${e.id}/deliveries/replay`, { since: new Date(0).toISOString() }],
      ['DELETE', `/webhooks/${e.id}`, undefined],
    ] as const) {
      const res = await api(method, url, body, key);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('MAILROOM_E_FORBIDDEN');
    }
    await api('DELETE', `/webhooks/${e.id}`);
  });
});

describe('webhook event filter', () => {
  it('names the events this version emits', async () => {
    const { WEBHOOK_EVENT_TYPES } = await import('../../src/core/webhooks/event-types.js');
    expect(WEBHOOK_EVENT_TYPES).toEqual(['message.sent', 'message.deferred', 'message.failed', 'message.expired', 'message.cancelled', 'message.suppressed', 'message.bounced', 'message.received', 'message.replied']);
  });
});
