import { Migrator, type Kysely } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { openDatabase } from '../../src/store/database.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { createPostgresDatabase, describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * What happens to an API key over its life (docs/security.md, "API keys and their creators"):
 * a key answers to the user who made it (or to the CLI): it stops working while that user is
 * disabled, for good once they are deleted, and never does more than they may do now; it may
 * expire; and admins find the keys nobody uses.
 */
const DAY = 86_400_000;

await describeEachDialect('API key lifecycle', (dialect) => {
  let t: TestApp;
  const clock = new ManualClock(Date.UTC(2026, 4, 1, 8));
  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
  });
  afterAll(async () => t?.close());

  type Key = { id: string; key: string; name: string };
  let n = 0;
  /** A user with a session; `post` creates keys as that user. */
  const person = async (role: 'admin' | 'operator' | 'viewer' = 'admin') => {
    const email = `person${++n}@example.com`;
    const created = await t.request({ method: 'POST', url: '/api/v1/users', payload: { email, password: 'long-password-1', role } });
    expect(created.statusCode).toBe(201);
    const login = await t.server.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password: 'long-password-1' }, remoteAddress: `10.7.0.${n}` });
    expect(login.statusCode).toBe(200);
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    const headers = { cookie, 'x-csrf-token': login.json().csrfToken as string };
    return {
      id: created.json().id as string,
      email,
      async key(payload: Record<string, unknown> = {}): Promise<Key> {
        const res = await t.server.inject({ method: 'POST', url: '/api/v1/api-keys', headers, payload: { name: `key-${++n}`, scopes: ['read', 'send'], ...payload } });
        expect(res.statusCode, res.body).toBe(201);
        return res.json() as Key;
      },
    };
  };
  const use = (key: string) => t.request({ method: 'GET', url: '/api/v1/messages', key });
  const listed = async (query = '') => {
    const res = await t.request({ method: 'GET', url: `/api/v1/api-keys${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as Record<string, unknown>[];
  };
  const find = async (id: string) => (await listed()).find((k) => k.id === id)!;
  // As an admin does: the user as read now, changed with the version read.
  const setUser = async (id: string, payload: Record<string, unknown>) => {
    const { version } = (await t.request({ method: 'GET', url: '/api/v1/users' })).json().items.find((u: { id: string }) => u.id === id);
    return t.request({ method: 'PATCH', url: `/api/v1/users/${id}`, payload: { ...payload, version } });
  };

  it("lists each key's creator, age, last use, expiry and state", async () => {
    const alice = await person();
    const k = await alice.key();
    expect(await find(k.id)).toMatchObject({
      createdBy: alice.id,
      creator: { id: alice.id, email: alice.email, role: 'admin', status: 'active' },
      createdAt: new Date(clock.now()).toISOString(),
      lastUsedAt: null,
      expiresAt: null,
      state: 'active',
    });
    clock.advance(5 * 60_000);
    expect((await use(k.key)).statusCode).toBe(200);
    expect((await find(k.id)).lastUsedAt).toBe(new Date(clock.now()).toISOString());
    // Made by the CLI (the test's own admin key): answers to nobody.
    const cli = (await listed()).find((x) => x.name === 'test-admin')!;
    expect(cli).toMatchObject({ createdBy: null, creator: null, state: 'active' });
  });

  it('a key made with a key answers to the person behind that key', async () => {
    const bob = await person();
    const parent = await bob.key({ scopes: ['admin'] });
    const res = await t.request({ method: 'POST', url: '/api/v1/api-keys', key: parent.key, payload: { name: 'child', scopes: ['send'] } });
    expect(res.statusCode).toBe(201);
    expect(await find(res.json().id)).toMatchObject({ createdBy: bob.id, creator: { email: bob.email } });
    // One made with the CLI's key answers to nobody either.
    const fromCli = await t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'cli-child', scopes: ['send'] } });
    expect(await find(fromCli.json().id)).toMatchObject({ createdBy: null, creator: null });
  });

  it('stops working at once while its creator is disabled, although it was cached, and works again when they are enabled', async () => {
    const carol = await person();
    const k = await carol.key();
    for (let i = 0; i < 3; i++) expect((await use(k.key)).statusCode).toBe(200);
    expect((await setUser(carol.id, { disabled: true })).statusCode).toBe(200);
    const refused = await use(k.key);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('MAILROOM_E_API_KEY_CREATOR_INACTIVE');
    expect(refused.json().error.message).toMatch(/disabled/);
    expect(await find(k.id)).toMatchObject({ state: 'creator_disabled', creator: { status: 'disabled' } });
    expect((await setUser(carol.id, { disabled: false })).statusCode).toBe(200);
    expect((await use(k.key)).statusCode).toBe(200);
  });

  it('dies with its deleted creator; the list still says who made it', async () => {
    const dave = await person();
    const k = await dave.key();
    expect((await use(k.key)).statusCode).toBe(200);
    expect((await t.request({ method: 'DELETE', url: `/api/v1/users/${dave.id}` })).statusCode).toBe(204);
    const refused = await use(k.key);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('MAILROOM_E_API_KEY_CREATOR_INACTIVE');
    expect(refused.json().error.message).toMatch(/deleted/);
    expect(await find(k.id)).toMatchObject({ state: 'creator_deleted', creator: { id: dave.id, email: dave.email, status: 'deleted', role: null } });
  });

  it('never does more than its creator may do now', async () => {
    const erin = await person();
    const k = await erin.key({ scopes: ['admin'] });
    const server = { name: `srv-${n}`, smtp: { host: 'smtp.example.com' } };
    expect((await t.request({ method: 'GET', url: '/api/v1/users', key: k.key })).statusCode).toBe(200);
    expect((await setUser(erin.id, { role: 'viewer' })).statusCode).toBe(200);
    const refused = await t.request({ method: 'POST', url: '/api/v1/servers', key: k.key, payload: server });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'MAILROOM_E_FORBIDDEN' });
    expect(refused.json().error.message).toMatch(/creator.*viewer/);
    expect((await t.request({ method: 'GET', url: '/api/v1/messages', key: k.key })).statusCode).toBe(200);
    const session = await t.request({ method: 'GET', url: '/api/v1/session', key: k.key });
    expect(session.json().principal.permissions).toEqual(['read']);
    expect((await setUser(erin.id, { role: 'admin' })).statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: '/api/v1/servers', key: k.key, payload: server })).statusCode).toBe(201);
  });

  it('chooses the sending account only while its creator is an admin, and the list says why it does not', async () => {
    const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: `override relay ${++n}`, smtp: { host: '127.0.0.1', port: 2525, security: 'none', requireTls: false } } });
    expect(server.statusCode, server.body).toBe(201);
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: `override${n}@example.com` } });
    expect(account.statusCode, account.body).toBe(201);
    const send = (key: string) => t.request({ method: 'POST', url: '/api/v1/messages', key, payload: { accountId: account.json().id, to: ['x@example.net'], subject: 'override', text: 't' } });

    const boss = await person();
    const k = await boss.key({ scopes: ['send'], allowOverride: true });
    const plain = await boss.key({ scopes: ['send', 'admin'] });
    expect((await send(k.key)).statusCode).toBe(202);
    expect(await find(k.id)).toMatchObject({ allowOverride: true, limitedBy: null });
    // An operator may send, but not choose the account: neither may a key they made as an admin.
    expect((await setUser(boss.id, { role: 'operator' })).statusCode).toBe(200);
    const refused = await send(k.key);
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'MAILROOM_E_OVERRIDE_NOT_ALLOWED', details: { field: 'accountId' } });
    // The refusal says why: the key does allow overrides, its creator's role holds that back.
    expect(refused.json().error.message).toMatch(/may not choose the sending account \(its creator is now an operator.*\): it may again once its creator is an admin/);
    expect(refused.json().error.message).not.toContain('an admin must allow overrides');
    // A key that never allowed overrides is told so, even when its creator's role narrows it too.
    const never = await send(plain.key);
    expect(never.statusCode, never.body).toBe(403);
    expect(never.json().error).toMatchObject({ code: 'MAILROOM_E_OVERRIDE_NOT_ALLOWED', details: { field: 'accountId' } });
    expect(never.json().error.message).toContain('an admin must allow overrides on this API key');
    // The key keeps its setting (it holds again once its creator is an admin) and says why it is held back.
    const listedKey = await find(k.id);
    expect(listedKey).toMatchObject({ allowOverride: true, state: 'active', creator: { role: 'operator' } });
    expect(listedKey.limitedBy).toMatch(/creator is now an operator.*sending account/);
    expect((await setUser(boss.id, { role: 'admin' })).statusCode).toBe(200);
    expect((await send(k.key)).statusCode).toBe(202);
    expect((await find(k.id)).limitedBy).toBeNull();
    // The CLI's keys answer to nobody: theirs holds whoever comes and goes (the test's own key has it).
    expect((await listed()).find((x) => x.name === 'test-admin')).toMatchObject({ allowOverride: true, limitedBy: null });
    expect((await t.request({ method: 'POST', url: '/api/v1/messages', payload: { accountId: account.json().id, to: ['x@example.net'], subject: 'cli', text: 't' } })).statusCode).toBe(202);
  });

  it('a revoked key’s audit entry shows it revoked', async () => {
    const k = await (await person()).key();
    expect((await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${k.id}` })).statusCode).toBe(204);
    const [entry] = (await t.request({ method: 'GET', url: `/api/v1/audit?targetId=${k.id}&action=apikey.revoke` })).json().items;
    expect(entry.before).toMatchObject({ id: k.id, state: 'active', revokedAt: null });
    expect(entry.after).toMatchObject({ id: k.id, name: k.name, state: 'revoked', revokedAt: new Date(clock.now()).toISOString() });
    expect(JSON.stringify(entry)).not.toContain(k.key);
  });

  it('expires at its expiry date with its own code, even while cached', async () => {
    const frank = await person();
    const expiresAt = new Date(clock.now() + 2 * DAY).toISOString();
    const k = await frank.key({ expiresAt });
    expect(await find(k.id)).toMatchObject({ expiresAt, state: 'active' });
    expect((await use(k.key)).statusCode).toBe(200);
    clock.advance(2 * DAY - 1_000);
    expect((await use(k.key)).statusCode).toBe(200);
    clock.advance(1_000);
    const refused = await use(k.key);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('MAILROOM_E_API_KEY_EXPIRED');
    expect(refused.json().error.message).toContain(expiresAt);
    expect(await find(k.id)).toMatchObject({ state: 'expired' });
    const audit = (await t.request({ method: 'GET', url: `/api/v1/audit?action=apikey.create` })).json().items.find((e: { targetId: string }) => e.targetId === k.id);
    expect(audit.after).toMatchObject({ expiresAt });
  });

  it('refuses an expiry that is not a date or already past, naming the field', async () => {
    for (const expiresAt of ['next week', '2026-02-30T00:00:00Z', new Date(clock.now() - 1).toISOString(), clock.now(), 1.5, true]) {
      const res = await t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'bad', scopes: ['send'], expiresAt } });
      expect(res.statusCode, String(expiresAt)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'expiresAt' } });
    }
    const ok = await t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'epoch', scopes: ['send'], expiresAt: clock.now() + DAY } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().expiresAt).toBe(new Date(clock.now() + DAY).toISOString());
  });

  it('finds the keys never used, or not used for 90 days, that still open the door', async () => {
    const gina = await person();
    const stale = await gina.key({ name: 'stale' });
    expect((await use(stale.key)).statusCode).toBe(200);
    clock.advance(10 * DAY);
    // (Gina's session ended after 12 hours: Hank makes the next ones.)
    const hank = await person();
    const never = await hank.key({ name: 'never' });
    const recent = await hank.key({ name: 'recent' });
    const revoked = await hank.key({ name: 'revoked' });
    expect((await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${revoked.id}` })).statusCode).toBe(204);
    const expiring = await hank.key({ name: 'expiring', expiresAt: clock.now() + DAY });
    clock.advance(81 * DAY);
    expect((await use(recent.key)).statusCode).toBe(200);
    const ids = (items: Record<string, unknown>[]) => items.map((k) => k.id);

    const unused90 = ids(await listed('?unused=90'));
    expect(unused90).toEqual(expect.arrayContaining([stale.id, never.id]));
    for (const gone of [recent.id, revoked.id, expiring.id]) expect(unused90).not.toContain(gone);
    const neverUsed = ids(await listed('?unused=never'));
    expect(neverUsed).toContain(never.id);
    for (const used of [stale.id, recent.id, revoked.id]) expect(neverUsed).not.toContain(used);
    expect(ids(await listed('?unused=92'))).not.toContain(stale.id);
    // Keys that open nothing any more are not "unused": Dave's (deleted) is in the full list only.
    expect((await listed()).some((k) => k.state === 'creator_deleted')).toBe(true);
    for (const k of [...(await listed('?unused=90')), ...(await listed('?unused=never'))]) expect(['active', 'creator_disabled']).toContain(k.state);

    for (const bad of ['?unused=soon', '?unused=0', '?unused=3651', '?unused=', '?unsued=90']) {
      const res = await t.request({ method: 'GET', url: `/api/v1/api-keys${bad}` });
      expect(res.statusCode, bad).toBe(400);
      expect(['MAILROOM_E_VALIDATION', 'MAILROOM_E_UNKNOWN_FIELD']).toContain(res.json().error.code);
    }
  });
});

await describeEachDialect('migration 010 on existing API keys', (dialect) => {
  it('points keys made with a key at the user behind the chain and remembers their email', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-m010-'));
    const pgDb = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
    const database = openDatabase({ databaseUrl: pgDb?.url, dataDir });
    try {
      const migrator = new Migrator({ db: database.db, provider: migrationProvider, migrationTableName: 'mailroom_migrations', migrationLockTableName: 'mailroom_migrations_lock' });
      expect((await migrator.migrateTo('006_possible_duplicates')).error).toBeUndefined();
      const db = database.db as unknown as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      await db.insertInto('users').values({ id: 'usr_1', email: 'una@example.com', name: null, role: 'admin', password_hash: 'x', disabled: 0, created_at: 1, updated_at: 1, version: 1 }).execute();
      const key = (id: string, createdBy: string | null) => ({ id, name: id, key_hash: `hash-${id}`, prefix: 'mrk_xx', scopes: '["send"]', allow_override: 0, created_by: createdBy, created_at: 1 });
      // una → key_a → key_b → key_c; the CLI → key_d → key_e; key_f names a user since deleted.
      await db.insertInto('api_keys').values([key('key_a', 'usr_1'), key('key_b', 'key_a'), key('key_c', 'key_b'), key('key_d', null), key('key_e', 'key_d'), key('key_f', 'usr_gone')]).execute();
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const rows = await db.selectFrom('api_keys').select(['id', 'created_by', 'created_by_label', 'expires_at']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: 'key_a', created_by: 'usr_1', created_by_label: 'una@example.com', expires_at: null },
        { id: 'key_b', created_by: 'usr_1', created_by_label: 'una@example.com', expires_at: null },
        { id: 'key_c', created_by: 'usr_1', created_by_label: 'una@example.com', expires_at: null },
        { id: 'key_d', created_by: null, created_by_label: null, expires_at: null },
        { id: 'key_e', created_by: null, created_by_label: null, expires_at: null },
        { id: 'key_f', created_by: 'usr_gone', created_by_label: null, expires_at: null },
      ]);
    } finally {
      await database.close();
      await pgDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
