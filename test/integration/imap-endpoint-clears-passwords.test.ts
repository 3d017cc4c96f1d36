import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An account's password goes to the server's SMTP endpoint and to its IMAP section's (the
 * reader, the IMAP diagnostic). Re-pointing the IMAP section carried the stored passwords to the
 * new host: a security review had one sent to an IMAP listener of its own by adding an IMAP
 * section on another host and testing. Now a change of the IMAP host, port or security, or an
 * IMAP section added on another host than SMTP's, clears them (audited), as SMTP's did; an IMAP
 * section on the SMTP host keeps them.
 */
await describeEachDialect('re-pointing the IMAP section clears the stored passwords', (dialect) => {
  let t: TestApp;
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => t.request({ method, url: `/api/v1/${url}`, ...(payload === undefined ? {} : { payload: payload as object }) });
  const ok = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => {
    const res = await api(method, url, payload);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const patchServer = async (id: string, change: object) => ok('PATCH', `servers/${id}`, { ...change, version: (await ok('GET', `servers/${id}`)).version });
  const passwordSet = async (accountId: string) => (await ok('GET', `accounts/${accountId}`)).passwordSet as boolean;
  const serverWithAccount = async (name: string) => {
    const server = await ok('POST', 'servers', { name, smtp: { host: 'mail.example.test', port: 587, security: 'starttls' } });
    const account = await ok('POST', 'accounts', { serverId: server.id, address: `${name}@example.com`, password: 'Stored-Secret-1' });
    return { serverId: server.id as string, accountId: account.id as string };
  };

  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('an IMAP section added on the SMTP host keeps the password; moved to another host, it clears it, audited', async () => {
    const { serverId, accountId } = await serverWithAccount('same-host');
    await patchServer(serverId, { imap: { host: 'MAIL.example.test', security: 'tls' } });
    expect(await passwordSet(accountId)).toBe(true);
    await patchServer(serverId, { imap: { host: 'imap.elsewhere.test', security: 'tls' } });
    expect(await passwordSet(accountId)).toBe(false);
    const cleared = (await ok('GET', 'audit?limit=50')).items.find((e: { action: string; targetId: string }) => e.action === 'account.password_cleared' && e.targetId === accountId);
    expect(cleared).toBeDefined();
  });

  it('an IMAP section added on another host clears it at once; so do a port or security change', async () => {
    const added = await serverWithAccount('other-host');
    await patchServer(added.serverId, { imap: { host: 'imap.elsewhere.test' } });
    expect(await passwordSet(added.accountId)).toBe(false);

    for (const change of [{ port: 1993 }, { security: 'none' }]) {
      const { serverId, accountId } = await serverWithAccount(`moved-${Object.keys(change)[0]}`);
      await patchServer(serverId, { imap: { host: 'mail.example.test', security: 'tls' } });
      expect(await passwordSet(accountId)).toBe(true);
      await patchServer(serverId, { imap: { host: 'mail.example.test', security: 'tls', ...change } });
      expect(await passwordSet(accountId), JSON.stringify(change)).toBe(false);
    }
  });

  it('removing the IMAP section, or a change elsewhere, keeps it', async () => {
    const { serverId, accountId } = await serverWithAccount('kept');
    await patchServer(serverId, { imap: { host: 'mail.example.test' } });
    await patchServer(serverId, { name: 'kept, renamed', retry: { backoffSec: [10], intervalSec: 600, expireAfterSec: 86_400 } });
    await patchServer(serverId, { imap: null });
    expect(await passwordSet(accountId)).toBe(true);
  });
});
