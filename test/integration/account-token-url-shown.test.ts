import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An OAuth2 account's `tokenUrl` (and `authorizeUrl`) may carry a secret in its query
 * (`?client_secret=…`, some identity providers take it so). The audit log, which every reader
 * reads, hides it; GET /accounts showed it whole to the same readers. Now a caller without the
 * admin permission reads it as the audit log shows it; admins, who set it and whose edit form
 * sends it back, read it as stored; and the stored value is what the token request uses.
 */
await describeEachDialect('an account’s token URL, as each reader sees it', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('hides a secret in the token URL from a reader, as the audit log does, and keeps it stored', async () => {
    const tokenUrl = 'https://idp.example.com/oauth2/token?client_secret=url-secret-Uu3&tenant=mail';
    const authorizeUrl = 'https://idp.example.com/oauth2/authorize?api_key=url-key-Kk4';
    const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'OAuth2 relay', smtp: { host: '127.0.0.1', port: 2525, security: 'starttls', requireTls: true } } });
    expect(server.statusCode, server.body).toBe(201);
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/accounts',
      payload: { serverId: server.json().id, address: 'oauth@example.com', auth: { type: 'oauth2', provider: 'generic', clientId: 'mailroom', tokenUrl, authorizeUrl } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const readKey = (await t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'reader', scopes: ['read'] } })).json().key as string;

    const asReader = [
      (await t.request({ method: 'GET', url: '/api/v1/accounts', key: readKey })).json().items.find((a: { id: string }) => a.id === id),
      (await t.request({ method: 'GET', url: `/api/v1/accounts/${id}`, key: readKey })).json(),
    ];
    for (const account of asReader) {
      expect(account.auth).toMatchObject({
        tokenUrl: 'https://idp.example.com/oauth2/token?client_secret=%5Bredacted%5D&tenant=mail',
        authorizeUrl: 'https://idp.example.com/oauth2/authorize?api_key=%5Bredacted%5D',
        clientId: 'mailroom',
      });
      expect(JSON.stringify(account)).not.toMatch(/url-secret-Uu3|url-key-Kk4/);
    }
    // The audit log shows it the same way.
    const [entry] = (await t.request({ method: 'GET', url: `/api/v1/audit?targetId=${id}&action=account.create`, key: readKey })).json().items;
    expect(entry.after.auth.tokenUrl).toBe(asReader[0].auth.tokenUrl);

    // An admin reads what they set (the edit form sends it back), and it is stored as set.
    expect((await t.request({ method: 'GET', url: `/api/v1/accounts/${id}` })).json().auth).toMatchObject({ tokenUrl, authorizeUrl });
    const stored = await t.app.ports.ctx.store.repos.accounts.get(id);
    expect(stored?.auth).toMatchObject({ tokenUrl, authorizeUrl });
  });
});
