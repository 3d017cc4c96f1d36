import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A layout that does not put the body where the engine substitutes it would send every message
 * of its templates without a body: it is refused with a 400 naming html or text, and nothing
 * stored changes.
 */
await describeEachDialect('layout body placeholder', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
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
});
