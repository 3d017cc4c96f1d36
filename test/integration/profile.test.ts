import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = res.headers['set-cookie'];
  return (Array.isArray(set) ? set[0] : String(set)).split(';')[0];
}

/**
 * The first admin (generated password, printed once) is asked to change it, and can change
 * their own password and email: the current password is required, other sessions end, this one
 * stays. An admin's reset of someone else's password asks that user to change it too.
 */
await describeEachDialect('profile: one’s own email and password', (dialect) => {
  let t: TestApp;
  let generated: string;
  const email = 'admin@mailroom.local';
  beforeAll(async () => {
    // No MAILROOM_ADMIN_* variables: the first start generates the password, as on a fresh machine.
    t = await startTestApp(dialect, { env: { MAILROOM_ADMIN_EMAIL: '', MAILROOM_ADMIN_PASSWORD: '' } });
    generated = t.app.firstAdmin!.generatedPassword!;
    expect(generated).toBeTruthy();
  });
  afterAll(async () => t?.close());

  const login = async (e: string, password: string) => {
    const res = await t.server.inject({ method: 'POST', url: '/api/v1/session', payload: { email: e, password } });
    return { res, cookie: res.statusCode === 200 ? cookieOf(res) : '', csrf: res.statusCode === 200 ? (res.json().csrfToken as string) : '' };
  };
  const patch = (s: { cookie: string; csrf: string }, payload: object) =>
    t.server.inject({ method: 'PATCH', url: '/api/v1/profile', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, payload });
  const me = async (s: { cookie: string }) => t.server.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: s.cookie } });

  it('asks the first admin to change the generated password, and lets them change password and email', async () => {
    const a = await login(email, generated);
    expect(a.res.statusCode).toBe(200);
    expect(a.res.json().user.passwordChangeRequired).toBe(true);
    const b = await login(email, generated); // signed in elsewhere too

    const wrong = await patch(a, { currentPassword: 'not-it-at-all', newPassword: 'my-own-password-1' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'currentPassword' } });
    const short = await patch(a, { currentPassword: generated, newPassword: 'short' });
    expect(short.json().error.details.field).toBe('newPassword');
    const blank = await patch(a, { currentPassword: generated, newPassword: ' \t'.repeat(6) });
    expect(blank.json().error).toEqual({ code: 'MAILROOM_E_VALIDATION', message: 'newPassword: must not be only blanks (spaces, tabs or line endings)', details: { field: 'newPassword' } });
    const same = await patch(a, { currentPassword: generated, newPassword: generated });
    expect(same.json().error.message).toMatch(/is the password you have now/);
    expect((await patch(a, { newPassword: 'my-own-password-1' })).statusCode).toBe(400);

    const ok = await patch(a, { currentPassword: generated, newPassword: 'my-own-password-1', email: 'ops@example.com', name: 'Ops Lead' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ email: 'ops@example.com', name: 'Ops Lead', passwordChangeRequired: false });
    expect(ok.json()).not.toHaveProperty('passwordHash');
    // This session goes on; the other one ended with the old password.
    expect((await me(a)).json().user).toMatchObject({ email: 'ops@example.com', passwordChangeRequired: false });
    expect((await me(b)).statusCode).toBe(401);
    // Logged out and in again: the new email and password work, the old ones do not.
    expect((await login(email, generated)).res.statusCode).toBe(401);
    expect((await login('ops@example.com', generated)).res.statusCode).toBe(401);
    expect((await login('ops@example.com', 'my-own-password-1')).res.statusCode).toBe(200);
    const audit = (await t.request({ method: 'GET', url: '/api/v1/audit?action=user.password_change' })).json();
    expect(audit.items[0]).toMatchObject({ actor: `user:${email}`, targetType: 'user' });
    expect(JSON.stringify(audit)).not.toContain('my-own-password-1');
  });

  it('changes only the name or the email with the current password, refuses a taken email, and has no profile for an API key', async () => {
    const s = await login('ops@example.com', 'my-own-password-1');
    expect((await t.request({ method: 'POST', url: '/api/v1/users', payload: { email: 'taken@example.com', password: 'taken-password-1', role: 'viewer' } })).statusCode).toBe(201);
    const taken = await patch(s, { currentPassword: 'my-own-password-1', email: 'Taken@Example.com' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.details.field).toBe('email');
    const renamed = await patch(s, { currentPassword: 'my-own-password-1', name: 'Operations' });
    expect(renamed.json()).toMatchObject({ name: 'Operations', email: 'ops@example.com' });
    // The same form sent again (or only the current password) changes nothing: the version and the audit log stay.
    const audits = (await t.request({ method: 'GET', url: '/api/v1/audit?action=user.profile_update' })).json().items.length;
    for (const again of [{ name: 'Operations', email: 'OPS@example.com' }, {}]) {
      const res = await patch(s, { currentPassword: 'my-own-password-1', ...again });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ name: 'Operations', email: 'ops@example.com', version: renamed.json().version });
    }
    expect((await t.request({ method: 'GET', url: '/api/v1/audit?action=user.profile_update' })).json().items.length).toBe(audits);
    const byKey = await t.request({ method: 'PATCH', url: '/api/v1/profile', payload: { currentPassword: 'x' } });
    expect(byKey.statusCode).toBe(403);
  });

  it('an admin’s reset of another user’s password asks that user to choose their own', async () => {
    const user = (await t.request({ method: 'POST', url: '/api/v1/users', payload: { email: 'viewer@example.com', password: 'viewer-password-1', role: 'viewer' } })).json();
    expect(user.passwordChangeRequired).toBe(true); // an admin chose it: asked from the first sign-in on
    const reset = await t.request({ method: 'PATCH', url: `/api/v1/users/${user.id}`, payload: { password: 'temporary-password-1', version: user.version } });
    expect(reset.json().passwordChangeRequired).toBe(true);
    const v = await login('viewer@example.com', 'temporary-password-1');
    expect(v.res.json().user.passwordChangeRequired).toBe(true);
    const changed = await patch(v, { currentPassword: 'temporary-password-1', newPassword: 'viewer-chose-this-1' });
    expect(changed.json().passwordChangeRequired).toBe(false);
  });
});
