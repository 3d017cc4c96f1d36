import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { loopbackCert } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * CyberArk's client key must be an unencrypted PEM key of the configured client certificate.
 * A reader saved an encrypted key (`-----BEGIN ENCRYPTED PRIVATE KEY-----`, as `openssl genpkey
 * -aes256` writes it): it was accepted, and every read then failed with "the provider could not
 * be reached (bad decrypt)". A key of another certificate fails the same late way.
 */
await describeEachDialect("CyberArk's client key is checked when saved", (dialect) => {
  let t: TestApp;
  const client = loopbackCert('mailroom-ccp-client');
  const other = loopbackCert('another-client');
  const encryptedKey = () => {
    const file = path.join(tempDir('mailroom-enc-key-'), 'enc.pem');
    execFileSync('openssl', ['pkey', '-aes256', '-passout', 'pass:secret', '-out', file], { input: client.key });
    return readFileSync(file, 'utf8');
  };
  let n = 0;
  const create = (clientKey: string) =>
    t.request({ method: 'POST', url: '/api/v1/secret-providers', payload: { name: `CyberArk ${++n}`, kind: 'cyberark', config: { baseUrl: 'https://ccp.example.com', appId: 'Mailroom', clientCertificate: client.cert }, credentials: { clientKey } } });

  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('an encrypted key: 400 saying so and how to decrypt it', async () => {
    const res = await create(encryptedKey());
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'credentials.clientKey' } });
    expect(res.json().error.message).toContain('is encrypted');
  });

  it("another certificate's key: 400 naming the certificate", async () => {
    const res = await create(other.key);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'credentials.clientKey' } });
    expect(res.json().error.message).toContain('is not the key of config.clientCertificate');
  });

  it('the matching unencrypted key is taken', async () => {
    expect((await create(client.key)).statusCode).toBe(201);
  });
});
