import { chmodSync, statSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rotateMasterKey } from '../../src/secrets/rotation.js';
import type { StoredAccount } from '../../src/core/senders/ports.js';
import { tempDir } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

await describeEachDialect('secrets at rest', (dialect) => {
  let t: TestApp;
  let accountId: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 's', smtp: { host: 'smtp.example.com' } } })).json();
    accountId = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'a@example.com', password: 'pw-before-rotation' } })).json().id;
  });
  afterAll(async () => t?.close());
  /** The password sending would use for this account (the diagnostics' reader: the same resolver). */
  const resolveAccountPassword = (account: Pick<StoredAccount, 'id' | 'passwordSecretId' | 'passwordRef'>) =>
    t.app.ports.diagnostics.resolvePassword(t.app.ports.ctx.store.repos, account as StoredAccount);

  it('creates the key file with mode 0600 on first start', () => {
    const file = path.join(t.dataDir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('makes a key file left readable by others 0600 again at start (a copy or a restore made it 0644)', async () => {
    const file = path.join(t.dataDir, 'secret.key');
    chmodSync(file, 0o644);
    await t.restart();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('rotate-key re-encrypts every secret and a restart still decrypts them', async () => {
    const before = t.app.infra.keyring.current.id;
    const r = await rotateMasterKey(t.app.infra.db, t.app.infra.keyring, t.dataDir, Date.now(), dialect);
    expect(r.count).toBeGreaterThanOrEqual(2); // the key check and the account password
    expect(r.newKeyId).not.toBe(before);
    expect(existsSync(path.join(t.dataDir, 'secret.key.next'))).toBe(false);
    await t.restart();
    expect(t.app.infra.keyring.current.id).toBe(r.newKeyId);
    const account = await t.app.ports.ctx.store.repos.accounts.get(accountId);
    expect(await resolveAccountPassword(account!)).toBe('pw-before-rotation');
  });

  it('refuses to start with the wrong key, naming both key ids', async () => {
    const wrong = randomBytes(32).toString('base64');
    await expect(t.restart({ MAILROOM_SECRET_KEY: wrong })).rejects.toMatchObject({ code: 'MAILROOM_E_SECRET_KEY_MISMATCH' });
    await expect(t.restart({ MAILROOM_SECRET_KEY: 'not base64!' })).rejects.toMatchObject({ code: 'MAILROOM_E_SECRET_KEY_INVALID' });
    await t.restart({ MAILROOM_SECRET_KEY: '' });
  });

  it('resolves env: and file: references at send time', async () => {
    // Outside the data dir: files in it are Mailroom's own and never read as secrets.
    const file = path.join(tempDir('mailroom-secret-file-'), 'smtp-pass');
    writeFileSync(file, 'from-file\n');
    chmodSync(file, 0o600);
    process.env.MAILROOM_TEST_SMTP_PW = 'from-env';
    delete process.env.MAILROOM_TEST_MISSING_VAR;
    expect(await resolveAccountPassword({ id: 'a', passwordSecretId: null, passwordRef: `file:${file}` })).toBe('from-file');
    expect(await resolveAccountPassword({ id: 'a', passwordSecretId: null, passwordRef: 'env:MAILROOM_TEST_SMTP_PW' })).toBe('from-env');
    await expect(resolveAccountPassword({ id: 'a', passwordSecretId: null, passwordRef: 'env:MAILROOM_TEST_MISSING_VAR' })).rejects.toMatchObject({ code: 'MAILROOM_E_SECRET_UNRESOLVED' });
    // A device or a directory is not a secret file: /dev/zero would otherwise be read forever.
    for (const ref of ['file:/dev/zero', `file:${t.dataDir}`]) {
      await expect(resolveAccountPassword({ id: 'a', passwordSecretId: null, passwordRef: ref })).rejects.toMatchObject({ code: 'MAILROOM_E_SECRET_UNRESOLVED' });
    }
    delete process.env.MAILROOM_TEST_SMTP_PW;
  });

  it("refuses a passwordRef naming Mailroom's own secrets (it would go to the account's server)", async () => {
    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'ref', smtp: { host: 'ref.example.com' } } })).json();
    for (const name of ['MAILROOM_SECRET_KEY', 'DATABASE_URL', 'MAILROOM_LISTEN_URL', 'MAILROOM_ADMIN_PASSWORD']) {
      const res = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'ref@example.com', passwordRef: `env:${name}` } });
      expect(res.statusCode, name).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'passwordRef' } });
    }
  });

  it('refuses, when saved, a reference to a provider or internal secret that does not exist (never accepted, then deferred for days)', async () => {
    const server = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'stores', smtp: { host: 'stores.example.com' } } })).json();
    for (const ref of ['vault:spv_missing/kv/smtp#password', 'azure-keyvault:spv_missing/smtp', 'cyberark:spv_missing/safe/object', 'internal:smtp']) {
      const res = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'store@example.com', passwordRef: ref } });
      expect(res.statusCode, ref).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'passwordRef' } });
      expect(res.json().error.message).toMatch(/create it first/);
    }
    expect((await t.request({ method: 'GET', url: '/api/v1/accounts' })).json().items.some((a: { address: string }) => a.address === 'store@example.com')).toBe(false);
    for (const ref of ['stored:smtp', 'vault:kv/smtp#password', 'vault:spv_x/../etc#f', 'azure-keyvault:spv_x/bad_name!', 'cyberark:spv_x/only-safe', 'internal:has space', 'vault:spv_x/smtp']) {
      const res = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'store@example.com', passwordRef: ref } });
      expect(res.json().error, ref).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'passwordRef' } });
    }
  });
});
