import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_LAYOUT_DRAFT } from '../../src/templates/builtin/layout.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A template whose body renders to nothing for some data is the template's failure (422
 * MAILROOM_E_TEMPLATE_RENDER naming the part and locale), not the caller's "give text or html":
 * the caller named a template and may not give text. A preview still shows it, with a warning.
 * An event rule with such a template records the skip as TEMPLATE_RENDER.
 *
 * The branded layout writes `dir` by the locale (rtl for Arabic, Hebrew, Persian …), and an
 * install that still holds the layout as an earlier version shipped it (dir="ltr") gets the new
 * text at the next start; one an admin changed keeps it.
 */
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

await describeEachDialect('templates: an empty body, and the text direction', (dialect) => {
  let t: TestApp;
  const req = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    for (const [key, layout] of [
      ['maybe', null],
      ['maybe_framed', 'default'],
    ] as const) {
      const saved = await req('PUT', `templates/${key}`, { name: key, layout, locales: { en: { subject: 'News', html: '{% if show %}<p>Hello</p>{% endif %}' } }, sampleData: { show: true } });
      expect(saved.statusCode, saved.body).toBe(200);
    }
  });
  afterAll(async () => t?.close());

  it('a send whose template renders an empty body is 422 TEMPLATE_RENDER with the part and locale', async () => {
    for (const template of ['maybe', 'maybe_framed']) {
      const res = await req('POST', 'messages', { to: ['ann@example.net'], template, data: { show: false } });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_TEMPLATE_RENDER', message: expect.stringContaining('the template rendered an empty body for this data'), details: { part: 'html', locale: 'en' } });
    }
    expect((await req('POST', 'messages', { to: ['ann@example.net'], template: 'maybe', data: { show: true } })).statusCode).toBe(202);
  });

  it('the preview shows it anyway, with a warning', async () => {
    const res = await req('POST', 'templates/maybe/preview', { data: { show: false } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ html: '', warning: { code: 'MAILROOM_E_TEMPLATE_RENDER', message: expect.stringContaining('empty body'), details: { part: 'html', locale: 'en' } } });
    const draft = await req('POST', 'templates/maybe/preview', { content: { subject: 'x', html: ' ' } });
    expect(draft.json().warning).toMatchObject({ code: 'MAILROOM_E_TEMPLATE_RENDER' });
    const fine = await req('POST', 'templates/maybe/preview', {});
    expect(fine.json().warning).toBeNull();
  });

  it('an event rule with such a template records the skip as TEMPLATE_RENDER', async () => {
    const rule = await req('POST', 'rules', { name: 'Maybe', events: ['t.maybe'], recipients: { roles: ['owner'] }, template: 'maybe' });
    expect(rule.statusCode, rule.body).toBe(201);
    const raised = await req('POST', 'events', { type: 't.maybe', id: 'evt-maybe-1', data: { show: false }, recipients: { owner: ['ann@example.net'] } });
    expect(raised.statusCode, raised.body).toBe(202);
    expect(raised.json().matches[0]).toMatchObject({ messageIds: [], skipped: { code: 'MAILROOM_E_TEMPLATE_RENDER', message: expect.stringContaining('empty body') } });
  });

  it('the branded layout is right-to-left for Arabic, Hebrew, Persian …, left-to-right otherwise', async () => {
    const html = async (locale: string) => {
      const res = await req('POST', 'templates/maybe_framed/preview', { locale, content: { subject: 'x', html: '<p>y</p>' } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().html as string;
    };
    for (const locale of ['ar', 'he-IL', 'fa', 'ur', 'ckb', 'az-Arab']) expect(await html(locale), locale).toContain(`lang="${locale}" dir="rtl"`);
    for (const locale of ['en', 'de-AT', 'zh-Hant-TW', 'ku-Latn']) expect(await html(locale), locale).toContain(`lang="${locale}" dir="ltr"`);
  });

  it('an install holding the layout as shipped before (dir="ltr") gets the new text at the next start; a changed one stays', async () => {
    const shippedBefore = DEFAULT_LAYOUT_DRAFT.html.replace('dir="{{ dir }}"', 'dir="ltr"');
    expect(shippedBefore).not.toBe(DEFAULT_LAYOUT_DRAFT.html);
    const setStored = (html: string) => t.app.infra.db.updateTable('layouts').set({ html }).where('key', '=', 'default').execute();
    await setStored(shippedBefore);
    await t.restart();
    const followed: Json = (await req('GET', 'layouts/default')).json();
    expect(followed).toMatchObject({ html: DEFAULT_LAYOUT_DRAFT.html, modified: false, updatedBy: 'system' });

    const changed = shippedBefore.replace('<title>', '<!-- ours --><title>');
    await setStored(changed);
    await t.restart();
    expect((await req('GET', 'layouts/default')).json().html).toBe(changed);
  });
});
