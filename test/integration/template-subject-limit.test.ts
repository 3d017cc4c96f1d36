import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A template's rendered subject is held to a header's limit (998 characters) where it is made,
 * not only when a message is built: the save (sample data), a preview of unsaved content and a
 * send with data that makes it longer are refused alike, with the locale named. Before, the
 * save and the preview passed and every send failed. (The engine, not the store: SQLite suffices.)
 */
describe("a template's rendered subject over 998 characters", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  const long = '{% for i in (1..300) %}word {% endfor %}';

  it('refuses the save, saying which locale, and stores nothing', async () => {
    const res = await t.request({ method: 'PUT', url: '/api/v1/templates/weekly_digest', payload: { name: 'Digest', locales: { en: { subject: 'Fine', text: 'x' }, de: { subject: long, text: 'x' } } } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_SUBJECT_TOO_LONG', details: { field: 'subject', locale: 'de', limit: 998 } });
    expect(res.json().error.message).toMatch(/\(de\) is 1499 characters; the limit is 998/);
    expect((await t.request({ method: 'GET', url: '/api/v1/templates/weekly_digest' })).statusCode).toBe(404);
  });

  it('refuses a preview of such content, as a send would be refused', async () => {
    await t.request({ method: 'PUT', url: '/api/v1/templates/weekly_digest', payload: { name: 'Digest', locales: { en: { subject: 'Digest', text: 'x' } } } });
    const res = await t.request({ method: 'POST', url: '/api/v1/templates/weekly_digest/preview', payload: { content: { subject: long, text: 'x' } } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('MAILROOM_E_SUBJECT_TOO_LONG');
  });

  it('refuses a send whose data makes it too long, naming the locale, and queues nothing', async () => {
    const saved = await t.request({ method: 'PUT', url: '/api/v1/templates/named', payload: { name: 'Named', sampleData: { name: 'Ann' }, locales: { en: { subject: 'Hello {{ name }}', text: 'x' } } } });
    expect(saved.statusCode, saved.body).toBe(200);
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['a@example.net'], template: 'named', data: { name: 'n'.repeat(1000) } } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_SUBJECT_TOO_LONG', details: { locale: 'en' } });
    expect((await t.request({ method: 'GET', url: '/api/v1/messages' })).json().items).toHaveLength(0);
  });
});
