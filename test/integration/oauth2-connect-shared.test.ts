import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { newOAuth2State, startOAuth2Server } from '../helpers/oauth2-server.js';
import type { MockProvider } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * "Connect" sign-ins and their last outcome live in the database, shared by every process on it:
 * a sign-in started through one Mailroom finishes through another on the same PostgreSQL (the
 * load balancer sends the browser back wherever it likes), or through the same one restarted;
 * two ways back with one state, at the same moment, exchange the code once. The database holds
 * neither the state, nor the browser's key, nor the PKCE verifier in clear. SQLite has one
 * process per file: there, "another process" is the same one restarted, and the concurrent
 * ways back are two requests to it.
 */
const TENANT = 'contoso.onmicrosoft.com';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const SECRET = 'ms-client-secret~Zx1';
const MINUTE = 60_000;

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

await describeEachDialect('OAuth2 Connect: sign-ins shared through the store', (dialect) => {
  let a: TestApp;
  /** A second process on a's database (PostgreSQL); on SQLite, a itself. */
  let b: TestApp;
  let idp: MockProvider & { tokenUrl: string; authorizeUrl: string };
  let serverId = '';
  const clock = new ManualClock(Date.now());
  const provider = newOAuth2State({ tenant: TENANT, clients: new Map([[CLIENT, SECRET]]), signedInUser: 'mailbox@example.com' });

  const ok = async (t: TestApp, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object): Promise<Json> => {
    const res = await t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const account = async (address: string) =>
    ok(a, 'POST', 'accounts', { serverId, address, auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, tokenUrl: idp.tokenUrl, authorizeUrl: idp.authorizeUrl, caCertificate: idp.cert.cert } });
  /** Connect pressed on `t`: the state, the browser's key (its cookie) and the authorize URL. */
  const connect = async (t: TestApp, accountId: string, key?: string) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/accounts/${accountId}/oauth2/connect`, ...(key ? { key } : {}) });
    expect(res.statusCode, res.body).toBe(200);
    const cookie = res.cookies.find((c) => c.name.startsWith('mailroom_oauth2_'))!;
    const { authorizeUrl } = res.json() as { authorizeUrl: string };
    return { authorizeUrl, state: new URL(authorizeUrl).searchParams.get('state')!, browserKey: cookie.value, cookies: { [cookie.name]: cookie.value } };
  };
  /** The provider signs the user in and sends the browser back: the callback's query (with the code). */
  const signIn = (authorizeUrl: string) =>
    new Promise<string>((resolve, reject) => {
      https
        .get(authorizeUrl, { ca: idp.cert.cert }, (res) => {
          res.resume();
          resolve(new URL(String(res.headers.location)).search.slice(1));
        })
        .on('error', reject);
    });
  /** The browser coming back to `t`, as a cross-site navigation: no session, no key; the sign-in's cookie if it has it. */
  const comeBack = (t: TestApp, query: string, cookies: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    t.request({ method: 'GET', url: `/api/v1/oauth2/callback?${query}`, key: null, cookies });
  const lastConnect = async (t: TestApp, accountId: string) => (await ok(t, 'GET', `accounts/${accountId}/oauth2`)).lastConnect;
  const codeExchanges = (code: string) => provider.requests.filter((r) => r.grant_type === 'authorization_code' && r.code === code).length;
  const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
  const signInRow = async (state: string) => (await a.app.infra.db.selectFrom('oauth2_sign_ins').selectAll().where('state_hash', '=', sha256(state)).executeTakeFirst()) ?? null;
  const secretExists = async (id: string) => (await a.app.infra.db.selectFrom('secrets').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;

  beforeAll(async () => {
    idp = await startOAuth2Server(provider);
    // One master key for both, as processes sharing a database must have.
    const env = { MAILROOM_SECRET_KEY: randomBytes(32).toString('base64') };
    a = await startTestApp(dialect, { env, clock });
    b = dialect === 'postgres' ? await startTestApp('postgres', { env, clock, databaseUrl: () => a.databaseUrl! }) : a;
    serverId = (await ok(a, 'POST', 'servers', { name: 'local', smtp: { host: '127.0.0.1', port: 2525, security: 'starttls' } })).id;
  });
  afterAll(async () => {
    if (b !== a) await b?.close();
    await a?.close(); // drops the shared database
    await idp?.stop();
  });

  it.runIf(dialect === 'postgres')('a sign-in started on one process finishes on another, which stores the token; both show the outcome and the audit names who pressed Connect', async () => {
    const acc = await account('across@example.com');
    const key = await ok(a, 'POST', 'api-keys', { name: 'connect-on-a', scopes: ['admin'] });
    const flow = await connect(a, acc.id, key.key);
    const query = await signIn(flow.authorizeUrl);
    const done = await comeBack(b, query, flow.cookies);
    expect(done.statusCode).toBe(302);
    expect(done.headers.location).toBe(`/accounts/${acc.id}?oauth2=connected`);
    // The refresh token is stored; the first process sees the change within its configuration cache's second.
    expect((await ok(b, 'GET', `accounts/${acc.id}`)).auth.refreshTokenSet).toBe(true);
    await expect.poll(async () => (await ok(a, 'GET', `accounts/${acc.id}`)).auth.refreshTokenSet, { timeout: 3000 }).toBe(true);
    for (const t of [a, b]) expect(await lastConnect(t, acc.id)).toMatchObject({ outcome: 'connected', reason: null, message: expect.stringMatching(/^Connected/) });
    const audit = await ok(b, 'GET', `audit?targetId=${acc.id}`);
    expect(audit.items.find((e: { action: string }) => e.action === 'account.oauth2_connected').actor).toBe(`apikey:connect-on-a (${key.id})`);
    // The way back again, to the first process: used.
    expect((await comeBack(a, query, flow.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=used`);
    expect((await lastConnect(b, acc.id)).reason).toBe('used');
  });

  it('a sign-in survives a restart of the process that started it', async () => {
    const acc = await account('restart@example.com');
    const flow = await connect(a, acc.id);
    const query = await signIn(flow.authorizeUrl);
    await a.restart();
    if (dialect === 'sqlite') b = a;
    expect((await comeBack(a, query, flow.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=connected`);
    expect((await ok(a, 'GET', `accounts/${acc.id}`)).auth.refreshTokenSet).toBe(true);
    // The outcome survives the next restart too.
    await a.restart();
    if (dialect === 'sqlite') b = a;
    expect(await lastConnect(a, acc.id)).toMatchObject({ outcome: 'connected', at: expect.any(String) });
  });

  it('two ways back with the same state at the same moment: one connects, the other is told it was used; the code is exchanged once', async () => {
    const acc = await account('race@example.com');
    for (let round = 0; round < 4; round++) {
      const flow = await connect(a, acc.id);
      const query = await signIn(flow.authorizeUrl);
      const code = new URLSearchParams(query).get('code')!;
      const answers = await Promise.all([comeBack(a, query, flow.cookies), comeBack(b, query, flow.cookies)]);
      expect(answers.map((r) => r.headers.location).sort(), `round ${round}`).toEqual([`/accounts/${acc.id}?oauth2=connected`, `/accounts/${acc.id}?oauth2=failed&reason=used`]);
      expect(codeExchanges(code), `round ${round}`).toBe(1);
      // Spent, and its verifier gone with it.
      const row = await signInRow(flow.state);
      expect(row).toMatchObject({ spent_at: clock.now(), verifier_secret_id: null });
    }
  });

  it('expired, other_browser, unknown and not_permitted still hold, whichever process the browser comes back to', async () => {
    const acc = await account('reasons@example.com');
    // other_browser: neither spends the sign-in nor writes what the page says; the right browser then connects.
    const flow = await connect(a, acc.id);
    const query = await signIn(flow.authorizeUrl);
    expect((await comeBack(b, query)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=other_browser`);
    expect((await comeBack(b, query, { [Object.keys(flow.cookies)[0]]: 'another-browsers-key' })).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=other_browser`);
    expect(await lastConnect(a, acc.id)).toBeNull();
    expect((await comeBack(b, query, flow.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=connected`);

    // unknown: a state no process started.
    expect((await comeBack(b, 'state=forged&code=x')).headers.location).toBe('/accounts?oauth2=failed&reason=unknown');

    // not_permitted: the key that pressed Connect on a is revoked through b before the way back.
    const key = await ok(a, 'POST', 'api-keys', { name: 'revoked-meanwhile', scopes: ['admin'] });
    const byKey = await connect(a, acc.id, key.key);
    const keyBack = await signIn(byKey.authorizeUrl);
    expect((await b.request({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}` })).statusCode).toBe(204);
    expect((await comeBack(b, keyBack, byKey.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=not_permitted`);
    expect((await comeBack(a, keyBack, byKey.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=used`);

    // expired: after ten minutes, on the other process; its verifier is deleted at the next Connect.
    const late = await connect(a, acc.id);
    const lateBack = await signIn(late.authorizeUrl);
    clock.advance(10 * MINUTE + 1);
    expect((await comeBack(b, lateBack, late.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=expired`);
    expect(await lastConnect(a, acc.id)).toMatchObject({ reason: 'expired', message: expect.stringMatching(/^The sign-in link expired after 10 minutes/) });
    const verifierId = (await signInRow(late.state))!.verifier_secret_id!;
    expect(await secretExists(verifierId)).toBe(true);
    await connect(b, acc.id);
    expect(await signInRow(late.state)).toMatchObject({ verifier_secret_id: null, spent_at: null });
    expect(await secretExists(verifierId)).toBe(false);
    // Remembered for a day after it ended, then forgotten when Connect is next pressed: unknown.
    clock.advance(24 * 60 * MINUTE - 10 * MINUTE);
    expect((await comeBack(a, lateBack, late.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=expired`);
    clock.advance(10 * MINUTE);
    await connect(b, acc.id);
    expect(await signInRow(late.state)).toBeNull();
    expect((await comeBack(a, lateBack, late.cookies)).headers.location).toBe('/accounts?oauth2=failed&reason=unknown');
  });

  it('the database holds neither the state, nor the browser key, nor the verifier in clear', async () => {
    const acc = await account('hashed@example.com');
    const flow = await connect(a, acc.id);
    const row = await signInRow(flow.state);
    expect(row).toMatchObject({ account_id: acc.id, browser_key_hash: sha256(flow.browserKey), spent_at: null });
    expect(await secretExists(row!.verifier_secret_id!)).toBe(true);
    const inFlight = await everything(a);
    const query = await signIn(flow.authorizeUrl);
    expect((await comeBack(b, query, flow.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=connected`);
    const exchange = provider.requests.find((r) => r.grant_type === 'authorization_code' && r.code === new URLSearchParams(query).get('code'))!;
    const verifier = exchange.code_verifier;
    expect(verifier).toMatch(/^[\w-]{43,128}$/);
    for (const dump of [inFlight, await everything(a)]) {
      for (const secret of [flow.state, flow.browserKey, verifier]) expect(dump.includes(secret)).toBe(false);
    }
    // The hashes are what is there.
    expect(inFlight.includes(sha256(flow.state))).toBe(true);
  });

  it('an account deleted while its browser is away: the way back says so, and its last outcome is gone with it', async () => {
    const acc = await account('deleted@example.com');
    const first = await connect(a, acc.id);
    expect((await comeBack(b, `state=${first.state}`, first.cookies)).headers.location).toBe(`/accounts/${acc.id}?oauth2=failed&reason=no_code`);
    const lastOf = () => a.app.infra.db.selectFrom('oauth2_last_connects').select('reason').where('account_id', '=', acc.id).executeTakeFirst();
    expect(await lastOf()).toEqual({ reason: 'no_code' });
    const flow = await connect(a, acc.id);
    const query = await signIn(flow.authorizeUrl);
    expect((await b.request({ method: 'DELETE', url: `/api/v1/accounts/${acc.id}` })).statusCode).toBe(204);
    expect((await comeBack(a, query, flow.cookies)).headers.location).toBe('/accounts?oauth2=failed&reason=MAILROOM_E_NOT_FOUND');
    expect(await lastOf()).toBeUndefined();
  });

  it('at most 100 sign-ins are open at once, counted across every process', async () => {
    // Every earlier sign-in has expired (the clock moves on); then 110 at once, half on each process.
    clock.advance(11 * MINUTE);
    const acc = await account('many@example.com');
    const answers = await Promise.all(Array.from({ length: 110 }, (_, i) => (i % 2 ? b : a).request({ method: 'POST', url: `/api/v1/accounts/${acc.id}/oauth2/connect` })));
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(100);
    expect(codes.filter((c) => c === 429)).toHaveLength(10);
    expect(answers.find((r) => r.statusCode === 429)!.json()).toMatchObject({ error: { code: 'MAILROOM_E_RATE_LIMITED' } });
    // Once they expire, Connect works again.
    clock.advance(10 * MINUTE + 1);
    await connect(b, acc.id);
  });
});

/** Every row of every table, as text (binary columns read as Latin-1), to search for what must not be there. */
async function everything(t: TestApp): Promise<string> {
  const db = t.app.infra.db;
  const names =
    t.app.infra.capabilities.multiWriter
      ? (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)).rows
      : (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows;
  const parts: string[] = [];
  for (const { name } of names) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
    parts.push(JSON.stringify(rows, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('latin1') : typeof v === 'bigint' ? String(v) : v)));
  }
  return parts.join('\n');
}
