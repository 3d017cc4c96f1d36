import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * PATCH /profile checks the current password before it says anything about the new one: a
 * wrong current password gets the same answer whatever the new password is (no oracle telling
 * whether a guess is the password the user has now), counts as a failed login, and past the
 * login limit every attempt is the login's 429, whatever the new password guesses.
 */
const USER = { email: 'oracle@example.com', password: 'the-real-password-1' };

await describeEachDialect('profile: no password oracle', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    expect((await t.request({ method: 'POST', url: '/api/v1/users', payload: { ...USER, role: 'viewer' } })).statusCode).toBe(201);
  });
  afterAll(async () => t?.close());

  const login = async (password: string, ip: string) => {
    const res = await t.server.inject({ method: 'POST', url: '/api/v1/session', payload: { email: USER.email, password }, remoteAddress: ip });
    const set = res.headers['set-cookie'];
    const cookie = res.statusCode === 200 ? (Array.isArray(set) ? set[0] : String(set)).split(';')[0] : '';
    return { res, cookie, csrf: res.statusCode === 200 ? (res.json().csrfToken as string) : '' };
  };
  const patch = (s: { cookie: string; csrf: string }, payload: object, ip: string) =>
    t.server.inject({ method: 'PATCH', url: '/api/v1/profile', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, payload, remoteAddress: ip });
  const answer = (res: { statusCode: number; json: () => { error: unknown } }) => ({ status: res.statusCode, error: res.json().error });

  it('a wrong current password answers alike whatever the new password is, the real one included', async () => {
    const s = await login(USER.password, '10.7.0.1');
    expect(s.res.statusCode).toBe(200);
    const other = await patch(s, { currentPassword: 'not-the-password', newPassword: 'some-other-guess-1' }, '10.7.0.1');
    const real = await patch(s, { currentPassword: 'not-the-password', newPassword: USER.password }, '10.7.0.1');
    expect(answer(other)).toEqual({ status: 400, error: { code: 'MAILROOM_E_VALIDATION', message: 'currentPassword: is not your current password', details: { field: 'currentPassword' } } });
    expect(answer(real)).toEqual(answer(other));
    // With the right current password, the new one being the same is still refused (and nothing changes).
    const same = await patch(s, { currentPassword: USER.password, newPassword: USER.password }, '10.7.0.1');
    expect(same.statusCode).toBe(400);
    expect(same.json().error).toMatchObject({ details: { field: 'newPassword' }, message: 'newPassword: is the password you have now; choose a new one' });
    expect((await login(USER.password, '10.7.0.2')).res.statusCode).toBe(200);
  });

  it('records a wrong current password in the audit log as a failed login, with the client address', async () => {
    const ip = '10.9.0.1';
    const s = await login(USER.password, ip);
    const failures = async () => (await t.request({ method: 'GET', url: '/api/v1/audit?action=session.login_failed&limit=500' })).json().items as Record<string, unknown>[];
    const before = (await failures()).length;
    // A failed login at the door, for the shape the profile's entry must have.
    expect((await login('not-the-password', ip)).res.statusCode).toBe(401);
    expect((await patch(s, { currentPassword: 'not-the-password-either', newPassword: 'a-new-password-1' }, '10.9.0.2')).statusCode).toBe(400);
    const [fromProfile, fromLogin] = await failures();
    expect((await failures()).length).toBe(before + 2);
    const { id: _a, at: _b, ip: _c, ...profileShape } = fromProfile;
    const { id: _d, at: _e, ip: _f, ...loginShape } = fromLogin;
    expect(profileShape).toEqual(loginShape);
    expect(fromProfile).toMatchObject({ actor: `login:${USER.email}`, targetType: 'user', ip: '10.9.0.2' });
    expect(JSON.stringify(fromProfile)).not.toMatch(/not-the-password|a-new-password/);
    // A right current password records no failure.
    expect((await patch(s, { currentPassword: USER.password }, '10.9.0.2')).statusCode).toBe(200);
    expect((await failures()).length).toBe(before + 2);
  });

  it('guesses count as failed logins and, past the limit, get the login’s 429 whatever the new password is', async () => {
    const ip = '10.8.0.1';
    const s = await login(USER.password, ip);
    expect(s.res.statusCode).toBe(200);
    // A right current password clears the email's failures: start from none.
    expect((await patch(s, { currentPassword: USER.password }, ip)).statusCode).toBe(200);
    for (let i = 1; i <= 10; i++) {
      const res = await patch(s, { currentPassword: `guess-${i}`, newPassword: `new-password-${i}` }, ip);
      expect(res.statusCode, `guess ${i}`).toBe(400);
    }
    const locked = await login(USER.password, '10.8.0.2');
    expect(locked.res.statusCode).toBe(429);
    for (const newPassword of ['some-other-guess-1', USER.password]) {
      const res = await patch(s, { currentPassword: 'not-the-password', newPassword }, ip);
      expect(res.statusCode, newPassword).toBe(429);
      expect(res.json().error.code).toBe('MAILROOM_E_RATE_LIMITED');
      expect(res.json().error.message).toMatch(/^too many failed logins; try again in \d+ s$/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // The right current password is refused too while the limit holds, as a login is.
    expect((await patch(s, { currentPassword: USER.password, newPassword: USER.password }, ip)).statusCode).toBe(429);
  });
});
