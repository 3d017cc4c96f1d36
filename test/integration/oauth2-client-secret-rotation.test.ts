import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCredentialBed, tokenVaultState, type CredentialBed } from '../helpers/credential-bed.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { newOAuth2State } from '../helpers/oauth2-server.js';

/**
 * An OAuth2 client secret kept in a secret store (`clientSecretRef`) and rotated there and at
 * the identity provider: when the token endpoint refuses the cached value (invalid_client),
 * Mailroom reads the reference anew and asks once more, as it does for a password after a 535
 * (docs/secrets.md "Rotation just works"). Before, mail was deferred until the cached value's
 * cacheTtlSec ran out, and Check token said "wrong or expired" about a secret already replaced.
 */
const TENANT = 'contoso.onmicrosoft.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';

await describeEachDialect('an OAuth2 client secret rotated in its secret store', (dialect) => {
  let bed: CredentialBed;
  const oauth = newOAuth2State({ tenant: TENANT, clients: new Map([[CLIENT, 'secret-1']]), appUser: 'app@example.com' });
  const vaultState = tokenVaultState(new Map([['mail/app', [{ secret: 'secret-1' }]]]));
  const rotate = (value: string) => {
    vaultState.secrets.get('mail/app')!.push({ secret: value });
    oauth.clients.set(CLIENT, value);
    // The old secret's tokens end too (the worst case: the next send needs a new token).
    oauth.tokens.clear();
  };

  beforeAll(async () => {
    bed = await startCredentialBed(dialect, oauth, vaultState);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('a send after the rotation reads the new secret and goes in the same attempt; Check token says ok', async () => {
    const p = await bed.vaultProvider();
    const auth = { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT, clientSecretRef: `vault:${p.id}/mail/app#secret`, tokenUrl: bed.idp.tokenUrl, caCertificate: bed.idp.cert.cert };
    const acc = await bed.ok('POST', 'accounts', { serverId: bed.serverId, address: 'app@example.com', auth });
    expect((await bed.sendFrom(acc.id)).status).toBe('sent');

    rotate('secret-2');
    await bed.dropSessions();
    const m = await bed.sendFrom(acc.id);
    expect([m.status, m.lastError, m.attempts.length]).toEqual(['sent', null, 1]);

    rotate('secret-3');
    expect(await bed.ok('POST', `accounts/${acc.id}/oauth2/check`, {})).toMatchObject({ ok: true });
  });

  it('a secret the endpoint refuses after the anew read too is the error it is, after one more request', async () => {
    const accounts = (await bed.ok('GET', 'accounts')).items as { id: string }[];
    oauth.clients.set(CLIENT, 'only-the-idp-knows');
    const before = oauth.requests.length;
    const check = await bed.ok('POST', `accounts/${accounts[0]!.id}/oauth2/check`, {});
    expect(check).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
    expect(check.error.message).toContain('AADSTS7000215');
    expect(oauth.requests.length - before).toBe(2);
  });
});
