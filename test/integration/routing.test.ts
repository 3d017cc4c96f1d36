import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Permission, Principal } from '../../src/core/access/auth.js';
import { chooseAttemptAccount, reserveSendSlot, resolveRoute, type RouteRequest } from '../../src/core/routing/routing.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const app = (allowOverride: boolean): Principal => ({ kind: 'apikey', id: 'key_1', label: 'apikey:shop', permissions: new Set<Permission>(['send']), allowOverride });
const plain = app(false);
const overriding = app(true);

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

await describeEachDialect('routing resolution', (dialect) => {
  let t: TestApp;
  const ids: Record<string, string> = {};
  const route = (req: Partial<RouteRequest>) => resolveRoute(t.app.ports.ctx.store.repos, { purpose: 'invitation', principal: plain, ...req });
  const post = async (url: string, payload: unknown) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/${url}`, payload: payload as object });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const patch = (url: string, payload: unknown) => t.request({ method: 'PATCH', url: `/api/v1/${url}`, payload: payload as object });
  const purposeVersion = async (key: string) => (await t.request({ method: 'GET', url: `/api/v1/purposes/${key}` })).json().version as number;

  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('without any server says to create one', async () => {
    const err = await refusal(route({}));
    expect(err.code).toBe('MAILROOM_E_NO_SENDER');
    expect(err.message).toContain('no account can send invitation mail: create a mail server');
    expect(err.message).toContain('MAILROOM_SMTP_HOST');
  });

  it('with a server but no account says to create an account', async () => {
    ids.srv1 = (await post('servers', { name: 'one', smtp: { host: 'smtp.one.example' } })).id;
    ids.srv2 = (await post('servers', { name: 'two', smtp: { host: 'smtp.two.example' } })).id;
    const err = await refusal(route({}));
    expect(err.code).toBe('MAILROOM_E_NO_SENDER');
    expect(err.message).toContain('create an account on your mail server (POST /api/v1/accounts)');
  });

  it('with only inactive accounts says to activate one', async () => {
    ids.off = (await post('accounts', { serverId: ids.srv1, address: 'off@one.example', active: false })).id;
    const err = await refusal(route({}));
    expect(err.code).toBe('MAILROOM_E_NO_SENDER');
    expect(err.message).toContain('activate one of the 1 account');
  });

  it('falls back to the first (oldest) active account', async () => {
    ids.a = (await post('accounts', { serverId: ids.srv1, address: 'a@one.example', fromName: 'Shop A', aliases: ['@shop.example', 'billing@other.example'] })).id;
    ids.b = (await post('accounts', { serverId: ids.srv1, address: 'b@one.example' })).id;
    ids.c = (await post('accounts', { serverId: ids.srv2, address: 'c@two.example' })).id;
    const r = await route({});
    expect(r.account.id).toBe(ids.a);
    expect(r.server.id).toBe(ids.srv1);
    expect(r.reasonCode).toBe('first_active');
    expect(r.reason).toContain('first active account a@one.example');
    expect(r.failoverAccountIds).toEqual([ids.a]);
    expect(r.priority).toBe(50);
    expect(r.expireAfterSec).toBeNull();
  });

  it('uses the system default account when the purpose names none', async () => {
    const res = await patch('settings', { defaultAccountId: ids.b });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().defaultAccountId).toMatchObject({ value: ids.b, source: 'database', locked: false });
    const r = await route({});
    expect(r.account.id).toBe(ids.b);
    expect(r.reasonCode).toBe('default');
    expect(r.reason).toBe('purpose "invitation" lists no account → system default account b@one.example');
  });

  it("uses the purpose's first active account and fails over along its list", async () => {
    const res = await patch('purposes/report', { accountIds: [ids.off, ids.c, ids.a], version: await purposeVersion('report') });
    expect(res.statusCode, res.body).toBe(200);
    const r = await route({ purpose: 'report' });
    expect(r.account.id).toBe(ids.c);
    expect(r.server.id).toBe(ids.srv2);
    expect(r.reasonCode).toBe('purpose');
    expect(r.reason).toBe('purpose "report" → account c@two.example (the 1 listed before it is inactive)');
    expect(r.failoverAccountIds).toEqual([ids.c, ids.a]);
    expect(r.priority).toBe(10);
  });

  it('orders urgent purposes first and gives two-factor codes ten minutes', async () => {
    const r2 = await route({ purpose: 'two_factor' });
    expect(r2.priority).toBe(100);
    expect(r2.expireAfterSec).toBe(600);
    expect((await route({ purpose: 'password_reset' })).priority).toBeGreaterThan((await route({ purpose: 'report' })).priority);
  });

  it('refuses a switched-off purpose with a message that says so', async () => {
    await patch('purposes/report', { enabled: false, version: await purposeVersion('report') });
    const err = await refusal(route({ purpose: 'report' }));
    expect(err.code).toBe('MAILROOM_E_PURPOSE_DISABLED');
    expect(err.message).toContain('report mail is switched off');
    await patch('purposes/report', { enabled: true, version: await purposeVersion('report') });
  });

  it('refuses an unknown purpose until an admin creates it', async () => {
    const err = await refusal(route({ purpose: 'weekly_digest' }));
    expect(err.code).toBe('MAILROOM_E_UNKNOWN_PURPOSE');
    expect(err.message).toContain('POST /api/v1/purposes');
    await post('purposes', { key: 'weekly_digest', accountIds: [ids.a], priority: 5 });
    const r = await route({ purpose: 'weekly_digest' });
    expect(r).toMatchObject({ reasonCode: 'purpose', priority: 5 });
    expect(r.account.id).toBe(ids.a);
  });

  it('lets only keys allowed to override choose the account or server', async () => {
    const err = await refusal(route({ accountId: ids.c }));
    expect(err.code).toBe('MAILROOM_E_OVERRIDE_NOT_ALLOWED');
    const byAccount = await route({ purpose: 'report', accountId: ids.b, principal: overriding });
    expect(byAccount.account.id).toBe(ids.b);
    expect(byAccount.reasonCode).toBe('override');
    expect(byAccount.failoverAccountIds).toEqual([ids.b]);
    const byServer = await route({ serverId: ids.srv2, principal: overriding });
    expect(byServer.account.id).toBe(ids.c);
    expect(byServer.reason).toContain('server "two" chosen by the message');
    expect((await refusal(route({ accountId: ids.off, principal: overriding }))).code).toBe('MAILROOM_E_ACCOUNT_INACTIVE');
    expect((await refusal(route({ accountId: 'acc_nope', principal: overriding }))).code).toBe('MAILROOM_E_VALIDATION');
    expect((await refusal(route({ accountId: ids.a, serverId: ids.srv2, principal: overriding }))).code).toBe('MAILROOM_E_VALIDATION');
  });

  it('refuses a disabled purpose even with an override', async () => {
    await patch('purposes/weekly_digest', { enabled: false, version: await purposeVersion('weekly_digest') });
    expect((await refusal(route({ purpose: 'weekly_digest', accountId: ids.a, principal: overriding }))).code).toBe('MAILROOM_E_PURPOSE_DISABLED');
  });

  it('sends only as the account address or its aliases', async () => {
    const asAccount = (from: string) => route({ accountId: ids.a, principal: overriding, from });
    await expect(asAccount('a@one.example')).resolves.toBeTruthy();
    await expect(asAccount('Shop News <news@shop.example>')).resolves.toBeTruthy();
    await expect(asAccount('billing@other.example')).resolves.toBeTruthy();
    const err = await refusal(asAccount('ceo@other.example'));
    expect(err.code).toBe('MAILROOM_E_FROM_NOT_ALLOWED');
    expect(err.message).toContain('may not send as ceo@other.example');
    expect(err.message).toContain('@shop.example');
    expect((await refusal(route({ from: 'x@evil.example' }))).code).toBe('MAILROOM_E_FROM_NOT_ALLOWED');
  });

  it("with the message's authors, routes and fails over only through accounts that may send as every one of them", async () => {
    // c@two.example may send as itself alone; a@one.example also as @shop.example and billing@other.example.
    await post('purposes', { key: 'statement', accountIds: [ids.off, ids.c, ids.a] });
    const authors = (...list: [string, string][]) => list.map(([field, address]) => ({ field, address }));
    const r = await route({ purpose: 'statement', from: 'news@shop.example', authors: authors(['from', 'news@shop.example'], ['sender', 'billing@other.example']) });
    expect(r.account.id).toBe(ids.a);
    expect(r.reasonCode).toBe('purpose');
    expect(r.reason).toBe('purpose "statement" → account a@one.example (passed over: off@one.example is inactive, c@two.example may not send as news@shop.example)');
    expect(r.failoverAccountIds).toEqual([ids.a]);
    // The primary may: it stays first, and the failover list keeps only the accounts that may too.
    const own = await route({ purpose: 'statement', from: 'c@two.example', authors: authors(['from', 'c@two.example']) });
    expect(own.account.id).toBe(ids.c);
    expect(own.reason).toBe('purpose "statement" → account c@two.example (the 1 listed before it is inactive)');
    expect(own.failoverAccountIds).toEqual([ids.c]);
    // An author none of the accounts may use is named, with the accounts it was asked of.
    const nobody = await refusal(route({ purpose: 'statement', authors: authors(['from', 'news@shop.example'], ['sender', 'x@evil.example']) }));
    expect(nobody.code).toBe('MAILROOM_E_FROM_NOT_ALLOWED');
    expect(nobody.message).toMatch(/^sender: none of the accounts purpose "statement" sends through \(c@two\.example, a@one\.example\) may send as x@evil\.example;/);
    // Each author has an account, but no one account has them all: each account's gap is named.
    const split = await refusal(route({ purpose: 'statement', authors: authors(['from', 'c@two.example'], ['from', 'news@shop.example']) }));
    expect(split.code).toBe('MAILROOM_E_FROM_NOT_ALLOWED');
    expect(split.message).toMatch(
      /^from: no single account purpose "statement" sends through may send as all of c@two\.example, news@shop\.example: c@two\.example may not send as news@shop\.example; a@one\.example may not send as c@two\.example;/,
    );
    // A pinned account is not passed over: the author it may not use is named.
    const pinned = await refusal(route({ purpose: 'statement', accountId: ids.a, principal: overriding, authors: authors(['from', 'a@one.example'], ['sender', 'x@evil.example']) }));
    expect(pinned.message).toMatch(/^sender: account a@one\.example may not send as x@evil\.example;/);
    // Without `authors` (the API's messages) nothing changes: the first active account, refused when it may not use `from`.
    const api = await refusal(route({ purpose: 'statement', from: 'news@shop.example' }));
    expect(api.code).toBe('MAILROOM_E_FROM_NOT_ALLOWED');
    expect(api.message).toMatch(/^from: account c@two\.example may not send as news@shop\.example;/);
    expect((await route({ purpose: 'statement', from: 'c@two.example' })).failoverAccountIds).toEqual([ids.c]);
  });

  it('adds the global copies only to purposes that opt in', async () => {
    const res = await patch('settings', { globalCc: ['audit@one.example'], globalBcc: ['archive@one.example'] });
    expect(res.statusCode, res.body).toBe(200);
    const alert = await route({ purpose: 'alert' });
    expect(alert.globalCc).toEqual(['audit@one.example']);
    expect(alert.globalBcc).toEqual(['archive@one.example']);
    const code = await route({ purpose: 'two_factor' });
    expect(code.globalCc).toEqual([]);
    expect(code.globalBcc).toEqual([]);
  });

  it('chooses the next active account of the list after each transient failure', async () => {
    const list = [ids.c, ids.off, ids.a];
    const pick = async (n: number) => (await chooseAttemptAccount(t.app.ports.ctx.store.repos, list, n)).account.id;
    expect([await pick(0), await pick(1), await pick(2), await pick(3)]).toEqual([ids.c, ids.a, ids.c, ids.a]);
    expect((await chooseAttemptAccount(t.app.ports.ctx.store.repos, list, 1)).server.id).toBe(ids.srv1);
    const err = await refusal(chooseAttemptAccount(t.app.ports.ctx.store.repos, [ids.off, 'acc_deleted'], 0));
    expect(err.code).toBe('MAILROOM_E_NO_SENDER');
    expect(err.message).toBe(`none of the accounts this message may use (${ids.off}, acc_deleted) is active any more (deleted: acc_deleted): activate one and retry the message`);
    // Only deleted accounts: none can be activated again, and the message says so.
    const gone = await refusal(chooseAttemptAccount(t.app.ports.ctx.store.repos, ['acc_deleted'], 0));
    expect(gone.code).toBe('MAILROOM_E_NO_SENDER');
    expect(gone.message).toBe('none of the accounts this message may use (acc_deleted) exists any more: they were deleted, so it cannot be sent; cancel it (or let it expire)');
  });

  it('defers a send over the account limit to the next window, then allows it', async () => {
    const acc = (await t.request({ method: 'GET', url: `/api/v1/accounts/${ids.b}` })).json();
    await patch(`accounts/${ids.b}`, { rateLimit: { perMinute: 2, perHour: 3 }, version: acc.version });
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 5);
    const slot = (at: number) => reserveSendSlot(t.app.ports.ctx.store.repos, ids.b, at);
    expect(await slot(t0)).toEqual({ allowed: true });
    expect(await slot(t0 + 1000)).toEqual({ allowed: true });
    const full = await slot(t0 + 2000);
    expect(full).toMatchObject({ allowed: false, retryAt: Date.UTC(2026, 0, 1, 10, 1, 0) });
    expect(full.allowed === false && full.reason).toContain('2 per minute');
    expect(await slot(Date.UTC(2026, 0, 1, 10, 1, 0))).toEqual({ allowed: true });
    const hourFull = await slot(Date.UTC(2026, 0, 1, 10, 1, 30));
    expect(hourFull).toMatchObject({ allowed: false, retryAt: Date.UTC(2026, 0, 1, 11, 0, 0) });
    // The minute already taken by the refused send was given back.
    const minute = await t.app.infra.db.selectFrom('send_counters').select('count').where('scope', '=', ids.b).where('window', '=', 'minute').where('window_start', '=', Date.UTC(2026, 0, 1, 10, 1, 0)).executeTakeFirst();
    expect(minute?.count).toBe(1);
    expect(await slot(Date.UTC(2026, 0, 1, 11, 0, 0))).toEqual({ allowed: true });
  });

  it('shares a server limit between its accounts and never exceeds it under concurrency', async () => {
    const srv = (await t.request({ method: 'GET', url: `/api/v1/servers/${ids.srv2}` })).json();
    expect((await patch(`servers/${ids.srv2}`, { rateLimit: { perMinute: 5 }, version: srv.version })).statusCode).toBe(200);
    ids.d = (await post('accounts', { serverId: ids.srv2, address: 'd@two.example' })).id;
    const at = Date.UTC(2026, 0, 2, 9, 30, 0);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => reserveSendSlot(t.app.ports.ctx.store.repos, i % 2 ? ids.c : ids.d, at)));
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    const refused = results.find((r) => !r.allowed);
    expect(refused).toMatchObject({ allowed: false, retryAt: at + 60_000 });
    expect(refused?.allowed === false && refused.reason).toContain('server "two"');
  });
});
