import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The contact auto-reply and report mail fill in only the placeholders they know: a typo such as
 * `{nmae}` would reach every recipient as written. It is refused at save, with a stable code, the
 * placeholder and the known ones, and nothing of the save is kept.
 */
await describeEachDialect('built-in mail text: unknown placeholders', (dialect) => {
  let t: TestApp;
  const patch = (payload: object) => t.request({ method: 'PATCH', url: '/api/v1/settings', payload });
  const settings = async () => (await t.request({ method: 'GET', url: '/api/v1/settings' })).json();

  /** Refused with the code, at `field`, its message saying each of `words`, and nothing of the save kept. */
  const refused = async (payload: object, field: string, placeholder: string, words: string[]) => {
    const before = await settings();
    const res = await patch(payload);
    expect(res.statusCode, res.body).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('MAILROOM_E_UNKNOWN_PLACEHOLDER');
    expect(error.details).toMatchObject({ field, placeholder });
    for (const w of words) expect(error.message).toContain(w);
    expect(await settings()).toEqual(before);
  };

  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it.each([
    [{ contactAutoReply: { subject: 'Thanks, {nmae}' } }, 'contactAutoReply.subject', '{nmae}', '{name}, {subject}'],
    [{ contactAutoReply: { body: 'Hello {name},\n\nabout {Subject}: thanks' } }, 'contactAutoReply.body', '{Subject}', '{name}, {subject}'],
    [{ reports: { subject: 'Report {name} for {month}' } }, 'reports.subject', '{month}', '{name}, {period}, {url}'],
    [{ reports: { body: 'See {link}' } }, 'reports.body', '{link}', '{name}, {period}, {url}'],
  ])('refuses %j at its field, naming the placeholder and the known ones', (payload, field, placeholder, known) => refused(payload, field, placeholder.slice(1, -1), [placeholder, known]));

  // Templates are Liquid ({{ name }}, {% if %}): written here out of habit, "{{name}}" was sent
  // as "{Ann}" and a tag as written. Refused, saying which spelling this text takes.
  it.each([
    [{ contactAutoReply: { body: 'Hello {{name}}, thanks' } }, 'contactAutoReply.body', '{{name}}', 'write {name}'],
    [{ reports: { subject: 'Report {{ period }}' } }, 'reports.subject', '{{ period }}', 'write {period}'],
    [{ contactAutoReply: { body: '{% if name %}Hello {name}{% endif %}' } }, 'contactAutoReply.body', '{% if name %}', 'not run'],
  ])('refuses template syntax %j at its field, saying how this text is written', (payload, field, written, advice) => refused(payload, field, written, [written, advice]));

  it('accepts the known placeholders and braces that are no placeholder', async () => {
    const res = await patch({
      contactAutoReply: { subject: 'Re: {subject}', body: 'Hello {name}, a brace { alone } and {} stay text.' },
      reports: { subject: 'Report {name}', body: '{name} ({period}): {url}' },
    });
    expect(res.statusCode, res.body).toBe(200);
  });
});
