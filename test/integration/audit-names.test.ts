import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

type Named = { name: string; deleted: boolean; revoked: boolean };
type Entry = { action: string; targetId: string | null; before: unknown; after: unknown; names: Record<string, Named> };

/**
 * GET /audit names every id an entry shows (its target, an account a purpose pointed at, the
 * secret provider a password reference reads from, …) in `names`, also after the item was deleted
 * (named from its own audit history, marked deleted) or renamed (named as it is now); an item
 * named by its key (a purpose, a template …) is there under its key, to say whether it is gone;
 * a revoked API key is marked revoked, not deleted.
 */
await describeEachDialect('audit log names', (dialect) => {
  let t: TestApp;
  const ok = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const res = await t.request({ method, url: `/api/v1/${url}`, ...(payload === undefined ? {} : { payload: payload as object }) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? undefined : res.json();
  };
  const version = async (url: string) => ((await ok('GET', url)) as { version: number }).version;
  const entries = async (query = '') => ((await ok('GET', `audit?limit=500${query}`)) as { items: Entry[] }).items;

  beforeAll(async () => {
    // The webhook's loopback URL: saved, never called.
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
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
    expect(purposeChange?.names[gone]).toEqual({ name: 'marketing@example.com', deleted: true, revoked: false });
    // Renamed since: named as it is now.
    expect(purposeChange?.names[stays]).toEqual({ name: 'invoices@example.com', deleted: false, revoked: false });

    const created = all.find((e) => e.action === 'account.create' && e.targetId === gone);
    expect(created?.names[gone]).toEqual({ name: 'marketing@example.com', deleted: true, revoked: false });
    const deleted = all.find((e) => e.action === 'account.delete' && e.targetId === gone);
    expect(deleted?.names[gone]).toEqual({ name: 'marketing@example.com', deleted: true, revoked: false });
    // Every entry names its server, which still exists.
    expect(created?.names[serverId]).toEqual({ name: 'Names relay', deleted: false, revoked: false });
  });

  it('names a deleted server on a page filtered to one entry, from its own history', async () => {
    const serverId = ((await ok('POST', 'servers', { name: 'Short-lived relay', smtp: { host: '127.0.0.1', port: 2525, security: 'none', requireTls: false } })) as { id: string }).id;
    await ok('DELETE', `servers/${serverId}`);
    const items = await entries(`&targetId=${serverId}&action=server.create`);
    expect(items).toHaveLength(1);
    expect(items[0].names[serverId]).toEqual({ name: 'Short-lived relay', deleted: true, revoked: false });
  });

  it('names a deleted user by their email; a revoked API key, still listed, by its name, revoked and not deleted', async () => {
    const user = (await ok('POST', 'users', { email: 'temp@example.com', role: 'viewer', password: 'temporary-Passw0rd' })) as { id: string };
    await ok('DELETE', `users/${user.id}`);
    const key = (await ok('POST', 'api-keys', { name: 'Old CI', scopes: ['read'] })) as { id: string };
    await ok('DELETE', `api-keys/${key.id}`);
    const [userCreated] = await entries(`&targetId=${user.id}&action=user.create`);
    expect(userCreated.names[user.id]).toEqual({ name: 'temp@example.com', deleted: true, revoked: false });
    const [keyCreated] = await entries(`&targetId=${key.id}&action=apikey.create`);
    expect(keyCreated.names[key.id]).toEqual({ name: 'Old CI', deleted: false, revoked: true });
    const live = (await ok('POST', 'api-keys', { name: 'Current CI', scopes: ['read'] })) as { id: string };
    const [liveCreated] = await entries(`&targetId=${live.id}&action=apikey.create`);
    expect(liveCreated.names[live.id]).toEqual({ name: 'Current CI', deleted: false, revoked: false });
  });

  it('says an item named by its key is gone once deleted, on its earlier entries too', async () => {
    await ok('POST', 'purposes', { key: 'gone_purpose' });
    await ok('POST', 'purposes', { key: 'kept_purpose' });
    await ok('DELETE', 'purposes/gone_purpose');
    const template = { name: 'Welcome', locales: { en: { subject: 'Hello', html: '<p>Hello</p>' } } };
    await ok('PUT', 'templates/gone_welcome', template);
    await ok('PUT', 'templates/kept_welcome', template);
    await ok('DELETE', 'templates/gone_welcome');
    await ok('POST', 'suppressions', { address: 'gone@example.net' });
    await ok('DELETE', 'suppressions/gone@example.net');
    await ok('PUT', 'dkim/gone.example', { selector: 's1' });
    await ok('DELETE', 'dkim/gone.example');
    await ok('PUT', 'secrets/gone-secret', { value: 'a-value-Zz9' });
    await ok('DELETE', 'secrets/gone-secret');
    const named = async (targetId: string, action: string) => {
      const [e] = await entries(`&targetId=${encodeURIComponent(targetId)}&action=${action}`);
      expect(e, `${action} ${targetId}`).toBeDefined();
      return e.names[targetId];
    };
    expect(await named('gone_purpose', 'purpose.create')).toEqual({ name: 'gone_purpose', deleted: true, revoked: false });
    expect(await named('kept_purpose', 'purpose.create')).toEqual({ name: 'kept_purpose', deleted: false, revoked: false });
    expect(await named('gone_welcome', 'template.create')).toEqual({ name: 'gone_welcome', deleted: true, revoked: false });
    expect(await named('kept_welcome', 'template.create')).toEqual({ name: 'kept_welcome', deleted: false, revoked: false });
    expect(await named('gone@example.net', 'suppression.add')).toEqual({ name: 'gone@example.net', deleted: true, revoked: false });
    expect(await named('gone.example', 'dkim.create')).toEqual({ name: 'gone.example', deleted: true, revoked: false });
    expect(await named('gone-secret', 'secret.create')).toEqual({ name: 'gone-secret', deleted: true, revoked: false });
  });

  it('names a webhook by its URL with a secret in it hidden, as before/after show it', async () => {
    const hook = (await ok('POST', 'webhooks', { url: 'http://127.0.0.1:9/in?token=hook-token-Tt7&team=ops', events: ['message.sent'] })) as { id: string };
    const check = async (deleted: boolean) => {
      const [created] = await entries(`&targetId=${hook.id}&action=webhook.create`);
      expect(created.names[hook.id]).toEqual({ name: 'http://127.0.0.1:9/in?token=%5Bredacted%5D&team=ops', deleted, revoked: false });
      expect(created.names[hook.id].name).toBe((created.after as { url: string }).url);
      expect(JSON.stringify(created)).not.toContain('hook-token-Tt7');
    };
    await check(false);
    // Named from its own history once deleted: hidden there too.
    await ok('DELETE', `webhooks/${hook.id}`);
    await check(true);
  });

  it('names the secret provider inside a password reference, and says an internal secret it read is gone', async () => {
    const serverId = ((await ok('POST', 'servers', { name: 'Ref relay', smtp: { host: '127.0.0.1', port: 2525, security: 'starttls', requireTls: true } })) as { id: string }).id;
    const provider = (await ok('POST', 'secret-providers', { name: 'Company vault', kind: 'vault', config: { address: 'https://vault.example.com' }, credentials: { token: 'hvs.audit-token-Qq1' } })) as { id: string };
    const viaVault = ((await ok('POST', 'accounts', { serverId, address: 'vaulted@example.com', passwordRef: `vault:${provider.id}/mail/smtp#password` })) as { id: string }).id;
    await ok('PUT', 'secrets/relay-password', { value: 'relay-value-Ww2' });
    const viaSecret = ((await ok('POST', 'accounts', { serverId, address: 'internal@example.com', passwordRef: 'internal:relay-password' })) as { id: string }).id;
    await ok('DELETE', `accounts/${viaVault}`);
    await ok('DELETE', `accounts/${viaSecret}`);
    await ok('DELETE', 'secrets/relay-password');

    const [held] = await entries(`&targetId=${viaVault}&action=account.delete`);
    expect(JSON.stringify(held.before)).toContain(provider.id);
    expect(held.names[provider.id]).toEqual({ name: 'Company vault', deleted: false, revoked: false });
    const [created] = await entries(`&targetId=${viaSecret}&action=account.create`);
    expect(created.names['internal:relay-password']).toEqual({ name: 'internal:relay-password', deleted: true, revoked: false });
    // A reference whose provider is gone says so too.
    await ok('DELETE', `secret-providers/${provider.id}`);
    const [again] = await entries(`&targetId=${viaVault}&action=account.delete`);
    expect(again.names[provider.id]).toEqual({ name: 'Company vault', deleted: true, revoked: false });
  });
});
