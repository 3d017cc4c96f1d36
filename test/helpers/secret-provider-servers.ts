import { execFileSync } from 'node:child_process';
import { X509Certificate as X509 } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';
import { freePort } from './ports.js';
import { tempDir } from './diagnostics-peers.js';

/**
 * Local HTTPS servers that speak the documented REST protocols of the secret stores Mailroom
 * reads (they cannot run here): HashiCorp Vault KV v2 with token and AppRole auth, the
 * Microsoft identity platform's token endpoint with Azure Key Vault, and CyberArk's Central
 * Credential Provider requiring a client certificate. Each records its requests and can be
 * taken "down" (connections reset) to test stale-if-error.
 */
export interface Pem {
  cert: string;
  key: string;
}

/** A self-signed certificate for 127.0.0.1 (the provider's caCertificate trusts it). */
export function loopbackCert(cn = 'provider.test'): Pem {
  const dir = tempDir('mailroom-provider-cert-');
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface MockProvider {
  url: string;
  port: number;
  cert: Pem;
  requests: RecordedRequest[];
  /** While true, every connection is reset (the provider is down). */
  down: boolean;
  stop(): Promise<void>;
}

export type Handler = (req: RecordedRequest, res: ServerResponse, socket: TLSSocket) => void;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** An HTTPS server on a free loopback port with a fresh certificate, recording requests, that can be taken down. */
export async function serve(handler: Handler, tls: { requestCert?: boolean; ca?: string } = {}): Promise<MockProvider> {
  const cert = loopbackCert();
  const port = await freePort();
  const m: MockProvider = { url: `https://127.0.0.1:${port}`, port, cert, requests: [], down: false, stop: async () => undefined };
  const server = https.createServer({ cert: cert.cert, key: cert.key, ...(tls.requestCert ? { requestCert: true, rejectUnauthorized: false, ca: tls.ca } : {}) }, (req, res) => {
    if (m.down) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      m.requests.push(r);
      handler(r, res, req.socket as TLSSocket);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  m.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return m;
}

export interface VaultState {
  /** KV v2 secrets: path → versions (the last is current), each a map of fields. */
  secrets: Map<string, Record<string, string>[]>;
  /** Tokens Vault accepts, with their remaining TTL in seconds (0: none) and whether renewable. */
  tokens: Map<string, { ttl: number; renewable: boolean }>;
  approle: { roleId: string; secretId: string; ttl: number };
  logins: number;
  renewals: number;
  /**
   * Answer as a Vault whose error text quotes what it was sent: a read or listing is refused
   * with 403 "permission denied: token <X-Vault-Token> has no policy", a refused AppRole login
   * quotes the role and secret ids (for tests that such words never reach the admin).
   */
  echoCredentials?: boolean;
}

/** HashiCorp Vault: KV v2 at mount "secret", AppRole at "approle", token lookup-self and renew-self. */
export async function startMockVault(state: VaultState): Promise<MockProvider> {
  let issued = 0;
  return serve((req, res) => {
    const token = String(req.headers['x-vault-token'] ?? '');
    const url = new URL(req.path, 'https://vault');
    if (req.method === 'POST' && url.pathname === '/v1/auth/approle/login') {
      const body = JSON.parse(req.body || '{}') as { role_id?: string; secret_id?: string };
      if (body.role_id !== state.approle.roleId || body.secret_id !== state.approle.secretId) {
        return json(res, 400, { errors: [state.echoCredentials ? `invalid role ID ${body.role_id} or secret ID ${body.secret_id}` : 'invalid role or secret ID'] });
      }
      state.logins++;
      const client = `hvs.approle-${++issued}`;
      state.tokens.set(client, { ttl: state.approle.ttl, renewable: true });
      return json(res, 200, { auth: { client_token: client, lease_duration: state.approle.ttl, renewable: true, policies: ['smtp'] } });
    }
    const known = state.tokens.get(token);
    if (!known) return json(res, 403, { errors: ['permission denied'] });
    if (req.method === 'GET' && url.pathname === '/v1/auth/token/lookup-self') return json(res, 200, { data: { ttl: known.ttl, renewable: known.renewable } });
    if (req.method === 'POST' && url.pathname === '/v1/auth/token/renew-self') {
      state.renewals++;
      return json(res, 200, { auth: { client_token: token, lease_duration: known.ttl, renewable: known.renewable } });
    }
    if (state.echoCredentials && /^\/v1\/secret\/(data|metadata)\//.test(url.pathname)) return json(res, 403, { errors: [`1 error occurred:\n\t* permission denied: token ${token} has no policy for ${url.pathname}\n\n`] });
    const data = /^\/v1\/secret\/data\/(.+)$/.exec(url.pathname);
    if (req.method === 'GET' && data) {
      const versions = state.secrets.get(decodeURIComponent(data[1]!));
      if (!versions) return json(res, 404, { errors: [] });
      const v = Number(url.searchParams.get('version') ?? versions.length);
      return json(res, 200, { data: { data: versions[v - 1], metadata: { version: v, created_time: new Date().toISOString(), destroyed: false } } });
    }
    const meta = /^\/v1\/secret\/metadata\/(.*)$/.exec(url.pathname);
    if (req.method === 'GET' && meta && url.searchParams.get('list') === 'true') {
      const prefix = decodeURIComponent(meta[1]!);
      const keys = new Set<string>();
      for (const p of state.secrets.keys()) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length);
        keys.add(rest.includes('/') ? rest.slice(0, rest.indexOf('/') + 1) : rest);
      }
      return keys.size ? json(res, 200, { data: { keys: [...keys].sort() } }) : json(res, 404, { errors: [] });
    }
    return json(res, 404, { errors: [] });
  });
}

export interface AzureState {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** name → versions (id, value), the last is current. */
  secrets: Map<string, { version: string; value: string }[]>;
  tokensIssued: number;
  tokenLifetimeSec: number;
  /**
   * Answer with error text that quotes what was sent: a refused client secret is named in
   * error_description, and Key Vault refuses every secret read with 403 quoting the bearer token.
   */
  echoCredentials?: boolean;
}

/** The Microsoft identity platform's v2.0 token endpoint and Key Vault's secrets API (7.x), on one host. */
export async function startMockAzure(state: AzureState): Promise<MockProvider> {
  const valid = new Set<string>();
  const m: MockProvider = await serve((req, res) => {
    const url = new URL(req.path, m.url);
    if (req.method === 'POST' && url.pathname === `/${state.tenantId}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(req.body);
      if (form.get('grant_type') !== 'client_credentials') return json(res, 400, { error: 'unsupported_grant_type', error_description: 'AADSTS70003' });
      if (form.get('client_id') !== state.clientId) return json(res, 400, { error: 'unauthorized_client', error_description: `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.` });
      if (form.get('client_secret') !== state.clientSecret) {
        return json(res, 401, { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided${state.echoCredentials ? ` (client_secret=${form.get('client_secret')})` : ''}.` });
      }
      if (form.get('scope') !== 'https://vault.azure.net/.default') return json(res, 400, { error: 'invalid_scope', error_description: 'AADSTS70011' });
      const token = `eyJ0eXAi.kv-${++state.tokensIssued}`;
      valid.add(token);
      return json(res, 200, { token_type: 'Bearer', expires_in: state.tokenLifetimeSec, ext_expires_in: state.tokenLifetimeSec, access_token: token });
    }
    if (url.searchParams.get('api-version') !== '7.4') return json(res, 400, { error: { code: 'BadParameter', message: 'The api-version is missing or unsupported' } });
    const auth = String(req.headers.authorization ?? '');
    if (!auth.startsWith('Bearer ') || !valid.has(auth.slice(7))) return json(res, 401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } });
    if (state.echoCredentials) return json(res, 403, { error: { code: 'Forbidden', message: `Caller is not authorized to perform action on resource. Token: ${auth.slice(7)}`, innererror: { code: 'ForbiddenByPolicy' } } });
    if (req.method === 'GET' && url.pathname === '/secrets') {
      return json(res, 200, { value: [...state.secrets.keys()].map((n) => ({ id: `${m.url}/secrets/${n}`, attributes: { enabled: true } })), nextLink: null });
    }
    const one = /^\/secrets\/([A-Za-z0-9-]+)(?:\/([A-Za-z0-9]+))?$/.exec(url.pathname);
    if (req.method === 'GET' && one) {
      const versions = state.secrets.get(one[1]!);
      const found = versions && (one[2] ? versions.find((v) => v.version === one[2]) : versions[versions.length - 1]);
      if (!found) return json(res, 404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${one[1]}${one[2] ? `/${one[2]}` : ''} was not found in this key vault.` } });
      return json(res, 200, { value: found.value, id: `${m.url}/secrets/${one[1]}/${found.version}`, attributes: { enabled: true, recoveryLevel: 'Recoverable+Purgeable' } });
    }
    return json(res, 404, { error: { code: 'NotFound', message: 'not found' } });
  });
  return m;
}

export interface CyberArkState {
  appId: string;
  /** "<safe>/<object>" → password. */
  accounts: Map<string, string>;
  /** Refuse every authenticated request with this 403 ErrorMsg (e.g. one quoting a credential). */
  refusal?: string;
}

/** CyberArk CCP: GET /AIMWebService/api/Accounts?AppID&Safe&Object, only with the registered client certificate. */
export async function startMockCyberArk(state: CyberArkState, client: Pem): Promise<MockProvider> {
  const registered = new X509(client.cert);
  return serve(
    (req, res, socket) => {
      const peer = socket.getPeerCertificate();
      if (!peer || !peer.fingerprint256 || peer.fingerprint256 !== registered.fingerprint256) {
        return json(res, 403, { ErrorCode: 'APPAP282E', ErrorMsg: 'Provider failed to authenticate the application: the client certificate is missing or not registered.' });
      }
      if (state.refusal !== undefined) return json(res, 403, { ErrorCode: 'APPAP282E', ErrorMsg: state.refusal });
      const url = new URL(req.path, 'https://ccp');
      if (req.method !== 'GET' || url.pathname !== '/AIMWebService/api/Accounts') return json(res, 404, { ErrorCode: 'APPAP001E', ErrorMsg: 'not found' });
      if (url.searchParams.get('AppID') !== state.appId) return json(res, 403, { ErrorCode: 'APPAP227E', ErrorMsg: `Too many failed authentications for AppID [${url.searchParams.get('AppID')}]` });
      const key = `${url.searchParams.get('Safe')}/${url.searchParams.get('Object')}`;
      const pw = state.accounts.get(key);
      if (pw === undefined) return json(res, 404, { ErrorCode: 'APPAP004E', ErrorMsg: `Password object matching query [Safe=${url.searchParams.get('Safe')};Object=${url.searchParams.get('Object')}] was not found (Diagnostic Info: 5).` });
      return json(res, 200, { Content: pw, UserName: 'smtp-user', Address: 'smtp.example.com', Safe: url.searchParams.get('Safe'), Name: url.searchParams.get('Object'), PasswordChangeInProcess: 'False' });
    },
    { requestCert: true, ca: client.cert },
  );
}
