import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StoredSecretProvider, VaultConfig } from '../../src/core/credentials/providers.js';
import { vaultAdapter } from '../../src/secrets/providers/vault.js';
import { startMockVault, type MockProvider, type VaultState } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The account form's secret picker lists one folder of a Vault KV mount. A hunter asked for
 * ?path=../../sys/policy and Mailroom sent its Vault token to /v1/sys/policy/?list=true: "." and
 * ".." passed the path check, and encodeURIComponent leaves them as they are, so the URL
 * resolved outside the mount. Such a path is refused naming `path` (as a reference's is), and
 * the adapter never builds a URL outside <mount>/metadata/ whatever it is handed.
 */
const TOKEN = 'hvs.picker-token-Kq4';
const vaultState: VaultState = {
  secrets: new Map([['mail/smtp', [{ password: 'pw' }]]]),
  tokens: new Map([[TOKEN, { ttl: 0, renewable: false }]]),
  approle: { roleId: 'r', secretId: 's', ttl: 60 },
  logins: 0,
  renewals: 0,
};
let vault: MockProvider;
let t: TestApp;

beforeAll(async () => {
  vault = await startMockVault(vaultState);
  t = await startTestApp('sqlite');
});
afterAll(async () => {
  await t?.close();
  await vault?.stop();
});

/** Every request that reached Vault with a path outside the KV mount's metadata (or the token's own lookup). */
const outside = () => vault.requests.filter((r) => !new URL(r.path, 'https://vault').pathname.startsWith('/v1/secret/metadata/') && !r.path.startsWith('/v1/auth/token/'));

it('refuses ".", ".." and empty path segments with 400 VALIDATION naming path; the token never leaves the mount', async () => {
  const created = await t.request({ method: 'POST', url: '/api/v1/secret-providers', payload: { name: 'vault', kind: 'vault', config: { address: vault.url, caCertificate: vault.cert.cert }, credentials: { token: TOKEN } } });
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id;
  const list = (p: string) => t.request({ method: 'GET', url: `/api/v1/secret-providers/${id}/secrets?path=${encodeURIComponent(p)}` });
  for (const p of ['../../sys/policy', '..', '.', 'mail/..', 'mail/../../sys', './mail', 'mail/.', 'mail//smtp']) {
    const res = await list(p);
    expect(res.statusCode, `${p}: ${res.body}`).toBe(400);
    expect(res.json().error, p).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'path' } });
  }
  expect(outside()).toEqual([]);
  // Dots inside a name are a name's: listed as before.
  const ok = await list('mail');
  expect(ok.statusCode, ok.body).toBe(200);
  expect(ok.json().items.map((i: { name: string }) => i.name)).toEqual(['mail/smtp']);
  expect((await list('mail.d')).statusCode).toBe(200);
});

it('the Vault adapter refuses to list or read outside the mount whatever it is handed (no request is sent)', async () => {
  const provider = { id: 'spv_picker', kind: 'vault', config: { address: vault.url, mount: 'secret', namespace: null, auth: 'token', approleMount: 'approle', caCertificate: vault.cert.cert, timeoutSec: 5 } as unknown as VaultConfig } as unknown as StoredSecretProvider;
  const adapter = vaultAdapter(provider, { token: TOKEN });
  const before = vault.requests.length;
  try {
    for (const p of ['../../sys/policy', '..', 'mail/./x', 'mail//x']) {
      await expect(adapter.list!(p), p).rejects.toMatchObject({ code: 'MAILROOM_E_SECRET_UNRESOLVED' });
    }
    await expect(adapter.fetch({ kind: 'vault', providerId: 'spv_picker', path: '../../sys/policy/x', field: 'password' }, 'vault:spv_picker/../../sys/policy/x#password')).rejects.toMatchObject({ code: 'MAILROOM_E_SECRET_UNRESOLVED' });
    expect(vault.requests.slice(before)).toEqual([]);
  } finally {
    await adapter.close();
  }
});
