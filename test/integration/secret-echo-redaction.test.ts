import Database from 'better-sqlite3';
import path from 'node:path';
import pg from 'pg';
import type { LightMyRequestResponse } from 'fastify';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redact } from '../../src/core/kernel/audit.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { freePort, selfSignedCert, tempDir, type Cert } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { newOAuth2State, startOAuth2Server } from '../helpers/oauth2-server.js';
import { loopbackCert, startMockAzure, startMockCyberArk, startMockVault, type AzureState, type CyberArkState, type MockProvider, type VaultState } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Peers that echo what they were sent (an SMTP server quoting the AUTH exchange in its 535, a
 * Vault quoting the token it refused, a token endpoint quoting the client secret and refresh
 * token): none of it may reach an API answer, a stored row, the audit log or a log line
 * (docs/security.md, "What is redacted where").
 */
const TENANT = 'contoso.onmicrosoft.com';
const KV_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const KV_CLIENT = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** Every secret handed over or issued, and each form a peer may echo it in. */
const FORBIDDEN = new Set<string>();
function forbid(value: string, user?: string): string {
  FORBIDDEN.add(value);
  FORBIDDEN.add(b64(value).replace(/=+$/, ''));
  if (user !== undefined) {
    FORBIDDEN.add(b64(`\0${user}\0${value}`).replace(/=+$/, ''));
    FORBIDDEN.add(b64(`user=${user}\x01auth=Bearer ${value}\x01\x01`).replace(/=+$/, ''));
  }
  // A PEM key's body lines, which one-line text would join with spaces.
  for (const line of value.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) FORBIDDEN.add(line);
  return value;
}
function leaks(text: string): string[] {
  return [...FORBIDDEN].filter((s) => text.includes(s));
}

/** An SMTP server refusing every login with a 535 that quotes the AUTH exchange, as the security report's did. */
async function echoingSmtp(cert: Cert, methods: ('PLAIN' | 'LOGIN' | 'XOAUTH2')[]): Promise<{ port: number; refused: number; stop(): Promise<void> }> {
  const peer: { port: number; refused: number; stop(): Promise<void> } = { port: await freePort(), refused: 0, stop: async () => undefined };
  const server = new SMTPServer({
    disableReverseLookup: true,
    logger: false,
    key: cert.key,
    cert: cert.cert,
    authMethods: methods,
    onAuth(auth, _s, cb) {
      peer.refused++;
      const user = auth.username ?? '';
      const said =
        auth.method === 'XOAUTH2'
          ? `AUTH XOAUTH2 ${b64(`user=${user}\x01auth=Bearer ${auth.accessToken}\x01\x01`)} token=${auth.accessToken}`
          : auth.method === 'LOGIN'
            ? `AUTH LOGIN ${b64(user)} ${b64(auth.password ?? '')} pass=${auth.password}`
            : `AUTH PLAIN ${b64(`\0${user}\0${auth.password}`)} pass=${auth.password}`;
      return cb(Object.assign(new Error(`5.7.8 Authentication failed: ${said}`), { responseCode: 535 }));
    },
    onData(stream, _s, cb) {
      stream.resume();
      stream.on('end', () => cb());
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(peer.port, '127.0.0.1', resolve));
  peer.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return peer;
}

/** Every row of every table, as text (blobs read as UTF-8): where a leaked secret would be stored. */
async function databaseText(t: TestApp): Promise<string> {
  const text = (rows: unknown[]) => JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('utf8') : v));
  if (t.databaseUrl) {
    const c = new pg.Client({ connectionString: t.databaseUrl });
    await c.connect();
    try {
      const tables = (await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows.map((r) => r.tablename);
      const parts: string[] = [];
      for (const name of tables) parts.push(text((await c.query(`SELECT * FROM "${name}"`)).rows));
      expect(tables.length).toBeGreaterThan(5);
      return parts.join('\n');
    } finally {
      await c.end();
    }
  }
  const db = new Database(path.join(t.dataDir, 'mailroom.db'), { readonly: true, fileMustExist: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    expect(tables.length).toBeGreaterThan(5);
    return tables.map((name) => text(db.prepare(`SELECT * FROM "${name}"`).all())).join('\n');
  } finally {
    db.close();
  }
}

await describeEachDialect('secrets echoed by peers stay out of answers, rows, the audit log and the log', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  let idp: MockProvider & { tokenUrl: string };
  let vault: MockProvider;
  let azure: MockProvider;
  let cyberark: MockProvider;
  let passwordPeer: Awaited<ReturnType<typeof echoingSmtp>>;
  let loginPeer: Awaited<ReturnType<typeof echoingSmtp>>;
  let passwordServer: string;
  let loginServer: string;
  const responses: string[] = [];

  const oauth = newOAuth2State({
    tenant: TENANT,
    clients: new Map<string, string | null>([
      ['m365-app', forbid('ms-client-secret~Echo1')],
      ['generic-client', forbid('generic-right-secret-Ty8')],
    ]),
    appUser: 'xoauth@example.com',
    refreshTokens: new Map([[forbid('rt-echo-refresh-Kp2'), { user: 'generic@example.com', clientId: 'generic-client' }]]),
    echoCredentials: true,
  });
  const vaultState: VaultState = {
    secrets: new Map([['mail/smtp', [{ password: forbid('vault-held-pw-Nn3') }]]]),
    tokens: new Map([[forbid('hvs.echo-token-Zz5'), { ttl: 0, renewable: false }]]),
    approle: { roleId: 'role-echo', secretId: forbid('secret-id-right-Cd1'), ttl: 60 },
    logins: 0,
    renewals: 0,
    echoCredentials: true,
  };
  const azureState: AzureState = { tenantId: KV_TENANT, clientId: KV_CLIENT, clientSecret: forbid('azure-right-secret~Qk2'), secrets: new Map(), tokensIssued: 0, tokenLifetimeSec: 3599, echoCredentials: true };
  const clientCert = loopbackCert('mailroom-ccp-client');
  forbid(clientCert.key);
  const cyberState: CyberArkState = { appId: 'Mailroom', accounts: new Map(), refusal: `The key presented was: ${clientCert.key}` };

  const call = async (method: 'GET' | 'POST', url: string, payload?: object): Promise<LightMyRequestResponse> => {
    const res = await t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });
    responses.push(res.body);
    return res;
  };
  const ok = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await call(method, url, payload);
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const sendFrom = async (accountId: string) => {
    const { id } = await ok('POST', 'messages', { accountId, to: ['rcpt@example.net'], subject: 'echo', text: 'x' });
    await dispatcher.drain();
    return ok('GET', `messages/${id}`);
  };
  const smtpServer = async (name: string, port: number, cert: Cert) =>
    (await ok('POST', 'servers', { name, smtp: { host: '127.0.0.1', port, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: cert.cert }, connectTimeoutSec: 5, sendTimeoutSec: 5 } })).id as string;

  beforeAll(async () => {
    const cert = selfSignedCert(tempDir('mailroom-echo-smtp-'), 'smtp.echo.test');
    passwordPeer = await echoingSmtp(cert, ['XOAUTH2', 'PLAIN']);
    loginPeer = await echoingSmtp(cert, ['LOGIN']);
    idp = await startOAuth2Server(oauth);
    vault = await startMockVault(vaultState);
    azure = await startMockAzure(azureState);
    cyberark = await startMockCyberArk(cyberState, clientCert);
    t = await startTestApp(dialect);
    dispatcher = await t.app.startDelivery({ loop: false });
    passwordServer = await smtpServer('echo-plain', passwordPeer.port, cert);
    loginServer = await smtpServer('echo-login', loginPeer.port, cert);
  });
  afterAll(async () => {
    await t?.close();
    for (const s of [passwordPeer, loginPeer, idp, vault, azure, cyberark]) await s?.stop();
  });

  it('(a) an SMTP refusal quoting AUTH PLAIN, LOGIN or XOAUTH2 keeps the password and token out of the message, list, audit, log and rows', async () => {
    const plain = await ok('POST', 'accounts', { serverId: passwordServer, address: 'plain@example.com', password: forbid('smtp-pw Echo!9/+=', 'plain@example.com') });
    const login = await ok('POST', 'accounts', { serverId: loginServer, address: 'login@example.com', password: forbid('login-pw-Qv7', 'login@example.com') });
    const xoauth = await ok('POST', 'accounts', { serverId: passwordServer, address: 'xoauth@example.com', auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: 'm365-app', clientSecret: 'ms-client-secret~Echo1', tokenUrl: idp.tokenUrl, caCertificate: idp.cert.cert } });
    const sent = [await sendFrom(plain.id), await sendFrom(login.id), await sendFrom(xoauth.id)];
    // The access tokens Mailroom fetched and sent (each refusal makes it fetch a fresh one).
    for (const token of oauth.tokens.keys()) forbid(token, 'xoauth@example.com');
    expect(oauth.tokens.size).toBeGreaterThan(0);
    for (const m of sent) {
      expect(m.status).toBe('failed');
      // The server's words stay, with the secret replaced.
      expect(m.lastError).toMatch(/535 5\.7\.8 Authentication failed: AUTH (PLAIN|LOGIN|XOAUTH2) .*\[redacted\]/);
      expect(m.attempts.at(-1).response ?? m.attempts.at(-1).error ?? '').not.toBe('');
    }
    expect(passwordPeer.refused + loginPeer.refused).toBeGreaterThanOrEqual(3);
    await ok('GET', 'messages?limit=50');
    for (const m of sent) await ok('GET', `audit?targetId=${m.id}`);
    const failedAudit = await ok('GET', 'audit?action=message.failed&limit=50');
    expect(failedAudit.items.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(failedAudit)).toContain('[redacted]');
    // The dispatcher's warn line for each failure was written, without the secrets.
    expect(t.logLines.filter((l) => l.includes('message failed')).length).toBeGreaterThanOrEqual(3);
    expect(leaks(t.logLines.join('\n'))).toEqual([]);
    expect(leaks(responses.join('\n'))).toEqual([]);
    expect(leaks(await databaseText(t))).toEqual([]);
  });

  it('(a) the connection test hides the same encodings, LOGIN\'s included (one redaction for both)', async () => {
    const login = await ok('POST', 'accounts', { serverId: loginServer, address: 'login2@example.com', password: forbid('login2-pw-Zr4', 'login2@example.com') });
    const test = await ok('POST', 'diagnostics/smtp', { serverId: loginServer, accountId: login.id });
    const auth = test.steps.find((s: { name: string }) => s.name === 'auth');
    expect(auth.status).toBe('fail');
    expect(JSON.stringify(auth)).toContain('[redacted]');
    expect(leaks(responses.join('\n'))).toEqual([]);
  });

  it('(b) a Vault, Key Vault or CyberArk error quoting our credentials keeps them out of the test, the picker and a message', async () => {
    const v = await ok('POST', 'secret-providers', { name: 'vault-echo', kind: 'vault', config: { address: vault.url, caCertificate: vault.cert.cert }, credentials: { token: 'hvs.echo-token-Zz5' } });
    const tested = await ok('POST', `secret-providers/${v.id}/test`, { reference: `vault:${v.id}/mail/smtp#password` });
    expect(tested).toMatchObject({ ok: false, error: { status: 403 } });
    expect(tested.error.message).toMatch(/permission denied: token \[redacted\] has no policy/);
    const listed = await call('GET', `secret-providers/${v.id}/secrets?path=mail`);
    expect(listed.body).toMatch(/token \[redacted\]/);
    const approle = await ok('POST', 'secret-providers', { name: 'approle-echo', kind: 'vault', config: { address: vault.url, caCertificate: vault.cert.cert, auth: 'approle' }, credentials: { roleId: 'role-echo', secretId: forbid('secret-id-wrong-Ef4') } });
    const login = await ok('POST', `secret-providers/${approle.id}/test`, { reference: `vault:${approle.id}/mail/smtp#password` });
    expect(login.error.message).toMatch(/secret ID \[redacted\]/);

    const kvWrong = await ok('POST', 'secret-providers', { name: 'kv-wrong', kind: 'azure-keyvault', config: { vaultUrl: azure.url, authorityHost: azure.url, tenantId: KV_TENANT, clientId: KV_CLIENT, caCertificate: azure.cert.cert }, credentials: { clientSecret: forbid('azure-wrong-secret~Gh5') } });
    const kvRefused = await ok('POST', `secret-providers/${kvWrong.id}/test`, { reference: 'smtp-password' });
    expect(kvRefused.error.message).toMatch(/AADSTS7000215.*client_secret=\[redacted\]/);
    const kv = await ok('POST', 'secret-providers', { name: 'kv', kind: 'azure-keyvault', config: { vaultUrl: azure.url, authorityHost: azure.url, tenantId: KV_TENANT, clientId: KV_CLIENT, caCertificate: azure.cert.cert }, credentials: { clientSecret: 'azure-right-secret~Qk2' } });
    const kvForbidden = await ok('POST', `secret-providers/${kv.id}/test`, { reference: 'smtp-password' });
    await call('GET', `secret-providers/${kv.id}/secrets`);
    for (let n = 1; n <= azureState.tokensIssued; n++) forbid(`eyJ0eXAi.kv-${n}`);
    expect(azureState.tokensIssued).toBeGreaterThan(0);
    expect(kvForbidden.error.message).toMatch(/Token: \[redacted\]/);

    const ccp = await ok('POST', 'secret-providers', { name: 'ccp', kind: 'cyberark', config: { baseUrl: cyberark.url, appId: 'Mailroom', clientCertificate: clientCert.cert, caCertificate: cyberark.cert.cert }, credentials: { clientKey: clientCert.key } });
    const ccpRefused = await ok('POST', `secret-providers/${ccp.id}/test`, { reference: 'MailSafe/smtp-relay' });
    expect(ccpRefused.error.message).toMatch(/APPAP282E The key presented was: \[redacted\]/);

    // A message whose password is read from the echoing Vault: its lastError is stored and shown.
    const acc = await ok('POST', 'accounts', { serverId: passwordServer, address: 'vaulted@example.com', passwordRef: `vault:${v.id}/mail/smtp#password` });
    const m = await sendFrom(acc.id);
    expect(m.lastError).toMatch(/token \[redacted\] has no policy/);
    expect(leaks(responses.join('\n'))).toEqual([]);
    expect(leaks(t.logLines.join('\n'))).toEqual([]);
    expect(leaks(await databaseText(t))).toEqual([]);
  });

  it('(c) a token endpoint quoting the client secret and refresh token keeps them out of Check token, the account\'s health and a message', async () => {
    const acc = await ok('POST', 'accounts', {
      serverId: passwordServer,
      address: 'generic@example.com',
      auth: { type: 'oauth2', provider: 'generic', clientId: 'generic-client', clientSecret: forbid('generic-wrong-secret-Hx4'), refreshToken: 'rt-echo-refresh-Kp2', tokenUrl: idp.tokenUrl, caCertificate: idp.cert.cert },
    });
    const check = await ok('POST', `accounts/${acc.id}/oauth2/check`, {});
    expect(check).toMatchObject({ ok: false });
    expect(check.error.message).toMatch(/client_secret=\[redacted\] refresh_token=\[redacted\]/);
    const health = await ok('GET', `accounts/${acc.id}/oauth2`);
    expect(JSON.stringify(health)).toMatch(/client_secret=\[redacted\]/);
    const m = await sendFrom(acc.id);
    expect(m.lastError).toMatch(/client_secret=\[redacted\] refresh_token=\[redacted\]/);
    expect(leaks(responses.join('\n'))).toEqual([]);
    expect(leaks(t.logLines.join('\n'))).toEqual([]);
    expect(leaks(await databaseText(t))).toEqual([]);
  });

  it('(d) the audit log shows an OAuth2 token URL and keeps token values redacted', async () => {
    const acc = await ok('POST', 'accounts', {
      serverId: passwordServer,
      address: 'audited@example.com',
      auth: { type: 'oauth2', provider: 'generic', clientId: 'generic-client', clientSecret: forbid('audited-secret-Lm6'), refreshToken: forbid('rt-audited-Pq7'), tokenUrl: idp.tokenUrl, authorizeUrl: `${idp.url}/${TENANT}/oauth2/v2.0/authorize`, caCertificate: idp.cert.cert },
    });
    const entries = (await ok('GET', `audit?targetId=${acc.id}`)).items as { action: string; after: { auth?: Record<string, unknown> } }[];
    const created = entries.find((e) => e.action === 'account.create');
    expect(created?.after.auth).toMatchObject({ tokenUrl: idp.tokenUrl, authorizeUrl: `${idp.url}/${TENANT}/oauth2/v2.0/authorize` });
    expect(leaks(JSON.stringify(entries))).toEqual([]);
    // The rule itself: addresses show (a user name, password or secret-named parameter in one does not), token values do not.
    expect(redact({ tokenUrl: 'https://TOKEN-3@login.example/t', authorizeUrl: 'https://login.example/a#access_token=at-4&state=x' })).toEqual({
      tokenUrl: 'https://redacted@login.example/t',
      authorizeUrl: 'https://login.example/a#access_token=%5Bredacted%5D&state=x',
    });
    expect(redact({ tokenUrl: 'https://login.example/token', accessToken: 'at-1', refreshToken: 'rt-1', token: 'hvs.x', clientSecret: 's', auth: { tokenUrl: 'https://u:pw@idp.example/t?access_token=at-2&tenant=x' } })).toEqual({
      tokenUrl: 'https://login.example/token',
      accessToken: '[redacted]',
      refreshToken: '[redacted]',
      token: '[redacted]',
      clientSecret: '[redacted]',
      auth: { tokenUrl: 'https://redacted:redacted@idp.example/t?access_token=%5Bredacted%5D&tenant=x' },
    });
  });
});
