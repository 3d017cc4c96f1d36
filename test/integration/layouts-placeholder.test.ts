import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A layout that does not put the body where the engine substitutes it would send every message
 * of its templates without a body: it is refused with a 400 naming html or text, and nothing
 * stored changes. One that drops it only for some branding, data or locale is caught where that
 * happens: the message (or the template saved in that locale) is refused, never sent empty.
 */
await describeEachDialect('layout body placeholder', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  const req = (method: 'GET' | 'PUT' | 'PATCH' | 'POST', url: string, payload?: unknown) => t.request({ method, url: `/api/v1/${url}`, payload: payload as object });
  const refusedFor = (field: string) => ({ code: 'MAILROOM_E_VALIDATION', details: { field } });

  it('refuses a layout whose html or text never outputs the body; nothing is stored', async () => {
    for (const [body, field] of [
      [{ name: 'Meta', html: '<meta name="viewport" content="width=device-width"><p>Hello</p>' }, 'html'],
      [{ name: 'Comment', html: '<main>{% comment %}{{ content }}{% endcomment %}</main>' }, 'html'],
      [{ name: 'Never', html: '<main>{% if false %}{{ content }}{% endif %}</main>' }, 'html'],
      [{ name: 'Escaped', html: '<main>{{ content | escape }}</main>' }, 'html'],
      [{ name: 'Text', html: '<main>{{ content }}</main>', text: 'See the content online.' }, 'text'],
      [{ name: 'Text if', html: '<main>{{ content }}</main>', text: '{% if brand.missing %}{{ content }}{% endif %}' }, 'text'],
    ] as const) {
      const res = await req('PUT', 'layouts/nobody', body);
      expect(res.statusCode, body.name).toBe(400);
      expect(res.json().error, body.name).toMatchObject(refusedFor(field));
      expect((await req('GET', 'layouts/nobody')).statusCode, body.name).toBe(404);
    }
  });

  it('keeps the stored layout when a change would drop the body', async () => {
    const saved = await req('PUT', 'layouts/kept', { name: 'Kept', html: '<main>{{content}}</main>', text: '{{- content -}}' });
    expect(saved.statusCode, saved.body).toBe(200);
    const bad = await req('PATCH', 'layouts/kept', { html: '<main>{% raw %}{{ content }}{% endraw %}</main>', version: saved.json().version });
    expect(bad.json().error).toMatchObject(refusedFor('html'));
    const after = (await req('GET', 'layouts/kept')).json();
    expect(after).toMatchObject({ html: '<main>{{content}}</main>', text: '{{- content -}}', version: saved.json().version });
    // The unsaved preview is held to the same rule.
    expect((await req('POST', 'layouts/kept/preview', { html: '<p>no body</p>' })).json().error).toMatchObject(refusedFor('html'));
  });

  it('puts the body of a template in a layout that uses {% echo content %}', async () => {
    expect((await req('PUT', 'layouts/echo', { name: 'Echo', html: '<main>{% echo content %}</main>' })).statusCode).toBe(200);
    const preview = await req('POST', 'layouts/echo/preview', {});
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json().html).toMatch(/^<main>.+<\/main>$/s);
  });

  it('refuses mail whose layout leaves the body out for its branding, data or locale, and a template saved in a locale it drops', async () => {
    // Passes the save check (the branding is still Mailroom's), drops the body once it is not.
    const brand = '{% if brand.name == "Mailroom" %}{{ content }}{% endif %}';
    expect((await req('PUT', 'layouts/branded', { name: 'Branded', html: `<div>${brand}</div>`, text: brand })).statusCode).toBe(200);
    const tb = await req('PUT', 'templates/tb', { name: 'TB', layout: 'branded', locales: { en: { subject: 'Hi {{ name }}', html: '<p>Hi {{ name }}</p>' } }, sampleData: { name: 'Sam' } });
    expect(tb.statusCode, tb.body).toBe(200);
    const send = () => req('POST', 'messages', { to: ['a@example.com'], template: 'tb', data: { name: 'Ann' } });
    const before = (await req('GET', 'messages?limit=200')).json().items.length;
    expect((await send()).statusCode).toBe(202);
    expect((await req('PATCH', 'settings', { branding: { name: 'Acme' } })).statusCode).toBe(200);
    const refused = await send();
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'MAILROOM_E_TEMPLATE_RENDER', details: { part: 'layout.html', locale: 'en' } });
    expect(refused.json().error.message).toContain('layout "branded" left out the body of template "tb"');
    // The saved template's preview says the same; nothing more was stored.
    expect((await req('POST', 'templates/tb/preview', {})).json().error).toMatchObject({ code: 'MAILROOM_E_TEMPLATE_RENDER' });
    expect((await req('GET', 'messages?limit=200')).json().items.length).toBe(before + 1);
    expect((await req('PATCH', 'settings', { branding: { name: 'Mailroom' } })).statusCode).toBe(200);

    // By data: no body when the subject the data made is a certain one.
    expect((await req('PUT', 'layouts/maybe', { name: 'Maybe', html: '<div>{% if subject != "Secret" %}{{ content }}{% endif %}</div>', text: null })).statusCode).toBe(200);
    const tm = await req('PUT', 'templates/tm', { name: 'TM', layout: 'maybe', locales: { en: { subject: '{{ title }}', html: '<p>B</p>' } }, sampleData: { title: 'Hello' } });
    expect(tm.statusCode, tm.body).toBe(200);
    expect((await req('POST', 'messages', { to: ['a@example.com'], template: 'tm', data: { title: 'Hello' } })).statusCode).toBe(202);
    expect((await req('POST', 'messages', { to: ['a@example.com'], template: 'tm', data: { title: 'Secret' } })).json().error).toMatchObject({ code: 'MAILROOM_E_TEMPLATE_RENDER', details: { part: 'layout.html' } });

    // By locale: a German template in a layout that only places English bodies is refused at save.
    const en = '{% if locale == "en" %}{{ content }}{% endif %}';
    expect((await req('PUT', 'layouts/english', { name: 'English', html: `<div>${en}</div>`, text: en })).statusCode).toBe(200);
    const de = await req('PUT', 'templates/td', { name: 'TD', layout: 'english', locales: { en: { subject: 'Hi', html: '<p>Hi</p>' }, de: { subject: 'Hallo', html: '<p>Hallo</p>' } } });
    expect(de.statusCode).toBe(422);
    expect(de.json().error).toMatchObject({ code: 'MAILROOM_E_TEMPLATE_RENDER', details: { locale: 'de' } });
    expect((await req('GET', 'templates/td')).statusCode).toBe(404);
  });

  it('refuses a preview in a layout that does not exist, as a save does', async () => {
    const res = await req('POST', 'templates/t1/preview', { content: { subject: 'S', text: 't' }, layout: 'nope' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'layout' } });
    expect(res.json().error.message).toContain('"nope" is not a layout');
    expect((await req('POST', 'templates/t1/preview', { content: { subject: 'S', text: 't' }, layout: null })).statusCode).toBe(200);
  });
});
