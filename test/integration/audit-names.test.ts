import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

type Named = { name: string; deleted: boolean };
type Entry = { action: string; targetId: string | null; before: unknown; after: unknown; names: Record<string, Named> };

/**
 * GET /audit names every id an entry shows (its target, an account a purpose pointed at, …) in
 * `names`, also after the item was deleted (named from its own audit history, marked deleted)
 * or renamed (named as it is now).
 */
await describeEachDialect('audit log names', (dialect) => {
  let t: TestApp;
  const ok = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const res = await t.request({ method, url: `/api/v1/${url}`, ...(payload === undefined ? {} : { payload: payload as object }) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? undefined : res.json();
  };
  const version = async (url: string) => ((await ok('GET', url)) as { version: number }).version;
  const entries = async (query = '') => ((await ok('GET', `audit?limit=500${query}`)) as { items: Entry[] }).items;

  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('names a deleted account, where it was the target and where a purpose named it', async () => {
    const serverId = ((await ok('POST', 'servers', { name: 'Names relay', smtp: { host: '127.0.0.1', port: 2525, security: 'none', requireTls: false } })) as { id: string }).id;
    const gone = ((await ok('POST', 'accounts', { serverId, address: 'marketing@example.com' })) as { id: string }).id;
    const stays = ((await ok('POST', 'accounts', { serverId, address: 'billing@example.com' })) as { id: string }).id;
    await ok('PATCH', 'purposes/alert', { accountIds: [gone], version: await version('purposes/alert') });
    await ok('PATCH', 'purposes/alert', { accountIds: [stays], version: await version('purposes/alert') });
    await ok('DELETE', `accounts/${gone}`);
    await ok('PATCH', `accounts/${stays}`, { address: 'invoices@example.com', version: await version(`accounts/${stays}`) });

    const all = await entries();
    const purposeChange = all.find((e) => e.action === 'purpose.update' && JSON.stringify(e.after).includes(stays));
    expect(purposeChange?.names[gone]).toEqual({ name: 'marketing@example.com', deleted: true });
    // Renamed since: named as it is now.
    expect(purposeChange?.names[stays]).toEqual({ name: 'invoices@example.com', deleted: false });

    const created = all.find((e) => e.action === 'account.create' && e.targetId === gone);
    expect(created?.names[gone]).toEqual({ name: 'marketing@example.com', deleted: true });
    const deleted = all.find((e) => e.action === 'account.delete' && e.targetId === gone);
    expect(deleted?.names[gone]).toEqual({ name: 'marketing@example.com', deleted: true });
    // Every entry names its server, which still exists.
    expect(created?.names[serverId]).toEqual({ name: 'Names relay', deleted: false });
  });

  it('names a deleted server on a page filtered to one entry, from its own history', async () => {
    const serverId = ((await ok('POST', 'servers', { name: 'Short-lived relay', smtp: { host: '127.0.0.1', port: 2525, security: 'none', requireTls: false } })) as { id: string }).id;
    await ok('DELETE', `servers/${serverId}`);
    const items = await entries(`&targetId=${serverId}&action=server.create`);
    expect(items).toHaveLength(1);
    expect(items[0].names[serverId]).toEqual({ name: 'Short-lived relay', deleted: true });
  });

  it('names a deleted user by their email; a revoked API key, still listed, by its name and not as deleted', async () => {
    const user = (await ok('POST', 'users', { email: 'temp@example.com', role: 'viewer', password: 'temporary-Passw0rd' })) as { id: string };
    await ok('DELETE', `users/${user.id}`);
    const key = (await ok('POST', 'api-keys', { name: 'Old CI', scopes: ['read'] })) as { id: string };
    await ok('DELETE', `api-keys/${key.id}`);
    const [userCreated] = await entries(`&targetId=${user.id}&action=user.create`);
    expect(userCreated.names[user.id]).toEqual({ name: 'temp@example.com', deleted: true });
    const [keyCreated] = await entries(`&targetId=${key.id}&action=apikey.create`);
    expect(keyCreated.names[key.id]).toEqual({ name: 'Old CI', deleted: false });
  });
});
