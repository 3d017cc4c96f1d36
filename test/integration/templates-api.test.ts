import { afterAll, beforeAll, expect, it } from 'vitest';
import { queueFromCli } from '../../src/cli/commands/send.js';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { ADMIN_EMAIL, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The template store and API on both dialects: versions kept for the log, built-ins reset not
 * deleted, layouts in use kept, locale fallback, previews (saved and unsaved), test sends, and
 * templated and HTML-only messages as the log shows them.
 */
await describeEachDialect('templates API', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  const req = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key?: string) =>
    t.request({ method, url: `/api/v1/${url}`, ...(payload === undefined ? {} : { payload: payload as object }), key });
  const message = async (id: string) => (await req('GET', `messages/${id}`)).json();

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => t?.close());

  const greeting = {
    name: 'Greeting',
    locales: {
      en: { subject: 'Hello {{ user.name }}', html: '<p>Hello <b>{{ user.name }}</b>, welcome to {{ brand.name }}.</p>' },
      de: { subject: 'Hallo {{ user.name }}', html: '<p>Hallo <b>{{ user.name }}</b>.</p>', text: 'Hallo {{ user.name }}!' },
    },
    sampleData: { user: { name: 'Sample Sam' }, expiresAt: 1_700_000_000_000 },
  };

  it('creates, replaces with the version read, patches, and keeps every version for the log', async () => {
    const created = await req('PUT', 'templates/greeting', greeting);
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json()).toMatchObject({ key: 'greeting', version: 1, builtIn: false, modified: false, layout: 'default', purpose: null });
    // Sample data is the author's JSON: a numeric …At field is not turned into a date.
    expect(created.json().sampleData.expiresAt).toBe(1_700_000_000_000);
    expect((await req('PUT', 'templates/greeting', greeting)).json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'version' } });
    const replaced = await req('PUT', 'templates/greeting', { ...greeting, name: 'Greeting v2', version: 1 });
    expect(replaced.json()).toMatchObject({ name: 'Greeting v2', version: 2 });
    expect((await req('PATCH', 'templates/greeting', { name: 'stale', version: 1 })).json().error.code).toBe('MAILROOM_E_VERSION_CONFLICT');
    const patched = await req('PATCH', 'templates/greeting', { locales: { ...greeting.locales, en: { subject: 'Hi {{ user.name }}', html: '<p>Hi {{ user.name }}</p>' } }, version: 2 });
    expect(patched.json()).toMatchObject({ name: 'Greeting v2', version: 3 });
    expect((await req('GET', 'templates/greeting/versions')).json().items.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect((await req('GET', 'templates/greeting/versions/1')).json()).toMatchObject({ name: 'Greeting', locales: { en: { subject: 'Hello {{ user.name }}' } } });
    const audit = (await req('GET', 'audit?targetType=template')).json().items;
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['template.update', 'template.update', 'template.create']);
  });

  it('refuses broken templates at save time with where and what', async () => {
    const cases: [unknown, number, string, Record<string, unknown>][] = [
      [{ en: { subject: 'x', html: '<p>\n{% if user %}\n</p>' } }, 400, 'MAILROOM_E_TEMPLATE_SYNTAX', { part: 'html', locale: 'en', line: 2 }],
      [{ en: { subject: 'x {{ user.name | shout }}', text: 'x' } }, 400, 'MAILROOM_E_TEMPLATE_SYNTAX', { part: 'subject', filter: 'shout' }],
      [{ de: { subject: 'x', text: 'Hallo {{ user.nmae }}' } }, 422, 'MAILROOM_E_TEMPLATE_RENDER', { part: 'text', locale: 'de', variable: 'user.nmae', line: 1, column: 10 }],
      [{ en: { subject: 'x', html: '{{ "javascript:alert(1)" | button: "Go" }}' } }, 422, 'MAILROOM_E_TEMPLATE_RENDER', { part: 'html' }],
      [{ en: { subject: 'only a subject' } }, 400, 'MAILROOM_E_VALIDATION', { field: 'locales.en.html' }],
      [{ 'not a locale!': { subject: 'x', text: 'y' } }, 400, 'MAILROOM_E_VALIDATION', {}],
    ];
    for (const [locales, status, code, details] of cases) {
      const res = await req('PUT', 'templates/broken', { name: 'Broken', locales, sampleData: { user: { name: 'Ann' } } });
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error.code).toBe(code);
      expect(res.json().error.details).toMatchObject(details);
    }
    expect((await req('PUT', 'templates/broken', { ...greeting, layout: 'nope' })).json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'layout' } });
    expect((await req('PUT', 'templates/broken', { ...greeting, purpose: 'nope' })).json().error).toMatchObject({ code: 'MAILROOM_E_UNKNOWN_PURPOSE', details: { field: 'purpose', purpose: 'nope' } });
    expect((await req('GET', 'templates/broken')).statusCode).toBe(404);
  });

  it('renders a templated message at accept time: locale fallback, layout, and the log records key, version and locale', async () => {
    await req('PATCH', 'settings', { branding: { name: 'Acme', color: '#123456', footer: 'Acme Inc.' } });
    const cases: [string | undefined, string, string][] = [
      ['de-AT', 'de', 'Hallo Ann'],
      ['de', 'de', 'Hallo Ann'],
      ['fr-CA', 'en', 'Hi Ann'],
      [undefined, 'en', 'Hi Ann'],
    ];
    for (const [locale, used, subject] of cases) {
      const res = await req('POST', 'messages', { to: ['ann@example.net'], template: 'greeting', data: { user: { name: 'Ann' } }, ...(locale ? { locale } : {}) });
      expect(res.statusCode, res.body).toBe(202);
      const m = await message(res.json().id);
      expect(m).toMatchObject({ subject, template: { key: 'greeting', version: 3, locale: used } });
      expect(m.html).toContain(`lang="${used}"`);
      expect(m.html).toContain('Acme');
      expect(m.text).toContain('Acme Inc.');
    }
    // The installation's default locale comes before English.
    await req('PATCH', 'settings', { defaultLocale: 'de' });
    const fr = await message((await req('POST', 'messages', { to: ['ann@example.net'], template: 'greeting', locale: 'fr', data: { user: { name: 'Ann' } } })).json().id);
    expect(fr.template.locale).toBe('de');
    await req('PATCH', 'settings', { defaultLocale: 'en' });
    // HTML escaped by default; the text part derived from the HTML when the locale has none.
    const escaped = await message((await req('POST', 'messages', { to: ['ann@example.net'], template: 'greeting', data: { user: { name: '<script>x</script>' } } })).json().id);
    expect(escaped.html).toContain('&lt;script&gt;');
    expect(escaped.html).not.toContain('<script>');
    expect(escaped.text).toContain('Hi <script>x</script>');
    await dispatcher.drain();
    expect((await message(escaped.id)).status).toBe('logged');
  });

  it('refuses what does not fit a templated message, and stores nothing', async () => {
    const before = (await req('GET', 'messages?limit=500')).json().items.length;
    for (const [body, code, field] of [
      [{ template: 'greeting', subject: 'mine', data: { user: { name: 'A' } } }, 'MAILROOM_E_VALIDATION', 'subject'],
      [{ subject: 's', text: 't', data: { a: 1 } }, 'MAILROOM_E_VALIDATION', 'data'],
      [{ template: 'missing_one' }, 'MAILROOM_E_VALIDATION', 'template'],
      [{ template: 'greeting', locale: 'english!' }, 'MAILROOM_E_VALIDATION', 'locale'],
      [{ template: 'greeting', data: {} }, 'MAILROOM_E_TEMPLATE_RENDER', undefined],
    ] as const) {
      const res = await req('POST', 'messages', { to: ['ann@example.net'], ...body });
      expect(res.json().error?.code, res.body).toBe(code);
      if (field) expect(res.json().error.details.field).toBe(field);
    }
    expect((await req('POST', 'messages', { to: ['ann@example.net'], template: 'greeting', data: {} })).json().error.details).toMatchObject({ variable: 'user', locale: 'en', part: 'subject', line: 1 });
    expect((await req('GET', 'messages?limit=500')).json().items.length).toBe(before);
  });

  it('takes the purpose of the template when the message names none', async () => {
    const res = await req('POST', 'messages', { to: ['ann@example.net'], template: 'password_reset', locale: 'de', data: { reset_url: 'https://app.example.com/r?t=1', expires_in_minutes: 30 } });
    expect(res.statusCode, res.body).toBe(202);
    expect(await message(res.json().id)).toMatchObject({ purpose: 'password_reset', template: { key: 'password_reset', locale: 'de' } });
  });

  it('mailroom send --template renders the same way (data as JSON text)', async () => {
    const r = await queueFromCli(t.app.ports.ctx, { to: ['ann@example.net'], template: 'password_reset', locale: 'de-AT', data: '{"reset_url":"https://app.example.com/r?t=2","expires_in_minutes":5}' });
    expect(await message(r.id)).toMatchObject({ source: 'cli', purpose: 'password_reset', template: { key: 'password_reset', locale: 'de' } });
    await expect(queueFromCli(t.app.ports.ctx, { to: ['ann@example.net'], template: 'password_reset', data: '{nope' })).rejects.toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'data' } });
  });

  it('gives an HTML-only message a text part derived from the HTML', async () => {
    const res = await req('POST', 'messages', { to: ['ann@example.net'], subject: 'Report', html: '<h1>Weekly</h1><p>All <a href="https://example.com/r">systems</a> fine.</p><ul><li>one</li></ul>' });
    const m = await message(res.json().id);
    expect(m.template).toBeNull();
    expect(m.text).toContain('Weekly');
    expect(m.text).toContain('systems [https://example.com/r]');
    expect(m.text).toContain('* one');
  });

  it('previews saved templates and unsaved drafts; drafts are for admins', async () => {
    const saved = await req('POST', 'templates/greeting/preview', { locale: 'de' });
    expect(saved.json()).toMatchObject({ subject: 'Hallo Sample Sam', locale: 'de', version: 3 });
    const draft = await req('POST', 'templates/greeting/preview', { locale: 'de', content: { subject: 'Neu: {{ user.name }}', html: '<p>x</p>' }, layout: null });
    expect(draft.json()).toMatchObject({ subject: 'Neu: Sample Sam', html: '<p>x</p>', text: 'x', version: null });
    const reader = (await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'reader', scopes: ['read'], allowOverride: false }, null)).key;
    expect((await req('POST', 'templates/greeting/preview', {}, reader)).statusCode).toBe(200);
    expect((await req('POST', 'templates/greeting/preview', { content: { subject: 'x', text: 'y' } }, reader)).json().error.code).toBe('MAILROOM_E_FORBIDDEN');
    expect((await req('PUT', 'templates/mine', greeting, reader)).json().error.code).toBe('MAILROOM_E_FORBIDDEN');
  });

  it('sends a test to the signed-in admin, or to `to` for an API key', async () => {
    expect((await req('POST', 'templates/greeting/test', {})).json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'to' } });
    const login = await t.request({ method: 'POST', url: '/api/v1/session', key: null, payload: { email: ADMIN_EMAIL, password: 'correct-horse-battery' } });
    const cookie = `mailroom_session=${login.cookies.find((c) => c.name === 'mailroom_session')?.value}`;
    const sent = await t.request({ method: 'POST', url: '/api/v1/templates/greeting/test', key: null, headers: { cookie, 'x-csrf-token': login.json().csrfToken }, payload: { locale: 'de' } });
    expect(sent.statusCode, sent.body).toBe(202);
    const m = await message(sent.json().messageId);
    expect(m).toMatchObject({ to: [ADMIN_EMAIL], purpose: 'test', source: 'test', subject: 'Hallo Sample Sam', template: { key: 'greeting', locale: 'de' } });
    const toOther = await req('POST', 'templates/greeting/test', { to: 'qa@example.net', data: { user: { name: 'Quinn' } } });
    expect((await message(toOther.json().messageId)).subject).toBe('Hi Quinn');
  });

  it('resets a built-in (a new version) and refuses to delete it; deletes a custom one and keeps its history', async () => {
    const original = (await req('GET', 'templates/password_reset')).json();
    expect(original).toMatchObject({ builtIn: true, modified: false, purpose: 'password_reset' });
    const edited = await req('PATCH', 'templates/password_reset', { locales: { ...original.locales, de: { ...original.locales.de, subject: 'Passwort vergessen?' } }, version: original.version });
    expect(edited.json()).toMatchObject({ modified: true, version: original.version + 1 });
    expect((await req('DELETE', 'templates/password_reset')).json().error.code).toBe('MAILROOM_E_INVALID_STATE');
    const reset = await req('POST', 'templates/password_reset/reset');
    expect(reset.json()).toMatchObject({ modified: false, version: original.version + 2 });
    expect(reset.json().locales.de.subject).toBe(original.locales.de.subject);
    expect((await req('POST', 'templates/greeting/reset')).json().error.code).toBe('MAILROOM_E_INVALID_STATE');

    expect((await req('DELETE', 'templates/greeting')).statusCode).toBe(204);
    expect((await req('GET', 'templates/greeting')).statusCode).toBe(404);
    expect((await req('GET', 'templates/greeting/versions/3')).statusCode).toBe(200);
    // A version is a whole number from 1: anything else is refused naming it, never looked up.
    for (const v of ['0', 'abc', '1.5', '-1']) {
      const res = await req('GET', `templates/greeting/versions/${v}`);
      expect(res.statusCode, v).toBe(400);
      expect(res.json().error, v).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'version' } });
    }
    // Created again, it goes on from the old versions: the log's "greeting v1" stays unambiguous.
    expect((await req('PUT', 'templates/greeting', greeting)).json().version).toBe(4);
  });

  it('lists nine built-ins in en and de, and manages layouts (a layout in use stays)', async () => {
    const items = (await req('GET', 'templates')).json().items;
    expect(items.filter((i: { builtIn: boolean }) => i.builtIn).map((i: { key: string }) => i.key).sort()).toEqual(
      ['access_request', 'alert', 'contact_autoreply', 'invitation', 'magic_link', 'password_reset', 'report', 'test', 'two_factor'],
    );
    const layouts = (await req('GET', 'layouts')).json().items;
    expect(layouts).toMatchObject([{ key: 'default', builtIn: true, modified: false }]);
    expect((await req('PUT', 'layouts/plain', { name: 'Plain', html: '<div>no body</div>' })).json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'html' } });
    expect((await req('PUT', 'layouts/plain', { name: 'Plain', html: '<div>{{ content }}{% endif %}</div>' })).json().error).toMatchObject({ code: 'MAILROOM_E_TEMPLATE_SYNTAX', details: { part: 'layout.html' } });
    const plain = await req('PUT', 'layouts/plain', { name: 'Plain', html: '<main>{{ content }}</main><footer>{{ brand.name }}</footer>' });
    expect(plain.statusCode, plain.body).toBe(200);
    await req('PATCH', 'templates/greeting', { layout: 'plain', version: 4 });
    expect((await req('POST', 'templates/greeting/preview', {})).json().html).toBe('<main><p>Hello <b>Sample Sam</b>, welcome to Acme.</p></main><footer>Acme</footer>');
    expect((await req('DELETE', 'layouts/plain')).json().error.code).toBe('MAILROOM_E_IN_USE');
    expect((await req('DELETE', 'layouts/default')).json().error.code).toBe('MAILROOM_E_INVALID_STATE');
    await req('PATCH', 'templates/greeting', { layout: null, version: 5 });
    expect((await req('DELETE', 'layouts/plain')).statusCode).toBe(204);
  });

  it('validates the branding and the default locale', async () => {
    for (const [body, field] of [
      [{ branding: { color: 'red' } }, 'branding.color'],
      [{ branding: { logoUrl: 'javascript:alert(1)' } }, 'branding.logoUrl'],
      [{ branding: { name: 'a\nb' } }, 'branding.name'],
      [{ defaultLocale: 'xx_YY' }, 'defaultLocale'],
    ] as const) {
      expect((await req('PATCH', 'settings', body)).json().error, JSON.stringify(body)).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field } });
    }
    // A colour name of any length is told what a colour is, not only that it is too long.
    for (const color of ['red', 'notacolor', 'cornflowerblue']) {
      expect((await req('PATCH', 'settings', { branding: { color } })).json().error.message, color).toBe('branding.color: must be a colour such as #2563eb');
    }
    const ok = await req('PATCH', 'settings', { branding: { name: 'Acme', logoUrl: 'https://cdn.example.com/logo.png' }, defaultLocale: 'de-at' });
    expect(ok.json().branding.value).toEqual({ name: 'Acme', logoUrl: 'https://cdn.example.com/logo.png', color: '#2563eb', footer: '' });
    expect(ok.json().defaultLocale.value).toBe('de-AT');
  });
});
