import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ErrorCodes, MailroomError } from '../../src/core/kernel/errors.js';
import type { TemplateEngine } from '../../src/core/templates/ports.js';
import { liquidTemplateEngine } from '../../src/templates/engine.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The template engine itself failing (its render threads failing, as a burst of renders that
 * each hit the deadline used to cause, or the engine shutting down) is nobody's mistake in the
 * request. The engine reported it as MAILROOM_E_INTERNAL, so every route that renders answered
 * 500; it is MAILROOM_E_RENDER_UNAVAILABLE now, a 503 with Retry-After, everywhere:
 *  - an event's rule mail was recorded as skipped with MAILROOM_E_INTERNAL and the event
 *    committed, so the retry with the same id answered `duplicate: true` and the mail was lost.
 *    Now the event fails with a retryable 503 (Retry-After), stores nothing, and the retry sends.
 *    Its code is MAILROOM_E_RENDER_UNAVAILABLE: it was MAILROOM_E_STORE_UNAVAILABLE, which told
 *    clients and operators the database was away while it was fine;
 *  - an HTML-only message whose text part could not be derived was refused with 500; the text
 *    part is a convenience, so it now goes out as given (docs/templates.md).
 *  - POST /messages with a template and the template preview answered 500 MAILROOM_E_INTERNAL.
 * A genuine fault in the renderer (a bug: the thread reports an exception it did not expect)
 * stays MAILROOM_E_INTERNAL, a 500, and fails an event whole.
 * The engine's failure is injected once into the running app's engine: the next call goes to a
 * real engine that has been closed, whose render pool answers as it does while shutting down.
 */
await describeEachDialect('the template engine failing', (dialect) => {
  let t: TestApp;
  let engine: TemplateEngine;
  let original: TemplateEngine;
  /** A real engine, closed: its pool answers every call as an engine shutting down does. */
  const closed = liquidTemplateEngine();

  beforeAll(async () => {
    await closed.close();
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    engine = t.app.ports.ctx.templates.engine;
    original = { render: engine.render, textFromHtml: engine.textFromHtml };
    const rule = await t.request({ method: 'POST', url: '/api/v1/rules', payload: { name: 'On create', events: ['t.created'], recipients: { roles: ['owner'] }, template: 'test' } });
    expect(rule.statusCode, rule.body).toBe(201);
  });
  afterEach(() => {
    engine.render = original.render;
    engine.textFromHtml = original.textFromHtml;
  });
  afterAll(async () => t?.close());

  /** The engine's next call of this kind fails as the pool fails it; later ones work. */
  const failOnce = (kind: 'render' | 'textFromHtml') => {
    let failed = 0;
    if (kind === 'render') {
      engine.render = (job) => (failed++ ? original.render(job) : closed.render(job));
    } else {
      engine.textFromHtml = (html) => (failed++ ? original.textFromHtml(html) : closed.textFromHtml(html));
    }
    return () => failed;
  };

  const event = { type: 't.created', id: 'evt-engine-trouble-1', data: { n: 1 }, recipients: { owner: ['ann@example.com'] } };

  it('an event whose rule mail the engine could not render: 503 with Retry-After, nothing stored; the retry with the same id sends', async () => {
    const calls = failOnce('render');
    const first = await t.request({ method: 'POST', url: '/api/v1/events', payload: event });
    expect(calls()).toBe(1);
    expect(first.statusCode, first.body).toBe(503);
    expect(first.headers['retry-after']).toBe('5');
    expect(first.json().error.code).toBe('MAILROOM_E_RENDER_UNAVAILABLE');
    expect(first.json().error.message).toMatch(/template engine cannot render right now: the template engine is shutting down.*nothing was stored or sent/);
    expect((await t.request({ method: 'GET', url: `/api/v1/events/${event.id}` })).statusCode).toBe(404);

    const retry = await t.request({ method: 'POST', url: '/api/v1/events', payload: event });
    expect(retry.statusCode, retry.body).toBe(202);
    expect(retry.json()).toMatchObject({ id: event.id, duplicate: false, matches: [{ ruleName: 'On create', messageIds: [expect.stringMatching(/^msg_/)] }] });
    expect(retry.json().matches[0].skipped).toBeUndefined();
  });

  it('the dry run says the same (503 MAILROOM_E_RENDER_UNAVAILABLE), rather than listing the rule as skipped', async () => {
    failOnce('render');
    const res = await t.request({ method: 'POST', url: '/api/v1/rules/test', payload: { event } });
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json().error.code).toBe('MAILROOM_E_RENDER_UNAVAILABLE');
  });


  it('an HTML-only message whose text the engine could not derive goes out as given (202), not 500', async () => {
    const calls = failOnce('textFromHtml');
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['bob@example.com'], subject: 'Hi', html: '<p>Hello <b>Bob</b></p>' } });
    expect(calls()).toBe(1);
    expect(res.statusCode, res.body).toBe(202);
    const stored = (await t.request({ method: 'GET', url: `/api/v1/messages/${res.json().id}` })).json();
    expect(stored).toMatchObject({ html: '<p>Hello <b>Bob</b></p>', text: null });
  });

  it('POST /messages with a template the engine could not render: 503 MAILROOM_E_RENDER_UNAVAILABLE with Retry-After, nothing stored; the retry is accepted', async () => {
    const before = (await t.request({ method: 'GET', url: '/api/v1/messages?limit=200' })).json().items.length;
    const calls = failOnce('render');
    const payload = { to: ['bob@example.com'], template: 'test', data: { name: 'Bob' }, idempotencyKey: 'engine-trouble-1' };
    const first = await t.request({ method: 'POST', url: '/api/v1/messages', payload });
    expect(calls()).toBe(1);
    expect(first.statusCode, first.body).toBe(503);
    expect(first.headers['retry-after']).toBe('5');
    expect(first.json().error).toMatchObject({ code: 'MAILROOM_E_RENDER_UNAVAILABLE', details: { retryAfterSec: 5 } });
    expect((await t.request({ method: 'GET', url: '/api/v1/messages?limit=200' })).json().items).toHaveLength(before);
    const retry = await t.request({ method: 'POST', url: '/api/v1/messages', payload });
    expect(retry.statusCode, retry.body).toBe(202);
  });

  it('the template preview (saved and unsaved sources) and the layout preview: 503 MAILROOM_E_RENDER_UNAVAILABLE, not 500', async () => {
    const calls: Array<() => number> = [];
    const previews = [
      { url: '/api/v1/templates/test/preview', payload: {} },
      { url: '/api/v1/templates/test/preview', payload: { content: { subject: 'Hi', text: 'Hello' } } },
      { url: '/api/v1/layouts/default/preview', payload: {} },
    ];
    for (const p of previews) {
      calls.push(failOnce('render'));
      const res = await t.request({ method: 'POST', ...p });
      expect(res.statusCode, `${p.url} ${res.body}`).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json().error.code).toBe('MAILROOM_E_RENDER_UNAVAILABLE');
      expect(res.json().error.message).toMatch(/template engine is shutting down/);
      expect((await t.request({ method: 'POST', ...p })).statusCode).toBe(200);
    }
    // Each preview called the engine twice: refused once, then rendered.
    expect(calls.map((c) => c())).toEqual([2, 2, 2]);
  });

  it('a genuine fault in the renderer (an exception it did not expect) stays 500 MAILROOM_E_INTERNAL: for a message, and for an event, which fails whole', async () => {
    // What a render thread answers for an exception that is not a template's failure: a bug.
    const bug = () => new MailroomError(ErrorCodes.INTERNAL, "Cannot read properties of undefined (reading 'source')");
    engine.render = () => Promise.reject(bug());
    const message = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['bob@example.com'], template: 'test', data: { name: 'Bob' } } });
    expect(message.statusCode, message.body).toBe(500);
    expect(message.json().error.code).toBe('MAILROOM_E_INTERNAL');
    const ev = { ...event, id: 'evt-engine-bug-1' };
    const raised = await t.request({ method: 'POST', url: '/api/v1/events', payload: ev });
    expect(raised.statusCode, raised.body).toBe(500);
    expect(raised.json().error.code).toBe('MAILROOM_E_INTERNAL');
    expect((await t.request({ method: 'GET', url: `/api/v1/events/${ev.id}` })).statusCode).toBe(404);
  });
});
