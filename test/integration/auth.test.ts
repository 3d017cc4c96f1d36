import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/test-app.js';

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = res.headers['set-cookie'];
  const first = Array.isArray(set) ? set[0] : String(set);
  return first.split(';')[0];
}

await describeEachDialect('auth', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const login = (email: string, password: string, ip = '10.0.0.1') =>
    t.server.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password }, remoteAddress: ip });

  it('answers 401 to every unauthenticated /api/v1 call', async () => {
    expect(t.server.hasRoute({ method: 'GET', url: '/api/v1/servers' })).toBe(true);
    for (const [method, url] of [
      ['GET', '/api/v1/servers'],
      ['POST', '/api/v1/servers'],
      ['GET', '/api/v1/accounts'],
      ['GET', '/api/v1/users'],
      ['GET', '/api/v1/api-keys'],
      ['GET', '/api/v1/audit'],
      ['GET', '/api/v1/session'],
      ['DELETE', '/api/v1/session'],
    ] as const) {
      const res = await t.request({ method, url, key: null, payload: method === 'POST' ? {} : undefined });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json().error.code).toBe('MAILROOM_E_UNAUTHENTICATED');
    }
    const bad = await t.request({ method: 'GET', url: '/api/v1/servers', key: 'mrk_not-a-real-key' });
    expect(bad.statusCode).toBe(401);
  });

  it('an Authorization header that is not Bearer is told that only Bearer API keys (or a session) are accepted, not that a key was revoked', async () => {
    const basic = `Basic ${Buffer.from(`${ADMIN_EMAIL}:${ADMIN_PASSWORD}`).toString('base64')}`;
    for (const authorization of [basic, 'Token mrk_abc', 'mrk_abc', 'Bearer']) {
      const res = await t.request({ method: 'GET', url: '/api/v1/servers', key: null, headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.json().error, authorization).toEqual({
        code: 'MAILROOM_E_UNAUTHENTICATED',
        message: 'the Authorization header must be "Bearer <api key>": only API keys are accepted there (or log in with POST /api/v1/session and send its cookie)',
      });
    }
    // A Bearer key that is not one is still told so.
    expect((await t.request({ method: 'GET', url: '/api/v1/servers', key: 'mrk_not-a-real-key' })).json().error.message).toBe('the API key is not valid or has been revoked');
  });

  it("records a failed login by the user's email, and one naming no user without what was typed (it may be a password)", async () => {
    expect((await login(ADMIN_EMAIL, 'not-the-password', '10.0.0.9')).statusCode).toBe(401);
    expect((await login('Secr3tPassw0rd!', 'x', '10.0.0.9')).statusCode).toBe(401);
    const failures = (await t.request({ method: 'GET', url: '/api/v1/audit?action=session.login_failed&limit=50' })).json().items as { actor: string }[];
    expect(failures.map((e) => e.actor)).toEqual(expect.arrayContaining([`login:${ADMIN_EMAIL}`, 'login:(no such user)']));
    expect(JSON.stringify(failures).toLowerCase()).not.toContain('secr3tpassw0rd');
  });

  it('logs in with the first admin, uses the cookie with CSRF, and logs out', async () => {
    const res = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(res.statusCode).toBe(200);
    const { csrfToken, user } = res.json();
    expect(user).toMatchObject({ email: ADMIN_EMAIL, role: 'admin' });
    expect(user).not.toHaveProperty('passwordHash');
    const cookie = cookieOf(res);
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly/i);
    const list = await t.server.inject({ method: 'GET', url: '/api/v1/servers', headers: { cookie } });
    expect(list.statusCode).toBe(200);
    const noCsrf = await t.server.inject({ method: 'POST', url: '/api/v1/servers', headers: { cookie }, payload: { name: 'csrf', smtp: { host: 'a.example.com' } } });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('MAILROOM_E_CSRF');
    const withCsrf = await t.server.inject({
      method: 'POST',
      url: '/api/v1/servers',
      headers: { cookie, 'x-csrf-token': csrfToken },
      payload: { name: 'csrf', smtp: { host: 'a.example.com' } },
    });
    expect(withCsrf.statusCode).toBe(201);
    const audit = (await t.request({ method: 'GET', url: '/api/v1/audit?action=server.create' })).json();
    expect(audit.items[0]).toMatchObject({ actor: `user:${ADMIN_EMAIL}`, action: 'server.create', targetType: 'server' });
    const out = await t.server.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(out.statusCode).toBe(204);
    expect((await t.server.inject({ method: 'GET', url: '/api/v1/servers', headers: { cookie } })).statusCode).toBe(401);
  });

  it('gives a viewer read access and 403 on every write', async () => {
    const created = await t.request({ method: 'POST', url: '/api/v1/users', payload: { email: 'viewer@example.com', password: 'viewer-password-1', role: 'viewer' } });
    expect(created.statusCode).toBe(201);
    const res = await login('viewer@example.com', 'viewer-password-1');
    const cookie = cookieOf(res);
    const headers = { cookie, 'x-csrf-token': res.json().csrfToken };
    expect((await t.server.inject({ method: 'GET', url: '/api/v1/servers', headers })).statusCode).toBe(200);
    for (const [method, url, payload] of [
      ['POST', '/api/v1/servers', { name: 'v', smtp: { host: 'v.example.com' } }],
      ['POST', '/api/v1/accounts', { serverId: 'x', address: 'a@example.com' }],
      ['POST', '/api/v1/users', { email: 'x@example.com', password: 'long-enough-1' }],
      ['POST', '/api/v1/api-keys', { name: 'k', scopes: ['send'] }],
    ] as const) {
      const r = await t.server.inject({ method, url, headers, payload });
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error.code).toBe('MAILROOM_E_FORBIDDEN');
    }
  });

  it('limits login attempts', async () => {
    for (let i = 0; i < 10; i++) expect((await login(ADMIN_EMAIL, 'wrong-password', '10.9.9.9')).statusCode).toBe(401);
    const limited = await login(ADMIN_EMAIL, ADMIN_PASSWORD, '10.9.9.9');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('MAILROOM_E_RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('shows an API key once, stores it hashed, enforces its scopes, and revokes it', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'app', scopes: ['read'] } });
    expect(res.statusCode).toBe(201);
    const { key, id } = res.json();
    expect(key).toMatch(/^mrk_/);
    const list = await t.request({ method: 'GET', url: '/api/v1/api-keys' });
    expect(list.body).not.toContain(key);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers', key })).statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: '/api/v1/servers', key, payload: { name: 'k', smtp: { host: 'k.example.com' } } })).statusCode).toBe(403);
    expect((await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${id}` })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers', key })).statusCode).toBe(401);
  });

  it('refuses to remove the last admin', async () => {
    const users = (await t.request({ method: 'GET', url: '/api/v1/users' })).json().items;
    const admin = users.find((u: { email: string }) => u.email === ADMIN_EMAIL);
    const res = await t.request({ method: 'PATCH', url: `/api/v1/users/${admin.id}`, payload: { role: 'viewer', version: admin.version } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('MAILROOM_E_INVALID_STATE');
  });

  it('serves health, readiness and the OpenAPI document without auth', async () => {
    expect((await t.request({ method: 'GET', url: '/healthz', key: null })).json()).toEqual({ status: 'ok' });
    expect((await t.request({ method: 'GET', url: '/readyz', key: null })).json()).toEqual({ status: 'ready' });
    const doc = await t.request({ method: 'GET', url: '/docs/json', key: null });
    expect(doc.statusCode).toBe(200);
    expect(Object.keys(doc.json().paths)).toContain('/api/v1/servers');
    const unknown = await t.request({ method: 'GET', url: '/api/v1/nope' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('MAILROOM_E_NOT_FOUND');
  });
});
