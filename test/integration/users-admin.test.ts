import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { ADMIN_EMAIL, startTestApp, type TestApp } from '../helpers/test-app.js';

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = res.headers['set-cookie'];
  return (Array.isArray(set) ? set[0] : String(set)).split(';')[0];
}

/**
 * Users as an admin manages them (docs/api.md, "Session, users, API keys"): every documented
 * field is accepted (`disabled` when creating, `email` when changing), a password an admin chose
 * must be changed at the first sign-in, and an email is a login: a bare address, normalised,
 * unique. Refused input leaves the stored user as it was.
 */
await describeEachDialect('users: what an admin may set', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const login = async (email: string, password: string) => {
    const res = await t.server.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } });
    return { res, cookie: res.statusCode === 200 ? cookieOf(res) : '' };
  };
  const session = (cookie: string) => t.server.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
  const users = async () => (await api('GET', '/users')).json().items as { id: string; email: string; name: string | null; disabled: boolean; version: number }[];

  it('creates a user disabled when asked: they cannot sign in until enabled', async () => {
    const res = await api('POST', '/users', { email: 'later@example.com', password: 'later-password-1', role: 'operator', disabled: true });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ email: 'later@example.com', role: 'operator', disabled: true });
    const refused = await login('later@example.com', 'later-password-1');
    expect(refused.res.statusCode).toBe(401);
    expect(refused.res.json().error.code).toBe('MAILROOM_E_INVALID_CREDENTIALS');
    expect((await api('PATCH', `/users/${res.json().id}`, { disabled: false, version: res.json().version })).json().disabled).toBe(false);
    expect((await login('later@example.com', 'later-password-1')).res.statusCode).toBe(200);
    expect((await api('POST', '/users', { email: 'bad-flag@example.com', password: 'bad-flag-password', role: 'viewer', disabled: 'yes' })).json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'disabled' } });
  });

  it('a new user needs email, password and role: each left out is "is required", naming it', async () => {
    const before = await users();
    const full = { email: 'needs-all@example.com', password: 'needs-all-password-1', role: 'operator' };
    for (const field of ['email', 'password', 'role'] as const) {
      const { [field]: _left, ...rest } = full;
      const res = await api('POST', '/users', rest);
      expect(res.statusCode, `${field} ${res.body}`).toBe(400);
      expect(res.json().error, field).toEqual({ code: 'MAILROOM_E_VALIDATION', message: `${field}: is required`, details: { field } });
    }
    // null for one of them: the words every route uses for a required field given null.
    expect((await api('POST', '/users', { ...full, role: null })).json().error).toEqual({
      code: 'MAILROOM_E_VALIDATION',
      message: 'role: must be text, not null (the field is required)',
      details: { field: 'role' },
    });
    // Ten spaces are ten characters, and were taken and signed in with: only blanks is no password.
    for (const password of [' '.repeat(10), '\t \n'.repeat(4)]) {
      expect((await api('POST', '/users', { ...full, password })).json().error).toEqual({
        code: 'MAILROOM_E_VALIDATION',
        message: 'password: must not be only blanks (spaces, tabs or line endings)',
        details: { field: 'password' },
      });
    }
    expect((await users()).length).toBe(before.length);
    expect((await api('POST', '/users', full)).statusCode).toBe(201);
    const made = (await users()).find((u) => u.email === full.email)!;
    expect((await api('PATCH', `/users/${made.id}`, { password: ' '.repeat(12), version: made.version })).json().error.message).toBe('password: must not be only blanks (spaces, tabs or line endings)');
  });

  it('asks a user an admin created to choose their own password at the first sign-in', async () => {
    const created = await api('POST', '/users', { email: 'new-hire@example.com', password: 'chosen-by-admin-1', role: 'viewer' });
    expect(created.json().passwordChangeRequired).toBe(true);
    const s = await login('new-hire@example.com', 'chosen-by-admin-1');
    expect(s.res.json().user.passwordChangeRequired).toBe(true);
    expect((await session(s.cookie)).json().user.passwordChangeRequired).toBe(true);
    // The first admin's password came from MAILROOM_ADMIN_PASSWORD, chosen by the operator: not asked.
    expect((await users()).find((u) => u.email === ADMIN_EMAIL)).toMatchObject({ passwordChangeRequired: false });
  });

  it('changes a user’s email: normalised like a new one, unique, and their session goes on under the new login', async () => {
    const u = (await api('POST', '/users', { email: 'mover@example.com', password: 'mover-password-1', role: 'viewer' })).json();
    const s = await login('mover@example.com', 'mover-password-1');
    expect(s.res.statusCode).toBe(200);
    const changed = await api('PATCH', `/users/${u.id}`, { email: '  Mover.New@BÜCHER.example ', version: u.version });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ email: 'mover.new@xn--bcher-kva.example', version: u.version + 1 });
    // The session belongs to the user, not to the email: it stays valid and shows the new one.
    const me = await session(s.cookie);
    expect(me.statusCode).toBe(200);
    expect(me.json().user.email).toBe('mover.new@xn--bcher-kva.example');
    expect(me.json().principal.label).toBe('user:mover.new@xn--bcher-kva.example');
    expect((await login('mover@example.com', 'mover-password-1')).res.statusCode).toBe(401);
    expect((await login('Mover.New@xn--bcher-kva.example', 'mover-password-1')).res.statusCode).toBe(200);
    // Signing in as it was typed, the domain in Unicode: the same login (it was 401).
    expect((await login(' Mover.New@Bücher.example ', 'mover-password-1')).res.statusCode).toBe(200);
    // Text that is no address finds nobody, said as any wrong login.
    expect((await login('Mover <mover.new@bücher.example>', 'mover-password-1')).res.json().error.code).toBe('MAILROOM_E_INVALID_CREDENTIALS');
    const audit = (await api('GET', `/audit?targetId=${u.id}&action=user.update`)).json().items;
    expect(audit[0]).toMatchObject({ before: { email: 'mover@example.com' }, after: { email: 'mover.new@xn--bcher-kva.example' } });

    // Someone else's email: 409 naming the field; the same email again is no change worth refusing.
    const taken = await api('PATCH', `/users/${u.id}`, { email: ADMIN_EMAIL.toUpperCase(), version: changed.json().version });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toMatchObject({ code: 'MAILROOM_E_DUPLICATE', details: { field: 'email' } });
    expect((await api('PATCH', `/users/${u.id}`, { email: 'MOVER.NEW@xn--bcher-kva.example', version: changed.json().version })).statusCode).toBe(200);
  });

  it('refuses a display name in a user’s email (it is a login), on create, change and profile, and keeps what was stored', async () => {
    const before = await users();
    const create = await api('POST', '/users', { email: 'Nora <n@x.example>', password: 'nora-password-1', role: 'viewer' });
    expect(create.statusCode).toBe(400);
    expect(create.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'email' } });
    expect(create.json().error.message).toMatch(/email: .*without a display name/);
    expect((await users()).map((u) => u.email)).toEqual(before.map((u) => u.email));

    const nora = (await api('POST', '/users', { email: 'n@x.example', name: 'Nora', password: 'nora-password-1', role: 'viewer' })).json();
    const patch = await api('PATCH', `/users/${nora.id}`, { email: 'Nora N <nora@x.example>', name: 'Changed', version: nora.version });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'email' } });
    expect((await users()).find((u) => u.id === nora.id)).toMatchObject({ email: 'n@x.example', name: 'Nora', version: nora.version });
    const notAnAddress = await api('PATCH', `/users/${nora.id}`, { email: 'nora at x', version: nora.version });
    expect(notAnAddress.json().error).toMatchObject({ code: 'MAILROOM_E_INVALID_ADDRESS', details: { field: 'email' } });

    // The same rule when the user changes it themself.
    const s = await login('n@x.example', 'nora-password-1');
    const csrf = s.res.json().csrfToken as string;
    const own = await t.server.inject({ method: 'PATCH', url: '/api/v1/profile', headers: { cookie: s.cookie, 'x-csrf-token': csrf }, payload: { currentPassword: 'nora-password-1', email: 'Nora <nora@x.example>' } });
    expect(own.statusCode).toBe(400);
    expect(own.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'email' } });
    expect((await session(s.cookie)).json().user.email).toBe('n@x.example');
  });

  it('PATCH takes the version read: without it 400, a stale one 409 and nothing changed; a patch that changes nothing keeps the version', async () => {
    const u = (await api('POST', '/users', { email: 'versioned@example.com', password: 'versioned-pass-1', role: 'operator' })).json();
    expect(u.version).toBe(1);
    const stored = async () => (await users()).find((x) => x.id === u.id) as unknown as { role: string; version: number; updatedAt: string };
    const auditCount = async () => (await api('GET', `/audit?targetId=${u.id}`)).json().items.length as number;

    for (const body of [{ role: 'viewer' }, {}]) {
      const missing = await api('PATCH', `/users/${u.id}`, body);
      expect(missing.statusCode, JSON.stringify(body)).toBe(400);
      expect(missing.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'version' } });
    }
    expect(await stored()).toMatchObject({ role: 'operator', version: 1 });

    const changed = await api('PATCH', `/users/${u.id}`, { version: 1, role: 'viewer' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ role: 'viewer', version: 2 });

    const stale = await api('PATCH', `/users/${u.id}`, { version: 1, role: 'admin' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'MAILROOM_E_VERSION_CONFLICT', details: { currentVersion: 2 } });
    expect(stale.json().error.message).toContain('was changed by someone else (version 2, you sent 1)');
    expect(await stored()).toMatchObject({ role: 'viewer', version: 2 });

    // Nothing to change (no field, or each as it is): the user, its version and the audit stay.
    const audited = await auditCount();
    const before = await stored();
    for (const body of [{ version: 2 }, { version: 2, role: 'viewer', disabled: false, name: null, email: 'Versioned@example.com' }]) {
      const same = await api('PATCH', `/users/${u.id}`, body);
      expect(same.statusCode, same.body).toBe(200);
      expect(same.json()).toMatchObject({ role: 'viewer', version: 2 });
    }
    expect(await stored()).toEqual(before);
    expect(await auditCount()).toBe(audited);
    // A stale version is refused even when nothing would change.
    expect((await api('PATCH', `/users/${u.id}`, { version: 1 })).statusCode).toBe(409);
    expect((await api('PATCH', `/users/${u.id}`, { version: 0, role: 'viewer' })).json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'version' } });

    // A new password is always a change.
    const reset = await api('PATCH', `/users/${u.id}`, { version: 2, password: 'another-pass-12' });
    expect(reset.json()).toMatchObject({ version: 3, passwordChangeRequired: true });

    // Two admins with the same version at once: one change lands, the other is told.
    const both = await Promise.all([api('PATCH', `/users/${u.id}`, { version: 3, name: 'First' }), api('PATCH', `/users/${u.id}`, { version: 3, name: 'Second' })]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const winner = both.find((r) => r.statusCode === 200)!.json();
    expect(await stored()).toMatchObject({ name: winner.name, version: 4 });
  });
});
