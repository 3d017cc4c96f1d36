import https from 'node:https';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { newOAuth2State, startOAuth2Server } from '../helpers/oauth2-server.js';
import type { MockProvider } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Where "Connect" brings the browser back (GET /api/v1/oauth2/callback) and what it says: the
 * account's page with a reason of Mailroom's own in the address, and the whole message (the
 * provider's words cleaned up and bounded) in GET /accounts/:id/oauth2 `lastConnect`. The
 * provider's text never reaches a header. The way back completes without the session cookie
 * (SameSite=Strict stays behind on a navigation the provider's page starts) in the browser that
 * started it, and in no other.
 */
const TENANT = 'contoso.onmicrosoft.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const SECRET = 'ms-client-secret~Zx1';

describe('OAuth2 Connect: where the browser comes back, and what it is told', () => {
  let t: TestApp;
  let idp: MockProvider & { tokenUrl: string; authorizeUrl: string };
  let serverId = '';
  const clock = new ManualClock(Date.now());
  const state = newOAuth2State({ tenant: TENANT, clients: new Map([[CLIENT, SECRET]]), signedInUser: 'mailbox@example.com' });

  const ok = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
    const res = await t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return res.json() as any;
  };
  const account = async (address: string, auth: Record<string, unknown> = {}) =>
    ok('POST', 'accounts', { serverId, address, auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, tokenUrl: idp.tokenUrl, authorizeUrl: idp.authorizeUrl, caCertificate: idp.cert.cert, ...auth } });

  /** Connect pressed (by the test's API key, or as `as` says): the flow's state, and the cookie that binds it to this "browser". */
  const connect = async (accountId: string, as: { key?: string; headers?: Record<string, string> } = {}) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/accounts/${accountId}/oauth2/connect`, ...(as.headers ? { key: null, headers: as.headers } : as.key ? { key: as.key } : {}) });
    expect(res.statusCode, res.body).toBe(200);
    const cookie = res.cookies.find((c) => c.name.startsWith('mailroom_oauth2_'));
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api/v1/oauth2/callback', maxAge: 600 });
    const { authorizeUrl } = res.json() as { authorizeUrl: string };
    return { authorizeUrl, state: new URL(authorizeUrl).searchParams.get('state')!, cookies: { [cookie!.name]: cookie!.value } };
  };
  /** The provider's answer to the browser: where it sends it back (with a code). */
  const signIn = (authorizeUrl: string) =>
    new Promise<URL>((resolve, reject) => {
      https.get(authorizeUrl, { ca: idp.cert.cert }, (res) => {
        res.resume();
        resolve(new URL(String(res.headers.location)));
      }).on('error', reject);
    });
  /** The browser coming back, as a cross-site navigation brings it: no session, no API key; the flow's cookie if it has it. */
  const comeBack = (query: string, cookies: Record<string, string> = {}): Promise<LightMyRequestResponse> => t.request({ method: 'GET', url: `/api/v1/oauth2/callback?${query}`, key: null, cookies });
  const lastConnect = async (accountId: string) => (await ok('GET', `accounts/${accountId}/oauth2`)).lastConnect;

  beforeAll(async () => {
    idp = await startOAuth2Server(state);
    t = await startTestApp('sqlite', { clock });
    serverId = (await ok('POST', 'servers', { name: 'local', smtp: { host: '127.0.0.1', port: 2525, security: 'starttls' } })).id;
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  it('completes in the browser that pressed Connect, without the session cookie; not in another browser', async () => {
    const acc = await account('bound@example.com');
    const flow = await connect(acc.id);
    const back = await signIn(flow.authorizeUrl);
    const query = back.search.slice(1);
    const stranger = await comeBack(query);
    expect(stranger.statusCode).toBe(302);
    expect(stranger.headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=other_browser`);
    // The stranger neither spent the sign-in nor wrote what the account's page says.
    expect(await lastConnect(acc.id)).toBeNull();
    const done = await comeBack(query, flow.cookies);
    expect(done.headers.location).toBe(`/accounts/${acc.id}?oauth2=connected`);
    // The flow's cookie is spent with it.
    expect(done.cookies.find((c) => c.name in flow.cookies)).toMatchObject({ value: '', path: '/api/v1/oauth2/callback' });
    expect((await ok('GET', `accounts/${acc.id}`)).auth.refreshTokenSet).toBe(true);
    expect(await lastConnect(acc.id)).toMatchObject({ outcome: 'connected', reason: null, message: expect.stringMatching(/^Connected as mailbox@example\.com|^Connected/) });
    // The audit names who pressed Connect.
    const audit = await ok('GET', `audit?targetId=${acc.id}`);
    expect(audit.items.find((e: { action: string }) => e.action === 'account.oauth2_connected').actor).toMatch(/^apikey:/);
  });

  it('an unknown or forged sign-in lands on the Accounts list, signed in or not, never as an error page', async () => {
    for (const query of ['state=forged&code=x', 'code=x', 'state=a&state=b&code=x', 'state=%00%0d%0a&error=x%0d%0aSet-Cookie:%20a=b']) {
      const res = await comeBack(query);
      expect(res.statusCode, `${query}: ${res.body}`).toBe(302);
      expect(res.headers.location).toBe('/accounts?oauth2=failed&reason=unknown');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const signedIn = await t.request({ method: 'GET', url: '/api/v1/oauth2/callback?state=forged&code=x' });
    expect(signedIn.headers.location).toBe('/accounts?oauth2=failed&reason=unknown');
  });

  it('a sign-in that comes back after its ten minutes, or a second time, says which, on the account', async () => {
    const acc = await account('late@example.com');
    const late = await connect(acc.id);
    const back = await signIn(late.authorizeUrl);
    clock.advance(10 * 60_000 + 1);
    const expired = await comeBack(back.search.slice(1), late.cookies);
    expect(expired.headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=expired`);
    expect(await lastConnect(acc.id)).toMatchObject({ outcome: 'failed', reason: 'expired', message: 'The sign-in link expired after 10 minutes: press Connect with Microsoft again and finish signing in within 10 minutes.' });
    expect((await ok('GET', `accounts/${acc.id}`)).auth.refreshTokenSet).toBe(false);

    const twice = await connect(acc.id);
    const again = (await signIn(twice.authorizeUrl)).search.slice(1);
    expect((await comeBack(again, twice.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=connected`);
    const replay = await t.request({ method: 'GET', url: `/api/v1/oauth2/callback?${again}` });
    expect(replay.headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=used`);
    expect((await lastConnect(acc.id)).message).toMatch(/^This sign-in link was already used/);
  });

  it("a refusal by the provider: its words in lastConnect on one line, bounded, and only Mailroom's reason in the address", async () => {
    const acc = await account('refused@example.com');
    const flow = await connect(acc.id);
    const description = `AADSTS65004: User declined to consent to access the app.\r\nTrace ID: 0f1e\r\nCorrelation ID: 4b5a\u0000\t<script>alert(1)</script>\u202e\u2028${'x'.repeat(5000)}`;
    const res = await comeBack(new URLSearchParams({ error: 'access_denied', error_description: description, state: flow.state, session_state: 'abc' }).toString(), flow.cookies);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=access_denied`);
    const last = await lastConnect(acc.id);
    expect(last).toMatchObject({ outcome: 'failed', reason: 'access_denied', hint: expect.stringMatching(/accept the permissions.*press Connect/) });
    expect(last.message).toMatch(/^Microsoft refused the sign-in: access_denied: "AADSTS65004: User declined to consent to access the app\. Trace ID: 0f1e Correlation ID: 4b5a <script>alert\(1\)<\/script> x+…"$/);
    // eslint-disable-next-line no-control-regex -- control characters are what must not be there
    expect(last.message).not.toMatch(/[\u0000-\u001f\u007f\u202e\u2028]/);
    expect([...last.message].length).toBeLessThanOrEqual(400);
    // The refusal spent the sign-in.
    expect((await comeBack(`state=${flow.state}&code=late`, flow.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=used`);

    // An error name outside OAuth2's list stays out of the address too.
    const odd = await connect(acc.id);
    const weird = await comeBack(new URLSearchParams({ error: 'evil"><b>\r\nX-Injected: 1', state: odd.state }).toString(), odd.cookies);
    expect(weird.headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=provider_error`);
    expect(weird.headers['x-injected']).toBeUndefined();
    expect((await lastConnect(acc.id)).message).toBe('Microsoft refused the sign-in: evil"><b> X-Injected: 1');
  });

  it('no code, a code the token endpoint refuses, and an account changed meanwhile each say what to do', async () => {
    const acc = await account('exchange@example.com');
    const empty = await connect(acc.id);
    expect((await comeBack(`state=${empty.state}`, empty.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=no_code`);
    expect((await lastConnect(acc.id)).message).toBe('Microsoft sent the browser back without a sign-in code or an error: press Connect with Microsoft again.');

    const refused = await connect(acc.id);
    const res = await comeBack(`state=${refused.state}&code=code-never-issued`, refused.cookies);
    expect(res.headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=MAILROOM_E_SECRET_UNRESOLVED`);
    const last = await lastConnect(acc.id);
    expect(last.message).toMatch(/^Microsoft did not exchange the sign-in for a refresh token: .*answered 400: invalid_grant AADSTS70008/);
    expect(last.hint).toMatch(/connect the account again/);

    const changed = await connect(acc.id);
    const back = (await signIn(changed.authorizeUrl)).search.slice(1);
    const current = await ok('GET', `accounts/${acc.id}`);
    await ok('PATCH', `accounts/${acc.id}`, { version: current.version, fromName: 'Changed meanwhile' });
    expect((await comeBack(back, changed.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=MAILROOM_E_VERSION_CONFLICT`);
    expect((await lastConnect(acc.id)).message).toBe('The account was changed while you signed in, so the sign-in may be for other settings: nothing was stored. Press Connect with Microsoft again.');
  });

  it('stores nothing when whoever pressed Connect lost the admin permission before the browser came back', async () => {
    // A key: revoked between Connect and the way back.
    const acc = await account('revoked@example.com');
    const made = await ok('POST', 'api-keys', { name: 'connect-key', scopes: ['admin'] });
    const byKey = await connect(acc.id, { key: made.key });
    const keyBack = (await signIn(byKey.authorizeUrl)).search.slice(1);
    expect((await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${made.id}` })).statusCode).toBe(204);
    expect((await comeBack(keyBack, byKey.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=not_permitted`);
    expect((await lastConnect(acc.id)).message).toBe(
      `Nothing was stored: apikey:connect-key (${made.id}), who pressed Connect, may no longer change accounts (their role changed, they were disabled or deleted, or the key was revoked) since the sign-in began.`,
    );
    expect((await ok('GET', `accounts/${acc.id}`)).auth.refreshTokenSet).toBe(false);
    // The sign-in is spent: coming back again says so.
    expect((await comeBack(keyBack, byKey.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=used`);

    // A person: an admin in the UI, made a viewer meanwhile; made an admin again, a new Connect works.
    const user = await ok('POST', 'users', { email: 'second-admin@example.com', role: 'admin', password: 'a long enough password 1' });
    const session = await t.request({ method: 'POST', url: '/api/v1/session', key: null, payload: { email: 'second-admin@example.com', password: 'a long enough password 1' } });
    expect(session.statusCode, session.body).toBe(200);
    const cookie = String(([] as string[]).concat(session.headers['set-cookie'] as string[])[0]).split(';')[0];
    const headers = { cookie, 'x-csrf-token': (session.json() as { csrfToken: string }).csrfToken };
    const byUser = await connect(acc.id, { headers });
    const userBack = (await signIn(byUser.authorizeUrl)).search.slice(1);
    const demoted = await ok('PATCH', `users/${user.id}`, { version: user.version, role: 'viewer' });
    expect((await comeBack(userBack, byUser.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=not_permitted`);
    expect((await lastConnect(acc.id)).message).toMatch(/^Nothing was stored: user:second-admin@example\.com, who pressed Connect, may no longer change accounts/);
    expect((await ok('GET', `accounts/${acc.id}`)).auth.refreshTokenSet).toBe(false);

    await ok('PATCH', `users/${user.id}`, { version: demoted.version, role: 'admin' });
    const again = await connect(acc.id, { headers });
    expect((await comeBack((await signIn(again.authorizeUrl)).search.slice(1), again.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=connected`);
    expect((await ok('GET', `accounts/${acc.id}`)).auth.refreshTokenSet).toBe(true);
  });
});
