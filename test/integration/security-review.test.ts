import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Regression tests for holes found in the security review: routes reached through an encoded
 * path, inputs the database refuses (500 before), timestamps no answer can show, certificates
 * that only look like one, and framing of the admin UI.
 */
await describeEachDialect('security review', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('authenticates by the matched route, so an encoded or doubled path is no way around it', async () => {
    for (const url of ['/%61pi/v1/users', '/%61pi/v1/servers', '/%61%70%69/v1/audit', '/api/v1/%75sers', '/%61pi/v1/messages']) {
      const res = await t.request({ method: 'GET', url, key: null });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error.code, url).toBe('MAILROOM_E_UNAUTHENTICATED');
    }
    // Still refused before the body is read: a stranger learns nothing from schema errors.
    const post = await t.request({ method: 'POST', url: '/%61pi/v1/api-keys', key: null, payload: { name: 'x', scopes: ['admin'] } });
    expect(post.statusCode).toBe(401);
    const bad = await t.request({ method: 'POST', url: '/api/v1/servers', key: null, payload: { nonsense: true } });
    expect(bad.statusCode).toBe(401);
  });

  it('answers 400, not 500, to a NUL character anywhere (PostgreSQL cannot store one)', async () => {
    const cases = [
      { method: 'GET', url: '/api/v1/servers/a%00b' },
      { method: 'GET', url: '/api/v1/messages?q=%00' },
      { method: 'GET', url: '/api/v1/audit?actor=%00' },
      { method: 'POST', url: '/api/v1/servers', payload: { name: 'a\u0000b', smtp: { host: 'nul.example.com' } } },
      { method: 'POST', url: '/api/v1/api-keys', payload: { name: 'a\u0000b', scopes: ['send'] } },
      { method: 'POST', url: '/api/v1/purposes', payload: { key: 'nul_test', description: 'a\u0000b' } },
    ] as const;
    // SQLite stores or finds nothing and answers normally; PostgreSQL refuses the value: a 400.
    for (const c of cases) {
      const res = await t.request(c);
      expect(res.statusCode, c.url).toBeLessThan(500);
      if (res.statusCode >= 400) expect(res.json().error.code, c.url).toMatch(/^MAILROOM_E_/);
      if (dialect === 'postgres') expect(res.json().error.code, c.url).toBe('MAILROOM_E_VALIDATION');
    }
    const login = await t.request({ method: 'POST', url: '/api/v1/session', key: null, payload: { email: 'a\u0000b@example.com', password: 'x' } });
    expect(login.statusCode).toBeGreaterThanOrEqual(400);
    expect(login.statusCode).toBeLessThan(500);
  });

  it('refuses sendAt and expireAt that no answer could show, and keeps the log readable', async () => {
    for (const payload of [{ sendAt: 1e20 }, { sendAt: -1 }, { expireAt: 8.64e15 + 1 }]) {
      const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: 'a@example.com', subject: 's', text: 't', ...payload } });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION' });
    }
    expect((await t.request({ method: 'GET', url: '/api/v1/messages' })).statusCode).toBe(200);
  });

  it('refuses a pinned "certificate" that only has the PEM markers', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/v1/servers',
      payload: { name: 'pin', smtp: { host: 'pin.example.com', tlsTrust: { mode: 'pinned', certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' } } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'smtp.tlsTrust.certificate' } });
  });

  it('forbids framing the UI and the API by another site', async () => {
    for (const url of ['/api/v1/session', '/healthz', '/']) {
      const res = await t.request({ method: 'GET', url });
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(String(res.headers['content-security-policy']), url).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });
});
