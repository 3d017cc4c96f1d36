import { afterAll, beforeAll, expect, it } from 'vitest';
import { draftFingerprint } from '../../src/core/templates/templates.service.js';
import { BUILTIN_TEMPLATES } from '../../src/templates/builtin/index.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A built-in template still holding a text an earlier Mailroom shipped follows the text this one
 * ships at the next start (a new version, reset by the system, audited); one an admin changed
 * stays theirs. The case that needed it: the contact auto-reply's subject, squished since a
 * visitor's line break made it a refusal.
 */
await describeEachDialect('built-in templates after an upgrade', (dialect) => {
  let t: TestApp;
  const req = (method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) => t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });
  const shipped = BUILTIN_TEMPLATES.templates.contact_autoreply!;
  /** The text versions before this one shipped: the subject as typed. */
  const earlier = { ...shipped, locales: Object.fromEntries(Object.entries(shipped.locales).map(([l, c]) => [l, { ...c, subject: c.subject.replace('{{ subject | squish }}', '{{ subject }}') }])) };
  const asStored = (d: typeof shipped) => ({ name: d.name, purpose: d.purpose, layout: d.layout, locales: d.locales, sampleData: d.sampleData });

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  it('lists the earlier text among the superseded ones', () => {
    expect(BUILTIN_TEMPLATES.superseded.contact_autoreply).toContain(draftFingerprint(earlier));
    expect(BUILTIN_TEMPLATES.superseded.contact_autoreply).not.toContain(draftFingerprint(shipped));
  });

  it('brings a built-in stored as an earlier version shipped it up to the text shipped now', async () => {
    // As an installation of an earlier version holds it.
    const before = (await req('GET', 'templates/contact_autoreply')).json();
    const old = await req('PUT', 'templates/contact_autoreply', { ...asStored(earlier), version: before.version });
    expect(old.statusCode, old.body).toBe(200);
    expect(old.json().modified).toBe(true);

    await t.restart();
    const after = (await req('GET', 'templates/contact_autoreply')).json();
    expect(after).toMatchObject({ version: old.json().version + 1, modified: false, builtIn: true, updatedBy: 'system' });
    expect(after.locales.en.subject).toBe('We received your message: {{ subject | squish }}');
    const audit = (await req('GET', 'audit?action=template.reset')).json().items;
    expect(audit[0]).toMatchObject({ action: 'template.reset', actor: 'system', targetId: 'contact_autoreply' });

    // A visitor's line break no longer costs the reply.
    const sent = await req('POST', 'messages', { to: ['dana@example.org'], template: 'contact_autoreply', data: { name: 'Dana', email: 'dana@example.org', subject: 'Pricing\r\nquestion', message: 'Hi' } });
    expect(sent.statusCode, sent.body).toBe(202);
    expect((await req('GET', `messages/${sent.json().id}`)).json().subject).toBe('We received your message: Pricing question');

    // Nothing more at the next start.
    await t.restart();
    expect((await req('GET', 'templates/contact_autoreply')).json().version).toBe(after.version);
  });

  it("leaves a built-in an admin changed as they wrote it", async () => {
    const before = (await req('GET', 'templates/contact_autoreply')).json();
    const own = asStored({ ...earlier, locales: { ...earlier.locales, en: { ...earlier.locales.en!, subject: 'Thanks: {{ subject }}' } } });
    const saved = await req('PUT', 'templates/contact_autoreply', { ...own, version: before.version });
    expect(saved.statusCode, saved.body).toBe(200);
    await t.restart();
    const after = (await req('GET', 'templates/contact_autoreply')).json();
    expect(after).toMatchObject({ version: saved.json().version, modified: true });
    expect(after.locales.en.subject).toBe('Thanks: {{ subject }}');
  });
});
