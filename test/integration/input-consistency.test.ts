import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Input that SQLite and PostgreSQL would each treat their own way (PostgreSQL refuses a NUL in
 * text, SQLite stores or matches it) is refused before it reaches either, with the same answer
 * naming the field; values that would silently do nothing are refused too. Nothing is stored.
 */
await describeEachDialect('the same answer on both databases for text they disagree about', (dialect) => {
  let t: TestApp;
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const refused = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const res = await api(method, url, payload);
    expect(res.statusCode, `${url} ${res.body}`).toBe(400);
    return res.json().error as { code: string; message: string; details: { field?: string } };
  };
  const messageCount = async () => (await api('GET', '/messages?limit=500')).json().items.length as number;

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  it('an idempotency key: one line of 1 to 200 characters', async () => {
    const message = { to: ['ann@example.net'], subject: 's', text: 't' };
    const before = await messageCount();
    // A NUL is refused with every other field's NUL, by the body parser (input-encoding.test.ts).
    expect(await refused('POST', '/messages', { ...message, idempotencyKey: 'a\u0000b' })).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'idempotencyKey' } });
    for (const idempotencyKey of ['order\n42', 'tab\there', 'bell\u0007']) {
      expect(await refused('POST', '/messages', { ...message, idempotencyKey })).toEqual({
        code: 'MAILROOM_E_VALIDATION',
        message: 'idempotencyKey: must not contain control characters (line breaks, tabs, NUL)',
        details: { field: 'idempotencyKey' },
      });
    }
    expect(await refused('POST', '/messages', { ...message, idempotencyKey: '' })).toMatchObject({ message: 'idempotencyKey: must not be empty: leave it out to send without one', details: { field: 'idempotencyKey' } });
    expect((await refused('POST', '/messages', { ...message, idempotencyKey: 'k'.repeat(201) })).details.field).toBe('idempotencyKey');
    expect(await messageCount()).toBe(before);
    const first = (await api('POST', '/messages', { ...message, idempotencyKey: 'k'.repeat(200) })).json();
    expect((await api('POST', '/messages', { ...message, idempotencyKey: 'k'.repeat(200) })).json().id).toBe(first.id);
  });

  it('an empty purpose, accountId, serverId or attachment type on a message: refused, not taken as left out', async () => {
    const message = { to: ['ann@example.net'], subject: 's', text: 't' };
    const before = await messageCount();
    // accountId "" slipped past allowOverride (the admin key has none) and sent from the default account.
    for (const field of ['purpose', 'accountId', 'serverId']) {
      expect(await refused('POST', '/messages', { ...message, [field]: '' }), field).toEqual({ code: 'MAILROOM_E_VALIDATION', message: `${field}: must not be empty: leave it out instead`, details: { field } });
    }
    // An attachment's type "" went out as application/octet-stream, the type of one without it.
    const attachment = { filename: 'a.txt', contentType: '', contentBase64: 'YQ==' };
    expect(await refused('POST', '/messages', { ...message, attachments: [attachment] })).toEqual({
      code: 'MAILROOM_E_VALIDATION',
      message: 'attachments[0].contentType: must not be empty: leave it out for application/octet-stream',
      details: { field: 'attachments[0].contentType' },
    });
    expect(await messageCount()).toBe(before);
  });

  it('a control character in any query parameter, on every list', async () => {
    for (const [url, field] of [
      ['/messages?q=%00', 'q'],
      ['/messages?recipient=a%0a@example.net', 'recipient'],
      ['/messages?purpose=report%00', 'purpose'],
      ['/suppressions?q=x%00', 'q'],
      ['/audit?action=message.retry%0d%0a', 'action'],
      ['/audit?actor=%00', 'actor'],
      ['/events?type=x%00', 'type'],
    ] as const) {
      expect(await refused('GET', url), url).toEqual({ code: 'MAILROOM_E_VALIDATION', message: `${field}: must not contain control characters (a NUL, a line break, a tab)`, details: { field } });
    }
    // Text without them is searched as before.
    expect((await api('GET', '/messages?q=zz%25_')).statusCode).toBe(200);
  });

  it("an audit action or target type the log never records: refused with the known ones, not an empty page", async () => {
    // A change for the log to hold, so an empty answer below would be the filter's doing.
    expect((await api('POST', '/purposes', { key: 'audit_filter_probe' })).statusCode).toBe(201);
    const mistyped = await refused('GET', '/audit?action=purpose.created');
    expect(mistyped).toMatchObject({
      code: 'MAILROOM_E_VALIDATION',
      message: 'action: "purpose.created" is not an action the audit log records; purpose\'s actions are purpose.create, purpose.update, purpose.delete',
      details: { field: 'action', allowed: expect.arrayContaining(['purpose.create', 'message.retry']) },
    });
    expect(await refused('GET', '/audit?targetType=purposes')).toMatchObject({ details: { field: 'targetType', allowed: expect.arrayContaining(['purpose', 'account']) } });
    const found = (await api('GET', '/audit?action=purpose.create&targetType=purpose')).json().items;
    expect(found.map((e: { targetId: string }) => e.targetId)).toEqual(['audit_filter_probe']);
    // A known action nothing has done yet is an empty page, as before.
    expect((await api('GET', '/audit?action=webhook.auto_disable')).json()).toEqual({ items: [], nextCursor: null });
  });

  it('`to` beside `recipient` on the log: one of them, not one silently dropped', async () => {
    expect(await refused('GET', '/messages?recipient=a@example.net&to=b@example.net')).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: 'to: is another name for recipient: give one of them', details: { field: 'to' } });
    expect((await api('GET', '/messages?recipient=a@example.net&to=a@example.net')).statusCode).toBe(200);
    expect((await api('GET', '/messages?to=a@example.net')).statusCode).toBe(200);
  });

  it('a name people give a thing is one line: API keys, relay credentials, templates', async () => {
    const cases: ['POST' | 'PUT', string, object][] = [
      ['POST', '/api-keys', { name: 'ci\r\nadmin: yes', scopes: ['send'] }],
      ['POST', '/smtp-credentials', { name: 'legacy\napp', allowedFrom: ['@example.com'] }],
      ['PUT', '/templates/welcome_note', { name: 'Welcome\nnote', locales: { en: { subject: 'Hi', text: 'Hello' } } }],
    ];
    for (const [method, url, body] of cases) {
      expect(await refused(method, url, body), url).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: 'name: must be one line of text, without control characters', details: { field: 'name' } });
    }
    expect((await api('GET', '/smtp-credentials')).json().items).toEqual([]);
    const ok = await api('POST', '/smtp-credentials', { name: '  legacy app  ', allowedFrom: ['@example.com'] });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ name: 'legacy app' });
  });

  it('a relay credential\'s purpose or accountId of "": refused, not taken as none (PATCH cleared it)', async () => {
    const expected = (field: string) => ({ code: 'MAILROOM_E_VALIDATION', message: `${field}: must not be empty: give null for none, or leave it out to keep it`, details: { field } });
    expect(await refused('POST', '/smtp-credentials', { name: 'empty purpose', allowedFrom: ['@example.com'], purpose: '' })).toEqual(expected('purpose'));
    const made = await api('POST', '/smtp-credentials', { name: 'alerts app', allowedFrom: ['@example.com'], purpose: 'alert' });
    expect(made.statusCode, made.body).toBe(201);
    const c = made.json();
    for (const field of ['purpose', 'accountId']) {
      const res = await t.request({ method: 'PATCH', url: `/api/v1/smtp-credentials/${c.id}`, payload: { version: c.version, [field]: '' } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toEqual(expected(field));
    }
    expect((await api('GET', `/smtp-credentials/${c.id}`)).json()).toMatchObject({ purpose: 'alert', version: c.version });
  });

  it('a rule\'s accountId or purpose, a template\'s purpose or layout of "": refused, not taken as none (a PATCH removed the rule\'s account, a PUT the layout)', async () => {
    const expected = (field: string) => ({ code: 'MAILROOM_E_VALIDATION', message: `${field}: must not be empty: give null for none`, details: { field } });
    const template = { name: 'Empty check', purpose: 'alert', layout: 'default', locales: { en: { subject: 'Hi', text: 'Hello' } } };
    expect(await refused('PUT', '/templates/empty_check', { ...template, layout: '' })).toEqual(expected('layout'));
    expect(await refused('PUT', '/templates/empty_check', { ...template, purpose: '' })).toEqual(expected('purpose'));
    const saved = await api('PUT', '/templates/empty_check', template);
    expect(saved.statusCode, saved.body).toBe(200);
    const v = saved.json().version as number;
    for (const field of ['layout', 'purpose']) {
      const res = await t.request({ method: 'PATCH', url: '/api/v1/templates/empty_check', payload: { version: v, [field]: '' } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toEqual(expected(field));
    }
    expect((await api('GET', '/templates/empty_check')).json()).toMatchObject({ purpose: 'alert', layout: 'default', version: v });
    expect(await refused('POST', '/templates/empty_check/preview', { locale: 'en', content: { subject: 's', text: 't' }, layout: '' })).toEqual(expected('layout'));

    const rule = { name: 'empty check', events: ['order.*'], recipients: { addresses: ['ops@example.com'] }, template: 'empty_check' };
    expect(await refused('POST', '/rules', { ...rule, accountId: '' })).toEqual(expected('accountId'));
    expect(await refused('POST', '/rules', { ...rule, purpose: '' })).toEqual(expected('purpose'));
    const made = await api('POST', '/rules', { ...rule, purpose: 'alert' });
    expect(made.statusCode, made.body).toBe(201);
    const r = made.json();
    for (const field of ['purpose', 'accountId']) {
      const res = await t.request({ method: 'PATCH', url: `/api/v1/rules/${r.id}`, payload: { version: r.version, [field]: '' } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toEqual(expected(field));
    }
    expect((await api('GET', `/rules/${r.id}`)).json()).toMatchObject({ purpose: 'alert', version: r.version });
    // null is none, as documented.
    const none = await t.request({ method: 'PATCH', url: `/api/v1/rules/${r.id}`, payload: { version: r.version, purpose: null } });
    expect(none.statusCode, none.body).toBe(200);
    expect(none.json().purpose).toBeNull();
  });
});
