import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/templates/limits.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Hostile templates, each answered with a 4xx and no harm: no code runs, no file is read, the
 * process keeps answering other requests meanwhile, and nothing is queued. (The engine is
 * the same on both dialects; the store is not involved beyond the save, so SQLite suffices.)
 */
/** `slow`: it keeps a render thread busy until a limit stops it (the others must be answered meanwhile). */
const HOSTILE: { name: string; html: string; data?: Record<string, unknown>; status: number; code: string; mentions?: RegExp; slow?: boolean; line?: number }[] = [
  { name: 'constructor access', html: '{{ name.constructor }}', status: 422, code: 'MAILROOM_E_TEMPLATE_RENDER', mentions: /constructor/ },
  { name: 'prototype access', html: '{% assign p = name.__proto__ %}{{ p.toString }}', status: 422, code: 'MAILROOM_E_TEMPLATE_RENDER', mentions: /__proto__/ },
  { name: 'a constructor as a filter', html: '{{ name | constructor }}', status: 400, code: 'MAILROOM_E_TEMPLATE_SYNTAX', mentions: /constructor/ },
  { name: 'an endless loop', html: '{% for i in (1..1000000000) %}{% for j in (1..1000000000) %}{% endfor %}{% endfor %}', status: 422, code: 'MAILROOM_E_TEMPLATE_LIMIT' },
  { name: 'a huge loop with an empty body', html: '{% for i in (1..100000) %}{% for j in (1..100000) %}{% endfor %}{% endfor %}', status: 422, code: 'MAILROOM_E_TEMPLATE_LIMIT', slow: true },
  { name: 'date with a huge width', html: "{{ 'now' | date: '%5000000d' }}", status: 422, code: 'MAILROOM_E_TEMPLATE_LIMIT' },
  { name: 'include of a path', html: "{% include '/etc/passwd' %}", status: 400, code: 'MAILROOM_E_TEMPLATE_SYNTAX', mentions: /include/ },
  { name: 'render of a relative path', html: "{% render '../../../../etc/passwd' %}", status: 400, code: 'MAILROOM_E_TEMPLATE_SYNTAX', mentions: /render/ },
  { name: 'layout of a path', html: "{% layout '/etc/hosts' %}x", status: 400, code: 'MAILROOM_E_TEMPLATE_SYNTAX', mentions: /layout/ },
  { name: 'include inside a liquid tag', html: "{% liquid\n  include '/etc/passwd'\n%}", status: 400, code: 'MAILROOM_E_TEMPLATE_SYNTAX', mentions: /include/, line: 2 },
  { name: 'a 10 MB output', html: '{% for i in (1..1000000) %}0123456789{% endfor %}', status: 422, code: 'MAILROOM_E_TEMPLATE_LIMIT', slow: true },
  { name: 'a 10 MB output by doubling', html: '{% assign s = "0123456789" %}{% for i in (1..20) %}{% assign s = s | append: s %}{% endfor %}{{ s }}', status: 422, code: 'MAILROOM_E_TEMPLATE_LIMIT' },
];

describe('hostile templates', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  const locales = (html: string) => ({ en: { subject: 'Hello', html } });
  /**
   * "Within the deadline": a render thread is stopped at DEFAULT_LIMITS.deadlineMs; the answer
   * may take a little longer (a thread starting, the HTTP round trip, a machine shared with other
   * tests), never much longer.
   */
  const ANSWER_WITHIN_MS = DEFAULT_LIMITS.deadlineMs + 3_000;
  const timed = <T>(p: Promise<T>): Promise<{ res: T; ms: number }> => {
    const t0 = performance.now();
    return p.then((res) => ({ res, ms: performance.now() - t0 }));
  };
  /** Benign requests issued while `pending` runs; each must be answered, and before `pending` when it is slow. */
  const meanwhile = async (pending: Promise<unknown>) => {
    let settled = false;
    void pending.finally(() => (settled = true));
    const answered: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const [preview, list] = await Promise.all([
        t.request({ method: 'POST', url: '/api/v1/templates/password_reset/preview', payload: { locale: 'de' } }),
        t.request({ method: 'GET', url: '/api/v1/messages?limit=1' }),
      ]);
      expect(preview.statusCode, preview.body).toBe(200);
      expect(preview.json().subject).toBeTruthy();
      expect(list.statusCode).toBe(200);
      answered.push(!settled);
    }
    return answered;
  };

  for (const h of HOSTILE) {
    it(`${h.name}: ${h.status} ${h.code} at save and at preview; others answered meanwhile`, async () => {
      const key = `hostile_${HOSTILE.indexOf(h)}`;
      const data = h.data ?? { name: 'Ann' };
      const save = timed(t.request({ method: 'PUT', url: `/api/v1/templates/${key}`, payload: { name: h.name, locales: locales(h.html), sampleData: data } }));
      const answered = await meanwhile(save);
      const { res: saved, ms: saveMs } = await save;
      expect(saveMs).toBeLessThan(ANSWER_WITHIN_MS);
      expect(saved.statusCode, saved.body).toBe(h.status);
      expect(saved.json().error.code).toBe(h.code);
      if (h.mentions) expect(saved.json().error.message).toMatch(h.mentions);
      // A slow one: the benign requests were answered while it was still running.
      if (h.slow) expect(answered[0]).toBe(true);
      expect(saved.json().error.details).toMatchObject({ part: 'html', locale: 'en' });
      if (h.code !== 'MAILROOM_E_TEMPLATE_LIMIT') expect(saved.json().error.details).toMatchObject({ line: h.line ?? 1 });
      // Nothing was saved.
      expect((await t.request({ method: 'GET', url: `/api/v1/templates/${key}` })).statusCode).toBe(404);

      // The unsaved draft in the editor's live preview: the same answer.
      const { res: preview, ms: previewMs } = await timed(t.request({ method: 'POST', url: `/api/v1/templates/${key}/preview`, payload: { locale: 'en', data, content: { subject: 'Hello', html: h.html } } }));
      expect(preview.statusCode, preview.body).toBe(h.status);
      expect(previewMs).toBeLessThan(ANSWER_WITHIN_MS);
      expect(preview.json().error.code).toBe(h.code);
    });
  }

  /**
   * The text part and the subject are not HTML-escaped, and escaping was what counted a
   * capture's output towards the memory limit: there a doubling capture ran into V8's longest
   * string ("Invalid string length", answered as a render error), and a 10 M string made so was
   * read by a filter that counts nothing (134 M characters rendered; only the thread's heap
   * stopped 268 M).
   */
  const IN_TEXT: { name: string; text: string }[] = [
    { name: 'a doubling capture past the longest string', text: '{% capture c %}0123456789{% endcapture %}{% for i in (1..40) %}{% capture c %}{{ c }}{{ c }}{% endcapture %}{% endfor %}{{ c | size }}' },
    { name: 'a capture over the memory limit, read by url_encode', text: '{% capture c %}0123456789{% endcapture %}{% for i in (1..20) %}{% capture c %}{{ c }}{{ c }}{% endcapture %}{% endfor %}{{ c | url_encode | size }}' },
    { name: 'a capture over the memory limit in the subject', text: '{% capture c %}0123456789{% endcapture %}{% for i in (1..20) %}{% capture c %}{{ c }}{{ c }}{% endcapture %}{% endfor %}{{ c | url_encode | size }}' },
  ];
  for (const h of IN_TEXT) {
    it(`${h.name}: 422 MAILROOM_E_TEMPLATE_LIMIT (memory) at save and at preview`, async () => {
      const part = h.name.endsWith('subject') ? 'subject' : 'text';
      const content = part === 'subject' ? { subject: h.text, text: 'x' } : { subject: 'Hello', text: h.text };
      const key = `hostile_text_${IN_TEXT.indexOf(h)}`;
      const saved = await t.request({ method: 'PUT', url: `/api/v1/templates/${key}`, payload: { name: h.name, locales: { en: content }, sampleData: {} } });
      expect(saved.statusCode, saved.body).toBe(422);
      expect(saved.json().error).toMatchObject({ code: 'MAILROOM_E_TEMPLATE_LIMIT', details: { part, locale: 'en', limit: 'memory' } });
      const preview = await t.request({ method: 'POST', url: `/api/v1/templates/${key}/preview`, payload: { locale: 'en', content } });
      expect(preview.statusCode, preview.body).toBe(422);
      expect(preview.json().error).toMatchObject({ code: 'MAILROOM_E_TEMPLATE_LIMIT', details: { part, limit: 'memory' } });
    });
  }

  it('a template that is fine with its sample data but explodes with the data of a send: 422, nothing queued', async () => {
    const html = '{% for a in items %}{% for b in items %}{% for c in items %}{{ a }}{{ b }}{{ c }}{% endfor %}{% endfor %}{% endfor %}';
    const saved = await t.request({ method: 'PUT', url: '/api/v1/templates/cube', payload: { name: 'Cube', locales: locales(html), sampleData: { items: [1, 2] } } });
    expect(saved.statusCode, saved.body).toBe(200);
    const before = (await t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length;
    const items = Array.from({ length: 2000 }, (_, i) => i);
    const send = timed(t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ann@example.net'], template: 'cube', data: { items } } }));
    await meanwhile(send);
    const { res, ms } = await send;
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.code).toBe('MAILROOM_E_TEMPLATE_LIMIT');
    expect((await t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length).toBe(before);
  });

  /** Saved with harmless sample data; the data of a send makes them hostile. */
  const AT_SEND: { name: string; text: string; sample: Record<string, unknown>; hostile: Record<string, unknown>; status: number; code: string; mentions?: RegExp }[] = [
    { name: 'constructor named by the data', text: '{{ name[prop] }}', sample: { name: { first: 'Ann' }, prop: 'first' }, hostile: { name: { first: 'Ann' }, prop: 'constructor' }, status: 422, code: 'MAILROOM_E_TEMPLATE_RENDER', mentions: /constructor/ },
    { name: 'a huge loop bound from the data', text: '{% for i in (1..n) %}{% for j in (1..n) %}{% endfor %}{% endfor %}x', sample: { n: 2 }, hostile: { n: 100000 }, status: 422, code: 'MAILROOM_E_TEMPLATE_LIMIT' },
    { name: 'a date width from the data', text: "{{ 'now' | date: fmt }}", sample: { fmt: '%Y' }, hostile: { fmt: '%5000000d' }, status: 422, code: 'MAILROOM_E_TEMPLATE_LIMIT' },
    { name: 'a 10 MB output from the data', text: '{% for i in (1..n) %}0123456789{% endfor %}', sample: { n: 3 }, hostile: { n: 1000000 }, status: 422, code: 'MAILROOM_E_TEMPLATE_LIMIT' },
  ];
  for (const h of AT_SEND) {
    it(`at send, ${h.name}: ${h.status} ${h.code} within the deadline, nothing queued; others answered meanwhile`, async () => {
      const key = `send_${AT_SEND.indexOf(h)}`;
      const saved = await t.request({ method: 'PUT', url: `/api/v1/templates/${key}`, payload: { name: h.name, locales: { en: { subject: 'Hello', text: h.text } }, sampleData: h.sample } });
      expect(saved.statusCode, saved.body).toBe(200);
      const before = (await t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length;
      const send = timed(t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ann@example.net'], template: key, data: h.hostile } }));
      await meanwhile(send);
      const { res, ms } = await send;
      expect(res.statusCode, res.body).toBe(h.status);
      expect(res.json().error.code).toBe(h.code);
      if (h.mentions) expect(res.json().error.message).toMatch(h.mentions);
      expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
      expect((await t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items.length).toBe(before);
      // The harmless data still renders: the template was never the problem.
      const ok = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ann@example.net'], template: key, data: h.sample } });
      expect(ok.statusCode, ok.body).toBe(202);
    });
  }

  it('a __proto__ key in the data is refused at the door; the prototype stays clean', async () => {
    const payload = `{"to":["ann@example.net"],"template":"password_reset","data":{"__proto__":{"polluted":"yes"}}}`;
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a line break put into the subject by the data is refused, never sent', async () => {
    const saved = await t.request({ method: 'PUT', url: '/api/v1/templates/greeting', payload: { name: 'Greeting', locales: { en: { subject: 'Hello {{ name }}', text: 'Hi {{ name }}' } }, sampleData: { name: 'Ann' } } });
    expect(saved.statusCode, saved.body).toBe(200);
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ann@example.net'], template: 'greeting', data: { name: 'Ann\r\nBcc: victim@example.org' } } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('MAILROOM_E_HEADER_INJECTION');
    // A subject template with a line break of its own is refused at save.
    const multi = await t.request({ method: 'PUT', url: '/api/v1/templates/greeting2', payload: { name: 'x', locales: { en: { subject: 'Hello\n{{ name }}', text: 'x' } }, sampleData: { name: 'Ann' } } });
    expect(multi.statusCode).toBe(400);
    expect(multi.json().error.code).toBe('MAILROOM_E_HEADER_INJECTION');
  });

  it('another control character put into the subject, by the data or the template, is refused in words; nothing is queued', async () => {
    const saved = await t.request({ method: 'PUT', url: '/api/v1/templates/ticker', payload: { name: 'Alert', locales: { en: { subject: 'Alert: {{ title }}', text: 'x' } }, sampleData: { title: 'disk' } } });
    expect(saved.statusCode, saved.body).toBe(200);
    const before = (await t.request({ method: 'GET', url: '/api/v1/messages?limit=100' })).json().items.length;
    // A terminal escape sequence from an application's data, as a log line might carry one.
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ann@example.net'], template: 'ticker', data: { title: '\u001b[31mdisk full' } } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'MAILROOM_E_VALIDATION',
      message: 'the subject rendered from template "ticker" (en) contains the control character \\u001b at position 8, which has no place in a mail header: check the data given for it',
      details: { field: 'subject', locale: 'en' },
    });
    expect((await t.request({ method: 'GET', url: '/api/v1/messages?limit=100' })).json().items.length).toBe(before);
    const own = await t.request({ method: 'PUT', url: '/api/v1/templates/ticker2', payload: { name: 'x', locales: { en: { subject: 'Ding\u0007 {{ title }}', text: 'x' } }, sampleData: { title: 'disk' } } });
    expect(own.statusCode).toBe(400);
    expect(own.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: 'locales.en.subject: contains the control character \\u0007 at position 5, which has no place in a mail header' });
  });
});
