import https from 'node:https';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailroomError } from '../../src/core/kernel/errors.js';
import { providerAgent } from '../../src/secrets/providers/http.js';
import { clientCredentialsToken } from '../../src/secrets/oauth2/token-endpoint.js';
import { newOAuth2State, startOAuth2Server } from '../helpers/oauth2-server.js';
import { serve, type MockProvider } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A token endpoint's answer that is no token says what was wrong with it: a page instead of
 * OAuth2's JSON (quoted, short, with the request's secrets hidden), or JSON without an
 * access_token; and invalid_grant during Connect's code exchange is about the code, not a
 * revoked refresh token.
 */
const CLIENT_SECRET = 'Client-Secret-Quoted-By-The-Page-7';
const PAGE = `<!DOCTYPE html><html><head><title>500 Internal Server Error</title><style>body{font:1em sans-serif}</style></head><body><h1>Internal Server Error</h1><p>upstream failed for client_secret=${CLIENT_SECRET}</p></body></html>`;

function answer(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

describe('a token endpoint that answers without a token', () => {
  let peer: MockProvider;
  beforeAll(async () => {
    peer = await serve((req, res) => {
      if (req.path.startsWith('/html-500/')) return answer(res, 500, 'text/html; charset=utf-8', PAGE);
      if (req.path.startsWith('/html-200/')) return answer(res, 200, 'text/html', '<html><title>Sign in to your account</title><body>Sign in</body></html>');
      if (req.path.startsWith('/no-token/')) return answer(res, 200, 'application/json', JSON.stringify({ token_type: 'Bearer', expires_in: 3599 }));
      return answer(res, 404, 'application/json', '{}');
    });
  });
  afterAll(async () => peer?.stop());

  const fetchToken = async (path: string): Promise<MailroomError> => {
    const agent = providerAgent({ caCertificate: peer.cert.cert, timeoutSec: 5 });
    try {
      const source = clientCredentialsToken({ agent, tokenUrl: `${peer.url}${path}`, clientId: 'client-1', clientSecret: CLIENT_SECRET, scope: 'https://vault.azure.net/.default', timeoutSec: 5, what: 'the token endpoint' });
      const err = await source.get('vault:kv/smtp').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(MailroomError);
      return err as MailroomError;
    } finally {
      await agent.close();
    }
  };
  const hintOf = (err: MailroomError) => (err.details as { hint?: string }).hint ?? '';

  it('an HTML 500: "not JSON", a short excerpt of the page without its markup or the client secret', async () => {
    const err = await fetchToken('/html-500/token');
    expect(err.message).toMatch(/the token endpoint answered 500 with text\/html, not JSON: "500 Internal Server Error Internal Server Error upstream failed/);
    expect(err.message).not.toContain(CLIENT_SECRET);
    expect(err.message).not.toMatch(/<h1>|font:1em/);
    expect(hintOf(err)).not.toBe('The token endpoint refused the request.');
    expect(hintOf(err)).toMatch(/failed on its side/);
  });

  it('a 200 page (a sign-in page, say): the token URL points elsewhere', async () => {
    const err = await fetchToken('/html-200/token');
    expect(err.message).toMatch(/answered 200 with text\/html, not JSON: "Sign in to your account Sign in"/);
    expect(hintOf(err)).toMatch(/token URL/);
    expect(hintOf(err)).not.toBe('The token endpoint refused the request.');
  });

  it('a 200 JSON without access_token: says so, and which fields it had', async () => {
    const err = await fetchToken('/no-token/token');
    expect(err.message).toMatch(/answered 200 without an access_token \(the answer has: token_type, expires_in\)/);
    expect(hintOf(err)).toMatch(/token URL/);
    expect(hintOf(err)).not.toBe('The token endpoint refused the request.');
  });
});

describe("Connect's code exchange", () => {
  const TENANT = 'contoso.onmicrosoft.com';
  const CLIENT = '11111111-2222-3333-4444-555555555555';
  let t: TestApp;
  let idp: MockProvider & { tokenUrl: string; authorizeUrl: string };
  let broken: MockProvider;
  let serverId = '';
  const state = newOAuth2State({ tenant: TENANT, clients: new Map([[CLIENT, CLIENT_SECRET]]), signedInUser: 'mailbox@example.com' });

  const ok = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return res.json() as any;
  };
  /** Connect pressed, the provider signs in (a code), and the browser comes back: what the account's page then says. */
  const connectAndComeBack = async (accountId: string, tamper: (query: URLSearchParams) => void = () => undefined) => {
    const started = await t.request({ method: 'POST', url: `/api/v1/accounts/${accountId}/oauth2/connect` });
    expect(started.statusCode, started.body).toBe(200);
    const cookie = started.cookies.find((c) => c.name.startsWith('mailroom_oauth2_'))!;
    const back = await new Promise<URL>((resolve, reject) => {
      https.get((started.json() as { authorizeUrl: string }).authorizeUrl, { ca: idp.cert.cert }, (res) => {
        res.resume();
        resolve(new URL(String(res.headers.location)));
      }).on('error', reject);
    });
    const query = new URLSearchParams(back.search);
    tamper(query);
    await t.request({ method: 'GET', url: `/api/v1/oauth2/callback?${query.toString()}`, key: null, cookies: { [cookie.name]: cookie.value } });
    return (await ok('GET', `accounts/${accountId}/oauth2`)).lastConnect as { outcome: string; message: string; hint?: string };
  };

  beforeAll(async () => {
    idp = await startOAuth2Server(state);
    broken = await serve((_req, res) => answer(res, 500, 'text/html', PAGE));
    t = await startTestApp('sqlite');
    serverId = (await ok('POST', 'servers', { name: 'local', smtp: { host: '127.0.0.1', port: 2525, security: 'starttls' } })).id;
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
    await broken?.stop();
  });

  it('invalid_grant for a code already used: the code (used, expired, redirect URI), not a revoked refresh token', async () => {
    const acc = await ok('POST', 'accounts', { serverId, address: 'reused@example.com', auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT, clientSecret: CLIENT_SECRET, tokenUrl: idp.tokenUrl, authorizeUrl: idp.authorizeUrl, caCertificate: idp.cert.cert } });
    // The code is spent at the provider before Mailroom exchanges it (a second tab, a reload, a proxy that prefetched it).
    const last = await connectAndComeBack(acc.id, (q) => state.codes.delete(q.get('code') ?? ''));
    expect(last.outcome).toBe('failed');
    expect(last.message).toMatch(/answered 400: invalid_grant AADSTS70008/);
    expect(last.hint).toBeDefined();
    expect(last.hint).not.toMatch(/refresh token was revoked/);
    expect(last.hint).toMatch(/authorization code/);
    expect(last.hint).toMatch(/already used/);
    expect(last.hint).toMatch(/expired/);
    expect(last.hint).toMatch(/redirect URI/);
  });

  it('an HTML 500 instead of a token: "not JSON" with the excerpt, not "no refresh token" nor "refused the request"', async () => {
    const acc = await ok('POST', 'accounts', { serverId, address: 'broken@example.com', auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT, clientSecret: CLIENT_SECRET, tokenUrl: `${broken.url}/token`, authorizeUrl: idp.authorizeUrl, caCertificate: broken.cert.cert } });
    const last = await connectAndComeBack(acc.id);
    expect(last.outcome).toBe('failed');
    expect(last.message).toMatch(/answered 500 with text\/html, not JSON: "500 Internal Server Error/);
    expect(last.message).not.toContain(CLIENT_SECRET);
    expect(last.hint).not.toMatch(/refused the request|offline_access/);
    expect(last.hint).toMatch(/failed on its side/);
  });
});
