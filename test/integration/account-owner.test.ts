import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { ADMIN_EMAIL, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An account's `ownerId` names the user who owns it: an id no user has is a 400 on `ownerId`
 * (as an unknown `serverId` is) and nothing is stored; `null` clears it. An owner deleted later
 * does not block changing the account's other fields.
 */
await describeEachDialect('accounts: ownerId names a user', (dialect) => {
  let t: TestApp;
  let serverId: string;
  let adminId: string;
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  beforeAll(async () => {
    t = await startTestApp(dialect);
    const server = await api('POST', '/servers', { name: 'relay', smtp: { host: 'smtp.example.com', port: 587, security: 'starttls' } });
    expect(server.statusCode, server.body).toBe(201);
    serverId = server.json().id;
    adminId = ((await api('GET', '/users')).json().items as { id: string; email: string }[]).find((u) => u.email === ADMIN_EMAIL)!.id;
  });
  afterAll(async () => t?.close());

  const accounts = async () => (await api('GET', '/accounts')).json().items as { id: string; ownerId: string | null; version: number; fromName: string | null }[];

  it('refuses an owner no user is, and stores nothing', async () => {
    const before = await accounts();
    const res = await api('POST', '/accounts', { serverId, address: 'ghost@example.com', ownerId: 'usr_01jzzzzzzzzzzzzzzzzzzzzzzz' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'ownerId' } });
    expect(res.json().error.message).toMatch(/ownerId: user usr_01jzzzzzzzzzzzzzzzzzzzzzzz does not exist/);
    expect(await accounts()).toEqual(before);
  });

  it('keeps an owner who is a user, refuses changing to an unknown one, and clears it with null', async () => {
    const made = await api('POST', '/accounts', { serverId, address: 'owned@example.com', ownerId: adminId });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json().ownerId).toBe(adminId);
    const id = made.json().id as string;
    const bad = await api('PATCH', `/accounts/${id}`, { ownerId: 'nobody', fromName: 'Changed', version: 1 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'ownerId' } });
    expect((await accounts()).find((a) => a.id === id)).toMatchObject({ ownerId: adminId, fromName: null, version: 1 });
    const cleared = await api('PATCH', `/accounts/${id}`, { ownerId: null, version: 1 });
    expect(cleared.json()).toMatchObject({ ownerId: null, version: 2 });
  });

  it('an owner deleted later does not block other changes', async () => {
    const user = (await api('POST', '/users', { email: 'owner@example.com', password: 'owner-password-1', role: 'viewer' })).json();
    const made = (await api('POST', '/accounts', { serverId, address: 'team@example.com', ownerId: user.id })).json();
    expect((await api('DELETE', `/users/${user.id}`)).statusCode).toBe(204);
    const renamed = await api('PATCH', `/accounts/${made.id}`, { fromName: 'Team', version: made.version });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ fromName: 'Team', ownerId: user.id });
  });
});
