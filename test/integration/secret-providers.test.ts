import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { freePort, selfSignedCert, tempDir, type Cert } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { loopbackCert, startMockAzure, startMockCyberArk, startMockVault, type AzureState, type MockProvider, type VaultState } from '../helpers/secret-provider-servers.js';
import { endSessions } from '../helpers/smtp-sessions.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Account passwords read from secret stores at send time, each store a local HTTPS server
 * following its documented REST protocol, delivering to an SMTP peer that requires AUTH.
 */
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every value the test hands to Mailroom that must never come back out. */
const SECRET_VALUES = new Set<string>();
const secret = (v: string) => (SECRET_VALUES.add(v), v);

interface SmtpPeer {
  port: number;
  /** login → the password the peer accepts now. */
  passwords: Map<string, string>;
  auths: { user: string; ok: boolean }[];
  received: string[];
  /** Ends every open session (a pooled connection must log in again): endSessions. */
  dropSessions(): Promise<void>;
  stop(): Promise<void>;
}

async function smtpPeer(cert: Cert): Promise<SmtpPeer> {
  const p: SmtpPeer = { port: await freePort(), passwords: new Map(), auths: [], received: [], dropSessions: async () => undefined, stop: async () => undefined };
  const server = new SMTPServer({
    disableReverseLookup: true,
    logger: false,
    key: cert.key,
    cert: cert.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _s, cb) {
      const ok = p.passwords.get(auth.username ?? '') === auth.password;
      p.auths.push({ user: auth.username ?? '', ok });
      if (ok) return cb(null, { user: auth.username });
      return cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        p.received.push(String(session.user));
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(p.port, '127.0.0.1', resolve));
  p.dropSessions = () => endSessions(server);
  p.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return p;
}

await describeEachDialect('secret providers: Vault, Azure Key Vault, CyberArk and internal secrets', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  let peer: SmtpPeer;
  let vault: MockProvider;
  let azure: MockProvider;
  let cyberark: MockProvider;
  let serverId: string;
  const clock = new ManualClock(Date.now());
  const responses: string[] = [];
  const vaultState: VaultState = {
    secrets: new Map([
      ['mail/smtp', [{ password: secret('vault-pw-v1-Zq8'), user: 'ignored' }]],
      ['mail/stale', [{ password: secret('vault-stale-pw-P3w') }]],
    ]),
    tokens: new Map([[secret('hvs.static-token-Xy7'), { ttl: 0, renewable: false }]]),
    approle: { roleId: secret('role-id-7f3a'), secretId: secret('secret-id-9b2c'), ttl: 3600 },
    logins: 0,
    renewals: 0,
  };
  const azureState: AzureState = {
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: secret('azure-client-secret~Qk2'),
    secrets: new Map([['smtp-password', [{ version: '4f1e2d3c4b5a69788796a5b4c3d2e1f0', value: secret('azure-pw-Hm5') }]]]),
    tokensIssued: 0,
    tokenLifetimeSec: 3599,
  };
  const cyberState = { appId: 'Mailroom', accounts: new Map([['MailSafe/smtp-relay', secret('cyberark-pw-Lt4')]]) };
  const clientCert = loopbackCert('mailroom-ccp-client');
  SECRET_VALUES.add(clientCert.key.split('\n')[1]!);

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object): Promise<LightMyRequestResponse> => {
    const res = await t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });
    responses.push(res.body);
    return res;
  };
  const ok = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object) => {
    const res = await call(method, url, payload);
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const account = async (name: string, passwordRef: string) => {
    peer.passwords.set(`${name}@example.com`, peer.passwords.get(`${name}@example.com`) ?? '');
    return (await ok('POST', 'accounts', { serverId, address: `${name}@example.com`, passwordRef })).id as string;
  };
  const sendFrom = async (accountId: string) => {
    const { id } = await ok('POST', 'messages', { accountId, to: ['rcpt@example.net'], subject: 'secret test', text: 'x' });
    await dispatcher.drain();
    return ok('GET', `messages/${id}`);
  };

  beforeAll(async () => {
    const cert = selfSignedCert(tempDir('mailroom-smtp-cert-'), 'smtp.secrets.test');
    peer = await smtpPeer(cert);
    vault = await startMockVault(vaultState);
    azure = await startMockAzure(azureState);
    cyberark = await startMockCyberArk(cyberState, clientCert);
    t = await startTestApp(dialect, { clock });
    dispatcher = await t.app.startDelivery({ loop: false });
    serverId = (await ok('POST', 'servers', { name: 'auth-peer', smtp: { host: '127.0.0.1', port: peer.port, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: cert.cert }, connectTimeoutSec: 5, sendTimeoutSec: 5 } })).id;
  });
  afterAll(async () => {
    await t?.close();
    for (const s of [peer, vault, azure, cyberark]) await s?.stop();
  });

  const vaultProvider = (name: string, extra: Record<string, unknown> = {}, credentials: Record<string, string> = { token: 'hvs.static-token-Xy7' }) =>
    ok('POST', 'secret-providers', { name, kind: 'vault', config: { address: vault.url, caCertificate: vault.cert.cert, ...extra }, credentials });

  it('keeps credentials write-only and refuses what would send them somewhere new or in plain text', async () => {
    const p = await vaultProvider('vault-token');
    expect(p).toMatchObject({ kind: 'vault', credentialsSet: ['token'], config: { address: vault.url, mount: 'secret', auth: 'token', cacheTtlSec: 300, staleIfErrorSec: 3600 } });
    expect(JSON.stringify(p)).not.toContain('hvs.static');
    const got = await ok('GET', `secret-providers/${p.id}`);
    expect(got.credentials).toBeUndefined();
    const moved = await call('PATCH', `secret-providers/${p.id}`, { version: p.version, config: { address: 'https://elsewhere.example.com' } });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'credentials' } });
    const plain = await call('POST', 'secret-providers', { name: 'plain', kind: 'vault', config: { address: 'http://127.0.0.1:8200' }, credentials: { token: 'x' } });
    expect(plain.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'config.address' } });
    const missing = await call('POST', 'secret-providers', { name: 'approle-no-creds', kind: 'vault', config: { address: vault.url, auth: 'approle' }, credentials: { token: 'x' } });
    expect(missing.json().error).toMatchObject({ code: 'MAILROOM_E_UNKNOWN_FIELD' });
    const dup = await call('POST', 'secret-providers', { name: 'vault-token', kind: 'vault', config: { address: vault.url }, credentials: { token: 'y' } });
    expect(dup.json().error.code).toBe('MAILROOM_E_DUPLICATE');
    const kind = await call('PATCH', `secret-providers/${p.id}`, { version: p.version, kind: 'cyberark' });
    expect(kind.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'kind' } });
  });

  it('delivers with a Vault KV v2 password (token auth) and picks up a rotation after one 535', async () => {
    const p = await vaultProvider('vault-send');
    const acc = await account('vault', `vault:${p.id}/mail/smtp#password`);
    peer.passwords.set('vault@example.com', 'vault-pw-v1-Zq8');
    let m = await sendFrom(acc);
    expect(m.status).toBe('sent');
    expect(peer.auths.at(-1)).toEqual({ user: 'vault@example.com', ok: true });
    expect(vault.requests.some((r) => r.path === '/v1/secret/data/mail/smtp' && r.headers['x-vault-token'] === 'hvs.static-token-Xy7')).toBe(true);

    // Rotated at Vault and at the mail server; the pool still holds the old password.
    vaultState.secrets.get('mail/smtp')!.push({ password: secret('vault-pw-v2-Rr9') });
    peer.passwords.set('vault@example.com', 'vault-pw-v2-Rr9');
    await peer.dropSessions();
    const reads = vault.requests.filter((r) => r.path === '/v1/secret/data/mail/smtp').length;
    m = await sendFrom(acc);
    expect(m.status).toBe('sent');
    // One attempt: the 535 made Mailroom read the secret again (bypassing its cache) and log in with the new one.
    expect(m.attempts).toHaveLength(1);
    expect(peer.auths.slice(-2)).toEqual([{ user: 'vault@example.com', ok: false }, { user: 'vault@example.com', ok: true }]);
    expect(vault.requests.filter((r) => r.path === '/v1/secret/data/mail/smtp').length).toBe(reads + 1);
  });

  it('a 535 with an unchanged secret counts as the failure it is, after one read, without a second login', async () => {
    const p = await vaultProvider('vault-wrong');
    vaultState.secrets.set('mail/wrong', [{ password: secret('vault-wrong-pw-Kk1') }]);
    const acc = await account('wrong', `vault:${p.id}/mail/wrong#password`);
    peer.passwords.set('wrong@example.com', 'something-else');
    const before = peer.auths.length;
    const m = await sendFrom(acc);
    // A 535 is a permanent answer (the message fails), now that the reference was read again and had not changed.
    expect(m.status).toBe('failed');
    expect(m.lastError).toMatch(/535/);
    expect(peer.auths.length - before).toBe(1);
  });

  it('logs in with AppRole, logs in again when the token is revoked, and an account reading its password through it delivers', async () => {
    const p = await vaultProvider('vault-approle', { auth: 'approle' }, { roleId: 'role-id-7f3a', secretId: 'secret-id-9b2c' });
    const first = await ok('POST', `secret-providers/${p.id}/test`, { reference: 'mail/smtp#password' });
    expect(first).toMatchObject({ ok: true, length: 'vault-pw-v2-Rr9'.length, version: '2', reference: `vault:${p.id}/mail/smtp#password` });
    expect(JSON.stringify(first)).not.toContain('vault-pw');
    expect(vaultState.logins).toBe(1);
    for (const k of [...vaultState.tokens.keys()]) if (k.startsWith('hvs.approle-')) vaultState.tokens.delete(k);
    expect(await ok('POST', `secret-providers/${p.id}/test`, { reference: `vault:${p.id}/mail/smtp#password` })).toMatchObject({ ok: true });
    expect(vaultState.logins).toBe(2);
    const noField = await ok('POST', `secret-providers/${p.id}/test`, { reference: 'mail/smtp#pass' });
    expect(noField).toMatchObject({ ok: false, error: { code: 'MAILROOM_E_SECRET_UNRESOLVED' } });
    expect(noField.error.message).toContain('no field "pass" (it has: password)');
    const missing = await ok('POST', `secret-providers/${p.id}/test`, { reference: 'mail/none#password' });
    expect(missing).toMatchObject({ ok: false, error: { status: 404 } });
    expect(missing.error.hint).toMatch(/KV version 2/);
    const listed = await ok('GET', `secret-providers/${p.id}/secrets?path=mail`);
    expect(listed.items.map((i: { name: string }) => i.name)).toEqual(expect.arrayContaining(['mail/smtp', 'mail/stale']));
    const badRole = await vaultProvider('vault-bad-role', { auth: 'approle' }, { roleId: 'nope', secretId: 'nope' });
    const refused = await ok('POST', `secret-providers/${badRole.id}/test`, { reference: 'mail/smtp#password' });
    expect(refused).toMatchObject({ ok: false, error: { status: 400 } });
    expect(refused.error.hint).toMatch(/role id and secret id/);
    // An account whose password is read through the AppRole login delivers to the peer requiring AUTH.
    const acc = await account('approle', `vault:${p.id}/mail/smtp#password`);
    peer.passwords.set('approle@example.com', 'vault-pw-v2-Rr9');
    const m = await sendFrom(acc);
    expect(m.status).toBe('sent');
    expect(peer.auths.at(-1)).toEqual({ user: 'approle@example.com', ok: true });
  });

  it('delivers with an Azure Key Vault secret: one client-credentials token, reused', async () => {
    const p = await ok('POST', 'secret-providers', { name: 'kv', kind: 'azure-keyvault', config: { vaultUrl: azure.url, authorityHost: azure.url, tenantId: TENANT, clientId: CLIENT, caCertificate: azure.cert.cert }, credentials: { clientSecret: 'azure-client-secret~Qk2' } });
    const test = await ok('POST', `secret-providers/${p.id}/test`, { reference: 'smtp-password' });
    expect(test).toMatchObject({ ok: true, length: 'azure-pw-Hm5'.length, version: '4f1e2d3c4b5a69788796a5b4c3d2e1f0' });
    // The Test signs in on its own (a token of its own), apart from the senders.
    expect(azureState.tokensIssued).toBe(1);
    const acc = await account('azure', `azure-keyvault:${p.id}/smtp-password`);
    peer.passwords.set('azure@example.com', 'azure-pw-Hm5');
    expect((await sendFrom(acc)).status).toBe('sent');
    expect(azureState.tokensIssued).toBe(2);
    const token = azure.requests.find((r) => r.path.endsWith('/oauth2/v2.0/token'))!;
    expect(Object.fromEntries(new URLSearchParams(token.body))).toMatchObject({ grant_type: 'client_credentials', client_id: CLIENT, scope: 'https://vault.azure.net/.default' });
    // A new version set in Key Vault and at the mail server: picked up after one 535, in the same attempt.
    azureState.secrets.get('smtp-password')!.push({ version: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b', value: secret('azure-pw-v2-Jn3') });
    peer.passwords.set('azure@example.com', 'azure-pw-v2-Jn3');
    await peer.dropSessions();
    const rotated = await sendFrom(acc);
    expect(rotated.status).toBe('sent');
    expect(rotated.attempts).toHaveLength(1);
    expect(peer.auths.slice(-2)).toEqual([{ user: 'azure@example.com', ok: false }, { user: 'azure@example.com', ok: true }]);
    // The senders' token was reused for the rotation's second read.
    expect(azureState.tokensIssued).toBe(2);
    const notFound = await ok('POST', `secret-providers/${p.id}/test`, { reference: 'other' });
    expect(notFound).toMatchObject({ ok: false, error: { status: 404 } });
    expect(notFound.error.message).toContain('SecretNotFound');
    expect((await ok('GET', `secret-providers/${p.id}/secrets`)).items).toEqual([{ name: 'smtp-password', reference: `azure-keyvault:${p.id}/smtp-password`, folder: false }]);
    const wrong = await ok('POST', 'secret-providers', { name: 'kv-wrong', kind: 'azure-keyvault', config: { vaultUrl: azure.url, authorityHost: azure.url, tenantId: TENANT, clientId: CLIENT, caCertificate: azure.cert.cert }, credentials: { clientSecret: 'not-it' } });
    const refused = await ok('POST', `secret-providers/${wrong.id}/test`, { reference: 'smtp-password' });
    expect(refused).toMatchObject({ ok: false, error: { status: 401 } });
    expect(refused.error.message).toContain('AADSTS7000215');
    expect(refused.error.hint).toMatch(/client secret is wrong or expired/);
    const untrusted = await ok('POST', 'secret-providers', { name: 'kv-untrusted', kind: 'azure-keyvault', config: { vaultUrl: azure.url, authorityHost: azure.url, tenantId: TENANT, clientId: CLIENT }, credentials: { clientSecret: 'x' } });
    const tls = await ok('POST', `secret-providers/${untrusted.id}/test`, { reference: 'smtp-password' });
    expect(tls.error.hint).toMatch(/caCertificate/);
  });

  it('delivers with a CyberArk CCP password, only with the registered client certificate', async () => {
    const p = await ok('POST', 'secret-providers', { name: 'ccp', kind: 'cyberark', config: { baseUrl: cyberark.url, appId: 'Mailroom', clientCertificate: clientCert.cert, caCertificate: cyberark.cert.cert }, credentials: { clientKey: clientCert.key } });
    expect(await ok('POST', `secret-providers/${p.id}/test`, { reference: 'MailSafe/smtp-relay' })).toMatchObject({ ok: true, length: 'cyberark-pw-Lt4'.length, version: null });
    const acc = await account('cyberark', `cyberark:${p.id}/MailSafe/smtp-relay`);
    peer.passwords.set('cyberark@example.com', 'cyberark-pw-Lt4');
    expect((await sendFrom(acc)).status).toBe('sent');
    const q = new URL(cyberark.requests.at(-1)!.path, 'https://x').searchParams;
    expect(Object.fromEntries(q)).toEqual({ AppID: 'Mailroom', Safe: 'MailSafe', Object: 'smtp-relay' });
    // The password changed in the vault (CPM rotation) and at the mail server: picked up after one 535.
    cyberState.accounts.set('MailSafe/smtp-relay', secret('cyberark-pw-v2-Wd6'));
    peer.passwords.set('cyberark@example.com', 'cyberark-pw-v2-Wd6');
    await peer.dropSessions();
    const rotated = await sendFrom(acc);
    expect(rotated.status).toBe('sent');
    expect(rotated.attempts).toHaveLength(1);
    expect(peer.auths.slice(-2)).toEqual([{ user: 'cyberark@example.com', ok: false }, { user: 'cyberark@example.com', ok: true }]);
    const other = loopbackCert('someone-else');
    const stranger = await ok('POST', 'secret-providers', { name: 'ccp-stranger', kind: 'cyberark', config: { baseUrl: cyberark.url, appId: 'Mailroom', clientCertificate: other.cert, caCertificate: cyberark.cert.cert }, credentials: { clientKey: other.key } });
    const refused = await ok('POST', `secret-providers/${stranger.id}/test`, { reference: 'MailSafe/smtp-relay' });
    expect(refused).toMatchObject({ ok: false, error: { status: 403 } });
    expect(refused.error.message).toContain('APPAP282E');
    expect(refused.error.hint).toMatch(/client certificate/);
    const missing = await ok('POST', `secret-providers/${p.id}/test`, { reference: 'MailSafe/nobody' });
    expect(missing.error.message).toContain('APPAP004E');
    const list = await call('GET', `secret-providers/${p.id}/secrets`);
    expect(list.statusCode).toBe(422);
    expect(list.json().error.code).toBe('MAILROOM_E_SECRET_PROVIDER_UNSUPPORTED');
  });

  it('uses the cached value while the provider is down, until staleIfErrorSec, then defers with a clear error', async () => {
    const p = await vaultProvider('vault-stale', { cacheTtlSec: 1, staleIfErrorSec: 3 });
    const acc = await account('stale', `vault:${p.id}/mail/stale#password`);
    peer.passwords.set('stale@example.com', 'vault-stale-pw-P3w');
    expect((await sendFrom(acc)).status).toBe('sent');
    // The value was read before this instant: from here on its age only grows.
    const fetchedBy = Date.now();
    vault.down = true;
    try {
      await sleep(1300);
      expect((await sendFrom(acc)).status).toBe('sent');
      expect(t.logLines.join('')).toContain('secret provider failed: using the cached value until it expires');
      await sleep(Math.max(0, fetchedBy + 3100 - Date.now()));
      const m = await sendFrom(acc);
      expect(m.status).toBe('deferred');
      expect(m.lastError).toMatch(/secret reference vault:.*could not be reached.*cached value.*expired/);
    } finally {
      vault.down = false;
    }
  });

  it('internal named secrets: one value for several accounts, rotated in one place, never shown', async () => {
    const created = await call('PUT', 'secrets/shared-smtp', { value: secret('internal-pw-one-Gg6'), description: 'relay login' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'shared-smtp', description: 'relay login', version: 1 });
    const a = await account('int-a', 'internal:shared-smtp');
    const b = await account('int-b', 'internal:shared-smtp');
    for (const u of ['int-a@example.com', 'int-b@example.com']) peer.passwords.set(u, 'internal-pw-one-Gg6');
    expect((await sendFrom(a)).status).toBe('sent');
    expect((await sendFrom(b)).status).toBe('sent');
    expect((await ok('GET', 'secrets/shared-smtp')).usedBy.sort()).toEqual([a, b].sort());
    const noVersion = await call('PUT', 'secrets/shared-smtp', { value: 'x' });
    expect(noVersion.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'version' } });
    const rotated = await ok('PUT', 'secrets/shared-smtp', { value: secret('internal-pw-two-Vb8'), version: 1 });
    expect(rotated.version).toBe(2);
    for (const u of ['int-a@example.com', 'int-b@example.com']) peer.passwords.set(u, 'internal-pw-two-Vb8');
    await peer.dropSessions();
    const m = await sendFrom(a);
    expect(m.status).toBe('sent');
    expect(m.attempts).toHaveLength(1);
    expect((await sendFrom(b)).status).toBe('sent');
    const inUse = await call('DELETE', 'secrets/shared-smtp');
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().error).toMatchObject({ code: 'MAILROOM_E_IN_USE', details: { accountIds: expect.arrayContaining([a, b]) } });
    // A replace (with a version) of a secret that does not exist creates nothing.
    const gone = await call('PUT', 'secrets/never-made', { value: 'x', version: 1 });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error).toMatchObject({ code: 'MAILROOM_E_NOT_FOUND', message: expect.stringContaining('to create it, send it without a version') });
    expect((await call('GET', 'secrets/never-made')).statusCode).toBe(404);
    const crlf = await call('PUT', 'secrets/bad', { value: 'a\r\nb' });
    expect(crlf.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'value' } });
    const audit = await ok('GET', 'audit?targetType=secret');
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['secret.create', 'secret.rotate']));
  });

  it('no secret value in the database dump, the logs, the API answers or the audit', async () => {
    const dump =
      dialect === 'sqlite'
        ? execFileSync('sqlite3', [path.join(t.dataDir, 'mailroom.db'), '.dump'], { maxBuffer: 64 * 1024 * 1024 }).toString()
        : execFileSync('pg_dump', ['--data-only', t.databaseUrl!], { maxBuffer: 64 * 1024 * 1024 }).toString();
    expect(dump).toContain('secret_providers');
    const audit = JSON.stringify((await ok('GET', 'audit?limit=200')).items);
    expect(audit).toContain('secret_provider.create');
    const places = { dump, logs: t.logLines.join(''), api: responses.join('\n'), audit };
    expect(SECRET_VALUES.size).toBeGreaterThan(10);
    for (const [where, text] of Object.entries(places)) {
      for (const v of SECRET_VALUES) expect(text.includes(v), `${where} contains ${v.slice(0, 6)}…`).toBe(false);
    }
  });
});
