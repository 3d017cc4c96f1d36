import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A lone UTF-16 surrogate ("\ud800", valid in a JSON string, not in UTF-8) would be stored and
 * sent as a replacement character: it is refused with a 400 naming the field, and nothing is stored.
 */
await describeEachDialect('lone surrogates in text fields', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  const req = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => t.request({ method, url: `/api/v1/${url}`, payload: payload as object });
  const refusedFor = (field: string) => ({ code: 'MAILROOM_E_VALIDATION', details: { field } });

  it('refuses them in a message’s subject, text, html and template data', async () => {
    const message = { to: ['x@example.net'], subject: 'Hello', text: 'Body' };
    for (const [patch, field] of [
      [{ subject: 'Hi \ud800' }, 'subject'],
      [{ text: 'a\udfffb' }, 'text'],
      [{ html: '<p>\ud83d</p>' }, 'html'],
    ] as const) {
      const res = await req('POST', 'messages', { ...message, ...patch });
      expect(res.statusCode, field).toBe(400);
      expect(res.json().error, field).toMatchObject(refusedFor(field));
    }
    const templated = await req('POST', 'messages', { to: ['x@example.net'], template: 'test', data: { user: { name: 'Ann \ud800' } } });
    expect(templated.json().error).toMatchObject(refusedFor('data.user.name'));
    expect((await req('GET', 'messages')).json().items).toEqual([]);
    // A pair is a character like any other.
    expect((await req('POST', 'messages', { ...message, subject: 'Hi 😀' })).statusCode).toBe(202);
  });

  it('refuses them in template sources, layouts and rule names', async () => {
    const tpl = await req('PUT', 'templates/lonely', { name: 'Lonely', locales: { en: { subject: 'Hi', html: '<p>\udc00</p>' } } });
    expect(tpl.json().error).toMatchObject(refusedFor('locales.en.html'));
    expect((await req('GET', 'templates/lonely')).statusCode).toBe(404);
    const layout = await req('PUT', 'layouts/lonely', { name: 'Lonely \ud800', html: '{{ content }}' });
    expect(layout.json().error).toMatchObject(refusedFor('name'));
    expect((await req('GET', 'layouts/lonely')).statusCode).toBe(404);
    const rule = await req('POST', 'rules', { name: 'Rule \ud800', events: ['a.*'], recipients: { addresses: ['x@example.net'] }, template: 'alert' });
    expect(rule.json().error).toMatchObject(refusedFor('name'));
    expect((await req('GET', 'rules')).json().items).toEqual([]);
  });

  it('writes half an emoji a template filter split off as U+FFFD instead of refusing the message', async () => {
    const saved = await req('PUT', 'templates/cut', { name: 'Cut', layout: null, locales: { en: { subject: 'Hi {{ user.name | split: "" | first }}', text: 'Hello {{ user.name | split: "" | first }}' } }, sampleData: { user: { name: 'Ann' } } });
    expect(saved.statusCode, saved.body).toBe(200);
    const res = await req('POST', 'messages', { to: ['x@example.net'], template: 'cut', data: { user: { name: '😀' } } });
    expect(res.statusCode, res.body).toBe(202);
    expect((await req('GET', `messages/${res.json().id}`)).json()).toMatchObject({ subject: 'Hi \ufffd', text: 'Hello \ufffd' });
  });

  it('refuses them in an event’s data before anything is stored', async () => {
    const res = await req('POST', 'events', { type: 'lonely.raised', id: 'lonely-1', data: { note: 'x\ud800' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject(refusedFor('data.note'));
    expect((await req('GET', 'events/lonely-1')).statusCode).toBe(404);
  });
});
