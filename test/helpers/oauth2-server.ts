import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { serve, type MockProvider } from './secret-provider-servers.js';

/**
 * A local OAuth2 authorization server following RFC 6749 and RFC 7636 as Microsoft's identity
 * platform and Google's token endpoint apply them: the client-credentials, refresh-token and
 * authorization-code (with PKCE S256) grants at `/<tenant>/oauth2/v2.0/token`, an authorize
 * endpoint that signs the user in at once, and the tokens it issued, for an SMTP or IMAP peer to
 * validate the bearer token.
 */
export interface IssuedToken {
  user: string;
  clientId: string;
  scope: string;
  expiresAt: number;
}

export interface OAuth2State {
  tenant: string;
  /** client id → client secret (null: a public client). */
  clients: Map<string, string | null>;
  /** refresh token → the mailbox it signs in as. */
  refreshTokens: Map<string, { user: string; clientId: string }>;
  /** The mailbox a client-credentials token acts for (Microsoft: the app, granted on mailboxes). */
  appUser: string;
  /** The user the authorize endpoint signs in. */
  signedInUser: string;
  lifetimeSec: number;
  /** Issue a new refresh token with each refresh (Microsoft does). */
  rotateRefreshTokens: boolean;
  tokens: Map<string, IssuedToken>;
  requests: Record<string, string>[];
  /** Each token a mail server asked about at the introspection endpoint, and the answer. */
  introspections: { token: string; active: boolean }[];
  /** Authorization codes issued, with their PKCE challenge and redirect URI. */
  codes: Map<string, { clientId: string; challenge: string; redirectUri: string; scope: string }>;
  /**
   * How the authorize endpoint answers: `redirect` signs the user in at once (302 back with a
   * code); `page` shows a sign-in page whose button the user presses, so the way back is a
   * navigation the provider's page starts, as with a real sign-in; `refuse` sends the browser
   * back with `error` and `error_description` (the user declined, say).
   */
  signIn: { mode: 'redirect' } | { mode: 'page' } | { mode: 'refuse'; error: string; description?: string };
  /** The token endpoint's error_description quotes the request's client_secret, refresh_token and code. */
  echoCredentials?: boolean;
}

export function newOAuth2State(partial: Partial<OAuth2State> & Pick<OAuth2State, 'clients'>): OAuth2State {
  return {
    tenant: 'contoso.onmicrosoft.com',
    refreshTokens: new Map(),
    appUser: 'app@example.com',
    signedInUser: 'user@example.com',
    lifetimeSec: 3599,
    rotateRefreshTokens: false,
    tokens: new Map(),
    requests: [],
    introspections: [],
    codes: new Map(),
    signIn: { mode: 'redirect' },
    ...partial,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** True when `token` is a bearer token this server issued for `user` and it has not expired. */
export function validToken(state: OAuth2State, user: string, token: string): boolean {
  const t = state.tokens.get(token);
  return Boolean(t && t.user === user && t.expiresAt > Date.now());
}

export async function startOAuth2Server(state: OAuth2State): Promise<MockProvider & { tokenUrl: string; authorizeUrl: string; introspectionUrl: string }> {
  const issue = (res: ServerResponse, user: string, clientId: string, scope: string, refresh: boolean) => {
    const access = `at-${randomBytes(12).toString('hex')}`;
    state.tokens.set(access, { user, clientId, scope, expiresAt: Date.now() + state.lifetimeSec * 1000 });
    let refreshToken: string | undefined;
    if (refresh) {
      refreshToken = `rt-${randomBytes(12).toString('hex')}`;
      state.refreshTokens.set(refreshToken, { user, clientId });
    }
    return json(res, 200, { token_type: 'Bearer', scope, expires_in: state.lifetimeSec, ext_expires_in: state.lifetimeSec, access_token: access, ...(refreshToken ? { refresh_token: refreshToken } : {}) });
  };
  const m = await serve((req, res) => {
    const u = new URL(req.path, 'https://login.test');
    if (req.method === 'GET' && u.pathname === `/${state.tenant}/oauth2/v2.0/authorize`) {
      // Signs the user in at once and sends the browser back with a code (the consent screen is the provider's).
      const q = u.searchParams;
      if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return json(res, 400, { error: 'invalid_request' });
      if (!state.clients.has(q.get('client_id') ?? '')) return json(res, 400, { error: 'unauthorized_client' });
      const back = new URL(q.get('redirect_uri')!);
      if (state.signIn.mode === 'refuse') {
        back.searchParams.set('error', state.signIn.error);
        if (state.signIn.description !== undefined) back.searchParams.set('error_description', state.signIn.description);
      } else {
        const code = `code-${randomBytes(8).toString('hex')}`;
        state.codes.set(code, { clientId: q.get('client_id')!, challenge: q.get('code_challenge')!, redirectUri: q.get('redirect_uri')!, scope: q.get('scope') ?? '' });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', q.get('state') ?? '');
      if (state.signIn.mode === 'page') {
        // The provider's own page: the way back starts from it (a cross-site navigation to Mailroom).
        const href = back.toString().replace(/&/g, '&amp;').replace(/"/g, '&quot;');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        return void res.end(`<!doctype html><title>Sign in</title><h1>Sign in to the test provider</h1><p>As ${state.signedInUser}</p><a id="sign-in" href="${href}">Sign in</a>`);
      }
      res.writeHead(302, { location: back.toString() });
      return void res.end();
    }
    if (req.method === 'POST' && u.pathname === '/introspect') {
      // RFC 7662 token introspection, as an IMAP server (Dovecot's oauth2 passdb) asks it.
      const token = new URLSearchParams(req.body).get('token') ?? '';
      const t = state.tokens.get(token);
      const active = !!t && t.expiresAt > Date.now();
      state.introspections.push({ token, active });
      return json(res, 200, active ? { active: 'true', username: t.user, scope: t.scope } : { active: 'false' });
    }
    if (req.method !== 'POST' || u.pathname !== `/${state.tenant}/oauth2/v2.0/token`) return json(res, 404, { error: 'not_found' });
    const form = Object.fromEntries(new URLSearchParams(req.body));
    state.requests.push(form);
    const quoted = state.echoCredentials ? ` Request: client_secret=${form.client_secret ?? ''} refresh_token=${form.refresh_token ?? ''} code=${form.code ?? ''}` : '';
    const refuse = (r: ServerResponse, status: number, body: Record<string, unknown>) => json(r, status, quoted ? { ...body, error_description: `${String(body.error_description ?? '')}${quoted}` } : body);
    const clientId = form.client_id ?? '';
    if (!state.clients.has(clientId)) return refuse(res, 400, { error: 'unauthorized_client', error_description: `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${state.tenant}'.` });
    const secret = state.clients.get(clientId);
    if (secret !== null && form.client_secret !== secret) return refuse(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    switch (form.grant_type) {
      case 'client_credentials':
        if (!form.scope?.endsWith('/.default')) return refuse(res, 400, { error: 'invalid_scope', error_description: 'AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed.' });
        return issue(res, state.appUser, clientId, form.scope, false);
      case 'refresh_token': {
        const r = state.refreshTokens.get(form.refresh_token ?? '');
        if (!r || r.clientId !== clientId) return refuse(res, 400, { error: 'invalid_grant', error_description: 'AADSTS70000: The provided grant has expired or been revoked.' });
        if (state.rotateRefreshTokens) state.refreshTokens.delete(form.refresh_token!);
        return issue(res, r.user, clientId, form.scope ?? '', state.rotateRefreshTokens);
      }
      case 'authorization_code': {
        const c = state.codes.get(form.code ?? '');
        state.codes.delete(form.code ?? '');
        if (!c || c.clientId !== clientId || c.redirectUri !== form.redirect_uri) return refuse(res, 400, { error: 'invalid_grant', error_description: 'AADSTS70008: The provided authorization code or refresh token has expired.' });
        const verifier = createHash('sha256').update(form.code_verifier ?? '').digest('base64url');
        if (verifier !== c.challenge) return refuse(res, 400, { error: 'invalid_grant', error_description: 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.' });
        return issue(res, state.signedInUser, clientId, c.scope, true);
      }
      default:
        return refuse(res, 400, { error: 'unsupported_grant_type' });
    }
  });
  // The same object (its `down` flag is what the server reads), with the endpoints' URLs.
  return Object.assign(m, { tokenUrl: `${m.url}/${state.tenant}/oauth2/v2.0/token`, authorizeUrl: `${m.url}/${state.tenant}/oauth2/v2.0/authorize`, introspectionUrl: `${m.url}/introspect` });
}
