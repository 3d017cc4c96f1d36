import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCredentialBed, tokenVaultState, type CredentialBed } from '../helpers/credential-bed.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { newOAuth2State } from '../helpers/oauth2-server.js';
import { startMockAzure, type AzureState } from '../helpers/secret-provider-servers.js';

/**
 * *Check token* and *Test connection* read the account's credential anew, as the admin expects
 * after changing something at the provider: a reader who rotated a Vault password (vault and
 * mail server) saw "535, the user name or password is wrong" for five minutes while mail went
 * out, and one whose refresh token or client secret had been revoked saw "ok" from Check token
 * and a permission hint from Test connection, both from a token Mailroom had cached. A failed
 * check leaves what the senders hold alone: a token still valid keeps sending until it expires.
 * A secret provider's Test signs in anew too: an Azure client secret revoked at the identity
 * platform, or a Vault AppRole secret id deleted, passed it for as long as the token lasted.
 */
const TENANT = 'contoso.onmicrosoft.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';

await describeEachDialect('Check token and Test connection read the credential anew', (dialect) => {
  let bed: CredentialBed;
  const passwords = new Map<string, string>();
  const oauth = newOAuth2State({ tenant: TENANT, clients: new Map([[CLIENT, 'ms-client-secret~Zx1']]), appUser: 'app@example.com' });
  const vaultState = tokenVaultState(new Map([['mail/smtp', [{ password: 'vault-pw-1' }]]]));

  const authStep = async (accountId: string) => ((await bed.ok('POST', 'diagnostics/smtp', { accountId })).steps as { name: string; status: string; detail: string }[]).find((s) => s.name === 'auth')!;
  const oauthAccount = (address: string) =>
    bed.ok('POST', 'accounts', { serverId: bed.serverId, address, auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT, clientSecret: 'ms-client-secret~Zx1', tokenUrl: bed.idp.tokenUrl, caCertificate: bed.idp.cert.cert } });

  beforeAll(async () => {
    bed = await startCredentialBed(dialect, oauth, vaultState, passwords);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('a Vault password rotated at the vault and the mail server: Test connection logs in with the new one at once', async () => {
    passwords.set('relay@example.com', 'vault-pw-1');
    const p = await bed.vaultProvider();
    const acc = await bed.ok('POST', 'accounts', { serverId: bed.serverId, address: 'relay@example.com', passwordRef: `vault:${p.id}/mail/smtp#password` });
    expect((await bed.sendFrom(acc.id)).status).toBe('sent');
    vaultState.secrets.get('mail/smtp')!.push({ password: 'vault-pw-2' });
    passwords.set('relay@example.com', 'vault-pw-2');
    expect(await authStep(acc.id)).toMatchObject({ status: 'pass' });
    await bed.dropSessions();
    expect((await bed.sendFrom(acc.id)).status).toBe('sent');

    // A provider that now refuses is what the test reports, not a login with the cached value;
    // the senders keep that value (stale-if-error) and mail still goes.
    vaultState.tokens.delete('hvs.t');
    try {
      const step = await authStep(acc.id);
      expect(step.status).toBe('fail');
      expect(step.detail).toContain('Vault answered 403: permission denied');
      await bed.dropSessions();
      const m = await bed.sendFrom(acc.id);
      expect([m.status, m.lastError]).toEqual(['sent', null]);
    } finally {
      vaultState.tokens.set('hvs.t', { ttl: 0, renewable: false });
    }
  });

  it('OAuth2 tokens revoked and the client secret expired: Check token and Test connection say so, not "ok" from the cached token', async () => {
    const acc = await oauthAccount('app@example.com');
    expect((await bed.sendFrom(acc.id)).status).toBe('sent');
    oauth.clients.set(CLIENT, 'a-newer-secret');
    oauth.tokens.clear();
    try {
      const check = await bed.ok('POST', `accounts/${acc.id}/oauth2/check`, {});
      expect(check).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
      expect(check.error.message).toContain('AADSTS7000215');
      expect((await bed.ok('GET', `accounts/${acc.id}/oauth2`)).health).toMatchObject({ status: 'error' });
      const step = await authStep(acc.id);
      expect(step.status).toBe('fail');
      expect(step.detail).toContain('AADSTS7000215');
    } finally {
      oauth.clients.set(CLIENT, 'ms-client-secret~Zx1');
    }
  });

  it('a failed Check token keeps the token the senders hold while it is valid: mail still goes', async () => {
    const acc = await oauthAccount('app2@example.com');
    oauth.appUser = 'app2@example.com';
    try {
      expect((await bed.sendFrom(acc.id)).status).toBe('sent');
      const fetched = oauth.requests.length;
      oauth.clients.set(CLIENT, 'a-newer-secret');
      expect(await bed.ok('POST', `accounts/${acc.id}/oauth2/check`, {})).toMatchObject({ ok: false });
      expect(oauth.requests.length).toBe(fetched + 1);
      await bed.dropSessions();
      expect((await bed.sendFrom(acc.id)).status).toBe('sent');
    } finally {
      oauth.clients.set(CLIENT, 'ms-client-secret~Zx1');
      oauth.appUser = 'app@example.com';
    }
  });

  it("a provider's Test signs in anew: a revoked Azure client secret or Vault AppRole secret id fails it, while mail goes on with the senders' token", async () => {
    const azureState: AzureState = { tenantId: TENANT, clientId: CLIENT, clientSecret: 'kv-secret-1', secrets: new Map([['smtp', [{ version: 'v1', value: 'kv-pw' }]]]), tokensIssued: 0, tokenLifetimeSec: 3599 };
    const azure = await startMockAzure(azureState);
    try {
      const kv = await bed.ok('POST', 'secret-providers', {
        name: 'KV',
        kind: 'azure-keyvault',
        config: { vaultUrl: azure.url, authorityHost: azure.url, tenantId: TENANT, clientId: CLIENT, caCertificate: azure.cert.cert },
        credentials: { clientSecret: 'kv-secret-1' },
      });
      const approle = await bed.ok('POST', 'secret-providers', { name: 'AppRole', kind: 'vault', config: { address: bed.vault.url, caCertificate: bed.vault.cert.cert, auth: 'approle' }, credentials: { roleId: 'r', secretId: 's' } });
      passwords.set('kv@example.com', 'kv-pw');
      passwords.set('approle@example.com', 'vault-pw-1');
      vaultState.secrets.set('mail/approle', [{ password: 'vault-pw-1' }]);
      const kvAcc = await bed.ok('POST', 'accounts', { serverId: bed.serverId, address: 'kv@example.com', passwordRef: `azure-keyvault:${kv.id}/smtp` });
      const vaultAcc = await bed.ok('POST', 'accounts', { serverId: bed.serverId, address: 'approle@example.com', passwordRef: `vault:${approle.id}/mail/approle#password` });
      for (const acc of [kvAcc, vaultAcc]) expect((await bed.sendFrom(acc.id)).status).toBe('sent');

      // Each Test is a sign-in of its own.
      const tokens = azureState.tokensIssued;
      const logins = vaultState.logins;
      expect(await bed.ok('POST', `secret-providers/${kv.id}/test`, { reference: 'smtp' })).toMatchObject({ ok: true, version: 'v1' });
      expect(await bed.ok('POST', `secret-providers/${approle.id}/test`, { reference: 'mail/approle#password' })).toMatchObject({ ok: true });
      expect([azureState.tokensIssued, vaultState.logins]).toEqual([tokens + 1, logins + 1]);

      // Revoked at the provider: the Test says so, with the provider's words.
      azureState.clientSecret = 'kv-secret-2';
      vaultState.approle.secretId = 's-2';
      try {
        const kvTest = await bed.ok('POST', `secret-providers/${kv.id}/test`, { reference: 'smtp' });
        expect(kvTest).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
        expect(kvTest.error.message).toContain('AADSTS7000215');
        const vaultTest = await bed.ok('POST', `secret-providers/${approle.id}/test`, { reference: 'mail/approle#password' });
        expect(vaultTest).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
        expect(vaultTest.error.message).toContain('AppRole login');
        // The senders' tokens are still valid: mail reads the secret with them (a value
        // read anew, so not from the cache) and goes.
        await bed.dropSessions();
        vaultState.secrets.get('mail/approle')!.push({ password: 'vault-pw-2' });
        passwords.set('approle@example.com', 'vault-pw-2');
        expect(await authStep(vaultAcc.id)).toMatchObject({ status: 'pass' });
        for (const acc of [kvAcc, vaultAcc]) expect((await bed.sendFrom(acc.id)).status).toBe('sent');
      } finally {
        azureState.clientSecret = 'kv-secret-1';
        vaultState.approle.secretId = 's';
      }
    } finally {
      await azure.stop();
    }
  });
});
