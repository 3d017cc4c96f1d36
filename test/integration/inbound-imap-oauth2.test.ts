import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InboundWorker } from '../../src/inbound/worker.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { haveDovecot, selfSignedCert, startDovecot, tempDir, type Cert, type DovecotInstance } from '../helpers/diagnostics-peers.js';
import { append, composeReply, until } from '../helpers/inbound-mail.js';
import { newOAuth2State, startOAuth2Server } from '../helpers/oauth2-server.js';
import type { MockProvider } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Reading an OAuth2 account's mailbox: the inbound reader logs in to Dovecot with SASL XOAUTH2
 * and the access token Mailroom fetched from a local Microsoft-style identity platform (client
 * credentials). Dovecot offers only XOAUTH2 for tokens, as Microsoft 365 does, and its oauth2
 * passdb asks the authorization server about every token (RFC 7662 introspection), so a login
 * succeeds only with a token that server issued and still vouches for. The account has no
 * password: the mail it stores came through the token. A token revoked at the provider is
 * replaced after one refusal without the reader failing; a provider that refuses the client
 * shows as a failing reader with the provider's answer. No token is logged.
 */
const TENANT = 'contoso.onmicrosoft.com';
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const CLIENT_SECRET = 'ms-client-secret~Imap7';
/** For putting mail into the mailbox (the test's own IMAP client); Mailroom never has it. */
const APPEND_PASSWORD = 'Append-Only-Password-3';
const missing = !haveDovecot();
if (missing && process.env.CI === 'true') throw new Error('CI=true but Dovecot (run as root) is not available');
if (missing) console.warn('[mailroom tests] Dovecot is not available (or not root): the inbound IMAP XOAUTH2 tests are SKIPPED');

const state = newOAuth2State({ tenant: TENANT, clients: new Map<string, string | null>([[CLIENT_ID, CLIENT_SECRET]]) });
let dir: string;
let cert: Cert;
let dovecot: DovecotInstance;
let idp: MockProvider & { tokenUrl: string; introspectionUrl: string };
beforeAll(async () => {
  if (missing) return;
  dir = tempDir('mailroom-inbound-oauth2-');
  cert = selfSignedCert(dir, 'imap.oauth.test');
  idp = await startOAuth2Server(state);
  dovecot = await startDovecot(cert, { 'reader-sqlite@example.com': APPEND_PASSWORD, 'reader-postgres@example.com': APPEND_PASSWORD }, { introspectionUrl: idp.introspectionUrl, caCertificate: idp.cert.cert, mechanisms: ['xoauth2'] });
}, 30_000);
afterAll(async () => {
  await dovecot?.stop();
  await idp?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Mailbox = { accountId: string; folder: string; state: string; lastError: string | null; failures: number };

await describeEachDialect('inbound mail over IMAP with XOAUTH2 (Dovecot oauth2 passdb)', (dialect) => {
  if (missing) return;
  const user = `reader-${dialect}@example.com`;
  let t: TestApp;
  let inbound: InboundWorker;
  let accountId: string;
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const subjects = async (): Promise<string[]> => ((await api('GET', '/messages?direction=in&limit=500')).json().items as { subject: string }[]).map((m) => m.subject);
  const mailbox = async (): Promise<Mailbox | undefined> => ((await api('GET', '/inbound/status')).json().mailboxes as Mailbox[]).find((m) => m.accountId === accountId);
  const put = async (subject: string) =>
    append(dovecot, user, APPEND_PASSWORD, 'INBOX', await composeReply({ from: 'Bea <bea@example.net>', to: user, subject, text: 'Hello', inReplyTo: `<nothing-${subject.replace(/\W/g, '')}@example.net>` }));
  const issuedFor = (u: string) => [...state.tokens.entries()].filter(([, v]) => v.user === u).map(([k]) => k);

  beforeAll(async () => {
    state.appUser = user;
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    const server = await api('POST', '/servers', {
      name: 'm365-like',
      smtp: { host: '127.0.0.1', port: 587, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: cert.cert } },
      imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' },
    });
    expect(server.statusCode).toBe(201);
    const account = await api('POST', '/accounts', {
      serverId: server.json().id,
      address: user,
      auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tokenUrl: idp.tokenUrl, caCertificate: idp.cert.cert },
      inbound: { folders: ['INBOX'], afterProcessing: 'flag' },
    });
    expect(account.statusCode, account.body).toBe(201);
    expect(account.json()).toMatchObject({ passwordSet: false, auth: { type: 'oauth2', clientSecretSet: true } });
    accountId = account.json().id;
    inbound = await t.app.startInbound({ pollMs: 300, refreshMs: 200, backoffBaseMs: 200, leaseMs: 10_000 });
  }, 60_000);
  afterAll(async () => t?.close());

  it('logs in with the access token Mailroom fetched (XOAUTH2, checked by the IMAP server) and stores the mail', async () => {
    const tokensBefore = state.requests.length;
    await put(`XOAUTH2 first ${dialect}`);
    await until('the message read through XOAUTH2', async () => (await subjects()).includes(`XOAUTH2 first ${dialect}`));
    expect(state.requests.slice(tokensBefore)).toContainEqual(expect.objectContaining({ grant_type: 'client_credentials', client_id: CLIENT_ID, scope: 'https://outlook.office365.com/.default' }));
    // Dovecot asked the authorization server about a token it issued for this mailbox, and was told it is valid.
    const mine = issuedFor(user);
    expect(state.introspections.some((i) => i.active && mine.includes(i.token))).toBe(true);
    // The round that stored it ends in `watching`; it never failed.
    expect(await until('the reader to watch again', async () => {
      const m = await mailbox();
      return m?.state !== 'syncing' && m;
    })).toMatchObject({ state: 'watching', lastError: null, failures: 0 });
  });

  it('a token revoked at the provider is replaced after the server refuses it: the reader logs in again without failing', async () => {
    await inbound.stop();
    const revoked = issuedFor(user);
    for (const k of revoked) state.tokens.delete(k);
    const before = { tokens: state.requests.length, introspections: state.introspections.length };
    await inbound.start();
    await put(`XOAUTH2 after revocation ${dialect}`);
    await until('the message read with a new token', async () => (await subjects()).includes(`XOAUTH2 after revocation ${dialect}`));
    const asked = state.introspections.slice(before.introspections);
    // The cached (revoked) token was refused first, then a new one accepted.
    expect(asked.find((i) => revoked.includes(i.token))).toMatchObject({ active: false });
    expect(asked.at(-1)).toMatchObject({ active: true });
    expect(revoked).not.toContain(asked.at(-1)!.token);
    expect(state.requests.length - before.tokens).toBe(1);
    // The round that stored it ends in `watching`; it never failed.
    expect(await until('the reader to watch again', async () => {
      const m = await mailbox();
      return m?.state !== 'syncing' && m;
    })).toMatchObject({ state: 'watching', lastError: null, failures: 0 });
  });

  it('a provider that refuses the client shows as a failing reader with the provider\'s answer', async () => {
    const acc = (await api('GET', `/accounts/${accountId}`)).json();
    const changed = await api('PATCH', `/accounts/${accountId}`, {
      version: acc.version,
      auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT_ID, clientSecret: 'wrong-secret', tokenUrl: idp.tokenUrl, caCertificate: idp.cert.cert },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    const failing = await until('the reader to fail', async () => {
      const m = await mailbox();
      return m?.state === 'failing' && m;
    });
    expect(failing.lastError).toMatch(/OAuth2 token for .*AADSTS7000215/);
    // Put right again: the reader recovers by itself.
    await api('PATCH', `/accounts/${accountId}`, {
      version: changed.json().version,
      auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tokenUrl: idp.tokenUrl, caCertificate: idp.cert.cert },
    });
    await put(`XOAUTH2 recovered ${dialect}`);
    await until('the reader to recover', async () => (await subjects()).includes(`XOAUTH2 recovered ${dialect}`));
  });

  it('no access token or client secret in the logs or the API', async () => {
    const api = JSON.stringify([(await t.request({ method: 'GET', url: `/api/v1/accounts/${accountId}` })).json(), (await t.request({ method: 'GET', url: '/api/v1/inbound/status' })).json()]);
    const logs = t.logLines.join('');
    for (const v of [CLIENT_SECRET, ...state.tokens.keys(), ...state.introspections.map((i) => i.token)]) {
      expect(logs.includes(v), `the log contains ${v.slice(0, 6)}…`).toBe(false);
      expect(api.includes(v), `the API contains ${v.slice(0, 6)}…`).toBe(false);
    }
  });
});
