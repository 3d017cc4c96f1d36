import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A query parameter either does what docs/api.md says or is refused with a stable code: one a
 * route does not take (`GET /servers?limit=10`, `GET /accounts?server=…`), an empty filter
 * (`?status=`, `?purpose=`) and an empty entry in a list (`?status=sent,`) would otherwise
 * answer as if nothing had been asked, and an integrator reads that answer as the filtered one.
 */
await describeEachDialect('query parameters a route does not act on are refused', (dialect) => {
  let t: TestApp;
  const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const refused = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await api(method, url, payload);
    expect(res.statusCode, `${url} ${res.body}`).toBe(400);
    return res.json().error as { code: string; message: string; details: Record<string, unknown> };
  };

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => t?.close());

  it('names every unknown field at once, in the order sent, in a body, a nested object and the query', async () => {
    const message = { to: 'a@example.net', subject: 's', text: 't' };
    expect(await refused('POST', '/messages', { ...message, foo: 1, bar: 2 })).toEqual({ code: 'MAILROOM_E_UNKNOWN_FIELD', message: 'body: unknown fields "foo", "bar"', details: { field: 'body', unknown: ['foo', 'bar'] } });
    expect(await refused('POST', '/messages', { ...message, attachments: [{ filename: 'a', contentBase64: 'YQ==', x: 1, y: 2 }] })).toEqual({
      code: 'MAILROOM_E_UNKNOWN_FIELD',
      message: 'attachments[0]: unknown fields "x", "y"',
      details: { field: 'attachments[0]', unknown: ['x', 'y'] },
    });
    expect(await refused('GET', '/messages?foo=1&status=sent&bar=2')).toEqual({ code: 'MAILROOM_E_UNKNOWN_FIELD', message: 'querystring: unknown fields "foo", "bar"', details: { field: 'querystring', unknown: ['foo', 'bar'] } });
    // One alone is named as before.
    expect((await refused('POST', '/messages', { ...message, colour: 'red' })).message).toBe('body: unknown field "colour"');
  });

  it('a parameter the route does not take, on routes that take none or only others', async () => {
    for (const [url, name] of [
      ['/servers?limit=10', 'limit'],
      ['/accounts?server=srv_x', 'server'],
      ['/users?role=admin', 'role'],
      ['/purposes?enabled=true', 'enabled'],
      ['/templates?purpose=alert', 'purpose'],
      ['/webhooks?enabled=false', 'enabled'],
      ['/smtp-credentials?q=billing', 'q'],
      ['/messages/stats?purpose=alert', 'purpose'],
      ['/settings?key=retention', 'key'],
      ['/secret-providers?kind=vault', 'kind'],
    ] as const) {
      expect(await refused('GET', url), url).toEqual({ code: 'MAILROOM_E_UNKNOWN_FIELD', message: `querystring: unknown field "${name}"`, details: { field: 'querystring', unknown: [name] } });
    }
    // The parameters a route documents still work: an id of no server (deleted, say) finds none.
    expect((await api('GET', '/accounts?serverId=srv_01jz0000000000000000000000')).json()).toEqual({ items: [] });
    // Text no id can be (a name, a typo) is refused rather than answered with an empty list.
    for (const [url, field, kind] of [
      ['/accounts?serverId=srv_x', 'serverId', 'a server'],
      ['/messages?accountId=billing%40example.com', 'accountId', 'an account'],
      ['/relay/rejections?credentialId=legacy', 'credentialId', 'an SMTP credential'],
    ] as const) {
      expect(await refused('GET', url), url).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: expect.stringContaining(`is not ${kind} id: give the id`), details: { field } });
    }
  });

  it('the OpenAPI document lists MAILROOM_E_UNKNOWN_FIELD for them', async () => {
    const doc = (await t.request({ method: 'GET', url: '/docs/json' })).json();
    const codes = (path: string) => doc.paths[path].get.responses['400'].content['application/json'].schema.properties.error.properties.code.enum as string[];
    expect(codes('/api/v1/servers')).toContain('MAILROOM_E_UNKNOWN_FIELD');
    expect(codes('/api/v1/accounts')).toContain('MAILROOM_E_UNKNOWN_FIELD');
  });

  it('an empty filter value, on every list', async () => {
    for (const [url, name] of [
      ['/messages?status=', 'status'],
      ['/messages?purpose=', 'purpose'],
      ['/messages?accountId=', 'accountId'],
      ['/messages?q=', 'q'],
      ['/messages?recipient=', 'recipient'],
      ['/messages?to=', 'to'],
      ['/messages?since=', 'since'],
      ['/messages?until=', 'until'],
      ['/audit?action=', 'action'],
      ['/audit?actor=', 'actor'],
      ['/accounts?serverId=', 'serverId'],
      ['/suppressions?q=', 'q'],
      ['/events?type=', 'type'],
    ] as const) {
      expect(await refused('GET', url), url).toEqual({ code: 'MAILROOM_E_VALIDATION', message: `${name}: must not be empty: leave the parameter out instead`, details: { field: name } });
    }
  });

  it('an empty entry in a list of statuses, on the email log and a webhook\'s deliveries', async () => {
    const hook = await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['message.sent'] });
    expect(hook.statusCode, hook.body).toBe(201);
    const deliveries = `/webhooks/${hook.json().id}/deliveries`;
    for (const url of ['/messages?status=sent,', '/messages?status=,', '/messages?status=sent,,failed', `${deliveries}?status=failed,`]) {
      expect(await refused('GET', url), url).toEqual({ code: 'MAILROOM_E_VALIDATION', message: 'status: has an empty entry: list them separated by single commas', details: { field: 'status' } });
    }
    expect((await api('GET', '/messages?status=sent,%20logged')).statusCode).toBe(200);
    expect((await api('GET', `${deliveries}?status=failed,succeeded`)).statusCode).toBe(200);
    expect((await refused('POST', '/messages/retry', { filter: { status: ['failed', ''] } })).details).toEqual({ field: 'filter.status' });
  });

  it('the recipient filter: the address as it was sent finds the message; what is no address is refused', async () => {
    const sent = await api('POST', '/messages', { to: ['Ann <Ann@bücher.example>'], subject: 'idn', text: 't' });
    expect(sent.statusCode, sent.body).toBe(202);
    // Stored with the domain in ASCII: the address as sent (and with spaces around it) found nothing.
    for (const given of ['ann@b%C3%BCcher.example', 'ANN@xn--bcher-kva.example', '%20ann@b%C3%BCcher.example%20']) {
      const page = (await api('GET', `/messages?recipient=${given}`)).json();
      expect(page.items.map((m: { id: string }) => m.id), given).toEqual([sent.json().id]);
    }
    expect((await api('GET', '/messages?to=ann@b%C3%BCcher.example')).json().items).toHaveLength(1);
    expect(await refused('GET', '/messages?recipient=ann')).toMatchObject({ code: 'MAILROOM_E_INVALID_ADDRESS', details: { field: 'recipient' } });
    expect(await refused('GET', '/messages?to=ann')).toMatchObject({ code: 'MAILROOM_E_INVALID_ADDRESS', details: { field: 'to' } });
    expect(await refused('GET', '/messages?recipient=Ann%20%3Cann@example.net%3E')).toEqual({
      code: 'MAILROOM_E_VALIDATION',
      message: 'recipient: give the address alone (ann@example.com), without a display name: the filter matches whole addresses',
      details: { field: 'recipient' },
    });
  });

  it("a bulk action's filter with an empty value changes nothing (it would have matched every message)", async () => {
    const sent = await api('POST', '/messages', { to: ['later@example.net'], subject: 'later', text: 't', sendAt: '2030-01-01T00:00:00Z' });
    expect(sent.statusCode, sent.body).toBe(202);
    const { id } = sent.json();
    expect(await refused('POST', '/messages/cancel', { filter: { purpose: '' } })).toEqual({
      code: 'MAILROOM_E_VALIDATION',
      message: 'filter.purpose: must not be empty: leave the field out instead',
      details: { field: 'filter.purpose' },
    });
    expect((await refused('POST', '/messages/cancel', { filter: { status: [] } })).details).toEqual({ field: 'filter.status' });
    expect((await refused('POST', '/messages/cancel', { filter: { status: '' } })).details).toEqual({ field: 'filter.status' });
    expect((await api('GET', `/messages/${id}`)).json().status).toBe('queued');
    // A webhook's bulk replay likewise: until "" replayed up to now.
    const hook = (await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/bulk', events: ['message.sent'] })).json();
    expect(await refused('POST', `/webhooks/${hook.id}/deliveries/replay`, { since: '2026-01-01', until: '' })).toEqual({
      code: 'MAILROOM_E_VALIDATION',
      message: 'until: must not be empty: leave it out instead',
      details: { field: 'until' },
    });
  });
});
