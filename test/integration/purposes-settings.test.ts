import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

await describeEachDialect('purposes and settings API', (dialect) => {
  let t: TestApp;
  let accountId: string;
  const req = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) => t.request({ method, url: `/api/v1/${url}`, payload });

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const srv = (await req('POST', 'servers', { name: 's', smtp: { host: 'smtp.example.com' } })).json();
    accountId = (await req('POST', 'accounts', { serverId: srv.id, address: 'a@example.com' })).json().id;
  });
  afterAll(async () => t?.close());

  it('lists the built-in purposes, most urgent first', async () => {
    const { items } = (await req('GET', 'purposes')).json();
    expect(items.map((p: { key: string }) => p.key)).toEqual([
      'two_factor', 'magic_link', 'password_reset', 'alert', 'access_request', 'invitation', 'test', 'contact_autoreply', 'report',
    ]);
    expect(items[0]).toMatchObject({ key: 'two_factor', builtin: true, enabled: true, accountIds: [], priority: 100, expireAfterSec: 600, globalCopies: false, version: 1 });
  });

  it('patches a purpose with its version, audited; PUT returns omitted fields to their defaults', async () => {
    const p = (await req('GET', 'purposes/report')).json();
    const noVersion = await req('PATCH', 'purposes/report', { priority: 20 });
    expect(noVersion.statusCode).toBe(400);
    const res = await req('PATCH', 'purposes/report', { priority: 20, accountIds: [accountId], version: p.version });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ priority: 20, accountIds: [accountId], version: p.version + 1, globalCopies: true });
    const stale = await req('PATCH', 'purposes/report', { priority: 30, version: p.version });
    expect(stale.json().error.code).toBe('MAILROOM_E_VERSION_CONFLICT');
    const put = await req('PUT', 'purposes/report', { enabled: false, version: p.version + 1 });
    expect(put.json()).toMatchObject({ enabled: false, priority: 10, accountIds: [], globalCopies: true });
    const audit = (await req('GET', 'audit?targetType=purpose')).json().items;
    expect(audit.filter((e: { action: string }) => e.action === 'purpose.update')).toHaveLength(2);
  });

  it('PUT replaces a purpose only with the version read, as PATCH: without it a later change would be lost', async () => {
    const p = (await req('GET', 'purposes/alert')).json();
    const noVersion = await req('PUT', 'purposes/alert', { priority: 70 });
    expect(noVersion.statusCode, noVersion.body).toBe(400);
    expect(noVersion.json().error).toEqual({
      code: 'MAILROOM_E_VALIDATION',
      message: 'version: is required on update (send the version you read, to avoid overwriting a newer change)',
      details: { field: 'version' },
    });
    const changed = (await req('PATCH', 'purposes/alert', { priority: 75, version: p.version })).json();
    const stale = await req('PUT', 'purposes/alert', { priority: 70, version: p.version });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('MAILROOM_E_VERSION_CONFLICT');
    expect((await req('GET', 'purposes/alert')).json()).toEqual(changed);
    const put = await req('PUT', 'purposes/alert', { priority: 70, version: changed.version });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ priority: 70, version: changed.version + 1 });
  });

  it.each([
    [{ accountIds: ['acc_missing'] }, 'MAILROOM_E_VALIDATION', 'does not exist'],
    [{ priority: 101 }, 'MAILROOM_E_VALIDATION', 'priority'],
    [{ expireAfterSec: 5 }, 'MAILROOM_E_VALIDATION', 'expireAfterSec'],
    [{ colour: 'red' }, 'MAILROOM_E_UNKNOWN_FIELD', 'colour'],
    [{ enabled: 'yes' }, 'MAILROOM_E_VALIDATION', 'enabled'],
  ])('refuses bad purpose input %#', async (body, code, mentions) => {
    const before = (await req('GET', 'purposes/alert')).json();
    const res = await req('PATCH', 'purposes/alert', { ...body, version: before.version });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message).toContain(mentions);
    expect((await req('GET', 'purposes/alert')).json()).toEqual(before);
  });

  it('creates and deletes custom purposes; built-ins can only be switched off', async () => {
    const created = await req('POST', 'purposes', { key: 'weekly_digest', priority: 5, globalCopies: true });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ key: 'weekly_digest', builtin: false, enabled: true, priority: 5, expireAfterSec: null });
    expect((await req('POST', 'purposes', { key: 'weekly_digest' })).json().error.code).toBe('MAILROOM_E_DUPLICATE');
    expect((await req('POST', 'purposes', { key: 'alert' })).json().error.code).toBe('MAILROOM_E_DUPLICATE');
    expect((await req('POST', 'purposes', { key: 'Bad Key!' })).json().error.code).toBe('MAILROOM_E_VALIDATION');
    const del = await req('DELETE', 'purposes/two_factor');
    expect(del.statusCode).toBe(409);
    expect(del.json().error.message).toContain('switch it off instead');
    expect((await req('DELETE', 'purposes/weekly_digest')).statusCode).toBe(204);
    expect((await req('GET', 'purposes/weekly_digest')).statusCode).toBe(404);
    expect((await req('PATCH', 'purposes/nope', { enabled: false, version: 1 })).statusCode).toBe(404);
  });

  it('reports each setting with its source and lock, and validates changes', async () => {
    const s = (await req('GET', 'settings')).json();
    expect(s).toEqual({
      mailDriver: expect.objectContaining({ value: 'smtp', source: 'default', locked: true }),
      defaultAccountId: { value: null, source: 'default', locked: false, version: 0 },
      globalCc: { value: [], source: 'default', locked: false, version: 0 },
      globalBcc: { value: [], source: 'default', locked: false, version: 0 },
      branding: { value: { name: 'Mailroom', logoUrl: null, color: '#2563eb', footer: '' }, source: 'default', locked: false, version: 0 },
      defaultLocale: { value: 'en', source: 'default', locked: false, version: 0 },
      contactAutoReply: { value: expect.objectContaining({ enabled: false, accountId: null }), source: 'default', locked: false, version: 0 },
      reports: { value: expect.objectContaining({ enabled: false, useDefault: true }), source: 'default', locked: false, version: 0 },
      softBounces: { value: { count: 3, windowDays: 7 }, source: 'default', locked: false, version: 0 },
      retention: { value: { days: null }, source: 'default', locked: false, version: 0 },
    });
    for (const [body, code] of [
      [{ globalCc: ['not an address'] }, 'MAILROOM_E_INVALID_ADDRESS'],
      [{ globalBcc: ['Archive <a@example.com>'] }, 'MAILROOM_E_VALIDATION'],
      [{ defaultAccountId: 'acc_missing' }, 'MAILROOM_E_VALIDATION'],
      [{ unknown: 1 }, 'MAILROOM_E_UNKNOWN_FIELD'],
    ] as const) {
      const res = await req('PATCH', 'settings', body);
      expect(res.json().error?.code, res.body).toBe(code);
    }
    const ok = await req('PATCH', 'settings', { globalBcc: ['archive@example.com', 'archive@example.com'], defaultAccountId: accountId });
    expect(ok.json().globalBcc).toMatchObject({ value: ['archive@example.com'], source: 'database' });
    expect(ok.json().globalCc.source).toBe('default');
    const audit = (await req('GET', 'audit?targetType=settings')).json().items;
    expect(audit[0]).toMatchObject({ action: 'settings.update', after: { globalBcc: ['archive@example.com'], defaultAccountId: accountId } });
  });

  it('a save that changes nothing writes nothing: no audit entry, the source and time stay (a default, an admin\'s value)', async () => {
    const entries = async () => (await req('GET', 'audit?targetType=settings&limit=100')).json().items.length as number;
    const before = await entries();
    const was = (await req('GET', 'settings')).json();
    // Values as they are: defaults (retention, locale, soft bounces) and the admin's own (globalBcc, defaultAccountId).
    const same = await req('PATCH', 'settings', {
      retention: { days: null },
      defaultLocale: 'en',
      softBounces: { count: 3 },
      branding: { name: 'Mailroom', color: '#2563eb' },
      globalBcc: ['archive@example.com'],
      defaultAccountId: accountId,
    });
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json()).toEqual(was);
    expect(same.json().retention).toEqual({ value: { days: null }, source: 'default', locked: false, version: 0 });
    expect(await entries()).toBe(before);
    // One value changed among the same ones: that one alone is written and audited.
    const one = await req('PATCH', 'settings', { defaultLocale: 'de', softBounces: { count: 3 } });
    expect(one.json().defaultLocale).toMatchObject({ value: 'de', source: 'database' });
    expect(one.json().softBounces.source).toBe('default');
    const [entry] = (await req('GET', 'audit?targetType=settings')).json().items;
    expect(entry).toMatchObject({ action: 'settings.update', before: { defaultLocale: 'en' }, after: { defaultLocale: 'de' } });
    expect(Object.keys(entry.after)).toEqual(['defaultLocale']);
    expect(await entries()).toBe(before + 1);
    await req('PATCH', 'settings', { defaultLocale: 'en' });
  });

  it('lets a read-only user see purposes and settings but not change them', async () => {
    const key = await req('POST', 'api-keys', { name: 'reader', scopes: ['read'] });
    const reader = key.json().key as string;
    expect((await t.request({ method: 'GET', url: '/api/v1/purposes', key: reader })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/v1/settings', key: reader })).statusCode).toBe(200);
    expect((await t.request({ method: 'PATCH', url: '/api/v1/settings', key: reader, payload: { globalCc: [] } })).statusCode).toBe(403);
    expect((await t.request({ method: 'POST', url: '/api/v1/purposes', key: reader, payload: { key: 'x_y' } })).statusCode).toBe(403);
  });
});
