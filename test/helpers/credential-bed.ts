import { SMTPServer } from 'smtp-server';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { freePort, selfSignedCert, tempDir } from './diagnostics-peers.js';
import type { Dialect } from './dialects.js';
import { startOAuth2Server, validToken, type OAuth2State } from './oauth2-server.js';
import { startMockVault, type MockProvider, type VaultState } from './secret-provider-servers.js';
import { endSessions } from './smtp-sessions.js';
import { startTestApp, type TestApp } from './test-app.js';

/**
 * Where credentials are tried end to end: a Mailroom (delivery drained by hand), a local
 * OAuth2 server and Vault, and one STARTTLS SMTP peer that takes XOAUTH2 tokens the OAuth2
 * server issued and PLAIN logins from `passwords`, saved as one server in Mailroom.
 */
export interface CredentialBed {
  t: TestApp;
  dispatcher: Dispatcher;
  idp: MockProvider & { tokenUrl: string };
  vault: MockProvider;
  serverId: string;
  /** Ends the peer's sessions: the next message opens a connection and logs in again. */
  dropSessions(): Promise<void>;
  ok(method: 'GET' | 'POST' | 'PUT', url: string, payload?: object): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Sends one message from the account, drains the outbox, and returns the message. */
  sendFrom(accountId: string): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** A Vault provider reading with the token `hvs.t`. */
  vaultProvider(): Promise<{ id: string }>;
  close(): Promise<void>;
}

/** Vault state with one token, `hvs.t`, and the given KV v2 secrets. */
export function tokenVaultState(secrets: VaultState['secrets']): VaultState {
  return { secrets, tokens: new Map([['hvs.t', { ttl: 0, renewable: false }]]), approle: { roleId: 'r', secretId: 's', ttl: 60 }, logins: 0, renewals: 0 };
}

export async function startCredentialBed(dialect: Dialect, oauth: OAuth2State, vaultState: VaultState, passwords = new Map<string, string>()): Promise<CredentialBed> {
  const idp = await startOAuth2Server(oauth);
  const vault = await startMockVault(vaultState);
  const cert = selfSignedCert(tempDir('mailroom-credential-bed-'), 'smtp.credentials.test');
  const port = await freePort();
  const server = new SMTPServer({
    disableReverseLookup: true,
    logger: false,
    key: cert.key,
    cert: cert.cert,
    authMethods: ['PLAIN', 'XOAUTH2'],
    onAuth(auth, _s, cb) {
      const user = auth.username ?? '';
      if (auth.method === 'XOAUTH2' ? validToken(oauth, user, auth.accessToken ?? '') : passwords.get(user) === auth.password) return cb(null, { user });
      // RFC 7628: a refused token gets a JSON challenge, then 535.
      if (auth.method === 'XOAUTH2') return cb(null, { data: { status: '401', schemes: 'bearer' } });
      return cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, _s, cb) {
      stream.resume();
      stream.on('end', () => cb());
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const t = await startTestApp(dialect);
  const dispatcher = await t.app.startDelivery({ loop: false });
  const ok: CredentialBed['ok'] = async (method, url, payload) => {
    const res = await t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const serverId = (await ok('POST', 'servers', { name: 'peer', smtp: { host: '127.0.0.1', port, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: cert.cert }, connectTimeoutSec: 5, sendTimeoutSec: 5 } })).id;
  return {
    t,
    dispatcher,
    idp,
    vault,
    serverId,
    ok,
    dropSessions: () => endSessions(server),
    async sendFrom(accountId) {
      const { id } = await ok('POST', 'messages', { accountId, to: ['rcpt@example.net'], subject: 'x', text: 'x' });
      await dispatcher.drain();
      return ok('GET', `messages/${id}`);
    },
    vaultProvider: () => ok('POST', 'secret-providers', { name: 'Vault', kind: 'vault', config: { address: vault.url, caCertificate: vault.cert.cert }, credentials: { token: 'hvs.t' } }),
    async close() {
      await t.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await idp.stop();
      await vault.stop();
    },
  };
}
