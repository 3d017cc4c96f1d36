import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeProviderConfig, type StoredSecretProvider } from '../../src/core/credentials/providers.js';
import { parseSecretRef } from '../../src/core/credentials/references.js';
import { vaultAdapter } from '../../src/secrets/providers/vault.js';
import { startMockVault, type MockProvider, type VaultState } from '../helpers/secret-provider-servers.js';

/**
 * Vault token renewal against the local HTTPS Vault (KV v2, AppRole, token lookup-self and
 * renew-self): a renewable token is renewed with `renew-self` once half its lease has passed,
 * not replaced by a new login; a token past its end is replaced by a login; a configured token
 * that is renewable is renewed the same way. The adapter's clock is moved instead of waiting.
 */
describe('Vault token renewal (AppRole and token auth)', () => {
  let vault: MockProvider;
  const state: VaultState = {
    secrets: new Map([['mail/smtp', [{ password: 'renewal-pw-1' }]]]),
    tokens: new Map([['hvs.renewable-static', { ttl: 600, renewable: true }]]),
    approle: { roleId: 'role-renew', secretId: 'secret-renew', ttl: 600 },
    logins: 0,
    renewals: 0,
  };
  let now = Date.now();
  const provider = (auth: 'approle' | 'token'): StoredSecretProvider => ({
    id: `sp_${auth}`,
    name: `vault-${auth}`,
    kind: 'vault',
    config: normalizeProviderConfig('vault', { address: vault.url, caCertificate: vault.cert.cert, auth }),
    credentialsSet: [],
    createdAt: now,
    updatedAt: now,
    version: 1,
    credentialsSecretId: null,
  });
  const ref = (id: string) => {
    const text = `vault:${id}/mail/smtp#password`;
    return [parseSecretRef('passwordRef', text), text] as const;
  };
  const tokensUsed = () => vault.requests.filter((r) => r.path === '/v1/secret/data/mail/smtp').map((r) => String(r.headers['x-vault-token']));

  beforeAll(async () => {
    vault = await startMockVault(state);
  });
  afterAll(async () => vault?.stop());

  it('AppRole: logs in once, renews with renew-self after half the lease, logs in again once the token has ended', async () => {
    const p = provider('approle');
    const adapter = vaultAdapter(p, { roleId: 'role-renew', secretId: 'secret-renew' }, () => now);
    try {
      expect((await adapter.fetch(...ref(p.id))).value).toBe('renewal-pw-1');
      expect({ logins: state.logins, renewals: state.renewals }).toEqual({ logins: 1, renewals: 0 });
      const first = tokensUsed().at(-1)!;
      // Within the first half of the lease: the token is used as it is.
      now += 250_000;
      await adapter.fetch(...ref(p.id));
      expect({ logins: state.logins, renewals: state.renewals }).toEqual({ logins: 1, renewals: 0 });
      // Past half of it: renewed, the same token, no new login.
      now += 100_000;
      await adapter.fetch(...ref(p.id));
      expect({ logins: state.logins, renewals: state.renewals }).toEqual({ logins: 1, renewals: 1 });
      expect(tokensUsed().at(-1)).toBe(first);
      const renewCall = vault.requests.filter((r) => r.path === '/v1/auth/token/renew-self').at(-1)!;
      expect(renewCall).toMatchObject({ method: 'POST', headers: expect.objectContaining({ 'x-vault-token': first }) });
      // The renewal gave a new lease from now: used as it is for the first half of it.
      now += 250_000;
      await adapter.fetch(...ref(p.id));
      expect({ logins: state.logins, renewals: state.renewals }).toEqual({ logins: 1, renewals: 1 });
      // Nothing for longer than the lease: the token has ended, so a new login, not a renewal.
      now += 700_000;
      await adapter.fetch(...ref(p.id));
      expect({ logins: state.logins, renewals: state.renewals }).toEqual({ logins: 2, renewals: 1 });
      expect(tokensUsed().at(-1)).not.toBe(first);
    } finally {
      await adapter.close();
    }
  });

  it('token auth: a renewable token (lookup-self) is renewed after half its TTL', async () => {
    const p = provider('token');
    const adapter = vaultAdapter(p, { token: 'hvs.renewable-static' }, () => now);
    const before = { renewals: state.renewals, lookups: vault.requests.filter((r) => r.path === '/v1/auth/token/lookup-self').length };
    try {
      await adapter.fetch(...ref(p.id));
      expect(vault.requests.filter((r) => r.path === '/v1/auth/token/lookup-self').length).toBe(before.lookups + 1);
      expect(state.renewals).toBe(before.renewals);
      now += 350_000;
      expect((await adapter.fetch(...ref(p.id))).value).toBe('renewal-pw-1');
      expect(state.renewals).toBe(before.renewals + 1);
      expect(tokensUsed().at(-1)).toBe('hvs.renewable-static');
    } finally {
      await adapter.close();
    }
  });
});
