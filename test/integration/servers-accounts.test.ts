import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'S3cret-Pa55word-that-must-never-leak';

await describeEachDialect('servers and accounts', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const createServer = async (body: Record<string, unknown>) => t.request({ method: 'POST', url: '/api/v1/servers', payload: body });
  const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  it('creates a server with defaults and reads it back', async () => {
    const res = await createServer({ name: 'primary', smtp: { host: 'smtp.example.com' } });
    expect(res.statusCode).toBe(201);
    const s = res.json();
    expect(s.smtp).toMatchObject({ host: 'smtp.example.com', port: 587, security: 'starttls', requireTls: true, connectTimeoutSec: 30, sendTimeoutSec: 30, tlsTrust: { mode: 'system' } });
    expect(s.retry).toEqual({ backoffSec: [5, 30, 300], intervalSec: 900, expireAfterSec: 259200 });
    expect(s.version).toBe(1);
    expect(s.createdAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    const got = await t.request({ method: 'GET', url: `/api/v1/servers/${s.id}` });
    expect(got.json()).toEqual(s);
  });

  it('defaults port 465 to implicit TLS', async () => {
    const res = await createServer({ name: 'implicit', smtp: { host: 'smtp.example.com', port: 465 } });
    expect(res.json().smtp.security).toBe('tls');
  });

  it.each([
    [{ name: 'x1', smtp: { host: 'h.example.com', port: 70000 } }, 'MAILROOM_E_VALIDATION', 'port'],
    [{ name: 'x2', smtp: { host: 'h.example.com', connectTimeoutSec: 0 } }, 'MAILROOM_E_VALIDATION', 'connectTimeoutSec'],
    [{ name: 'x3', smtp: { host: 'h.example.com', sendTimeoutSec: 301 } }, 'MAILROOM_E_VALIDATION', 'sendTimeoutSec'],
    [{ name: 'x4', smtp: { host: 'h.example.com', security: 'ssl' } }, 'MAILROOM_E_VALIDATION', 'security'],
    [{ name: 'x5', smtp: { host: 'h.example.com', port: '25' } }, 'MAILROOM_E_VALIDATION', 'port'],
    [{ name: 'x6', smtp: { host: 'h.example.com' }, colour: 'blue' }, 'MAILROOM_E_UNKNOWN_FIELD', 'colour'],
    [{ name: 'x7', smtp: { host: 'h.example.com', tlsTrust: { mode: 'pinned' } } }, 'MAILROOM_E_VALIDATION', 'pinned'],
    [{ name: 'x8', smtp: { host: 'h.example.com', tlsTrust: { mode: 'pinned', fingerprint: 'abc' } } }, 'MAILROOM_E_VALIDATION', 'fingerprint'],
    [{ name: 'x9', smtp: { host: 'bad host/../' } }, 'MAILROOM_E_VALIDATION', 'host'],
    [{ name: 'x10', smtp: { host: 'h.example.com', security: 'none', requireTls: true } }, 'MAILROOM_E_VALIDATION', 'requireTls'],
    [{ name: 'primary', smtp: { host: 'h.example.com' } }, 'MAILROOM_E_DUPLICATE', 'already exists'],
  ])('refuses bad server input %#', async (body, code, mentions) => {
    const before = (await t.request({ method: 'GET', url: '/api/v1/servers' })).json().items.length;
    const res = await createServer(body);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message).toContain(mentions);
    expect((await t.request({ method: 'GET', url: '/api/v1/servers' })).json().items.length).toBe(before);
  });

  it('answers malformed JSON with a stable code', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/servers', payload: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('MAILROOM_E_MALFORMED_JSON');
  });

  it('keeps the password write-only, encrypted, and out of the logs', async () => {
    const server = (await createServer({ name: 'secret-test', smtp: { host: 'mail.example.org' } })).json();
    const res = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'App@Example.org', fromName: 'App', password: PASSWORD } });
    expect(res.statusCode).toBe(201);
    const account = res.json();
    expect(account).toMatchObject({ address: 'App@example.org', passwordSet: true, active: true, version: 1 });
    expect(JSON.stringify(account)).not.toContain(PASSWORD);
    expect(account).not.toHaveProperty('password');
    expect(account).not.toHaveProperty('passwordSecretId');
    const list = await t.request({ method: 'GET', url: '/api/v1/accounts' });
    expect(list.body).not.toContain(PASSWORD);
    const audit = await t.request({ method: 'GET', url: '/api/v1/audit' });
    expect(audit.body).not.toContain(PASSWORD);
    expect(audit.json().items.some((e: { action: string }) => e.action === 'account.create')).toBe(true);
    expect(t.logLines.join('')).not.toContain(PASSWORD);
    // The stored ciphertext decrypts back to the password.
    const stored = await t.app.ports.ctx.store.repos.accounts.get(account.id);
    expect(await t.app.ports.ctx.store.repos.secrets.reveal(stored!.passwordSecretId!)).toBe(PASSWORD);
    if (dialect === 'sqlite') {
      for (const f of readdirSync(t.dataDir)) {
        expect(readFileSync(path.join(t.dataDir, f)).includes(Buffer.from(PASSWORD)), f).toBe(false);
      }
    } else {
      const { rows } = await sql<{ dump: string }>`SELECT string_agg(ciphertext, ',') AS dump FROM secrets`.execute(t.app.infra.db);
      expect(rows[0].dump).not.toContain(PASSWORD);
      expect(rows[0].dump).toContain('v1.');
    }
  });

  it('clears the stored password when the server is re-pointed, and on login change', async () => {
    const server = (await createServer({ name: 'repoint', smtp: { host: 'a.example.org' } })).json();
    const acc = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'x@example.org', password: PASSWORD } })).json();
    const upd = await t.request({ method: 'PATCH', url: `/api/v1/servers/${server.id}`, payload: { version: 1, smtp: { host: 'evil.example.net' } } });
    expect(upd.statusCode).toBe(200);
    const after = (await t.request({ method: 'GET', url: `/api/v1/accounts/${acc.id}` })).json();
    expect(after.passwordSet).toBe(false);
    // Set again, then change the login without a password: cleared again.
    const set = await t.request({ method: 'PATCH', url: `/api/v1/accounts/${acc.id}`, payload: { version: after.version, password: PASSWORD } });
    expect(set.json().passwordSet).toBe(true);
    const relog = await t.request({ method: 'PATCH', url: `/api/v1/accounts/${acc.id}`, payload: { version: set.json().version, login: 'someone-else' } });
    expect(relog.json().passwordSet).toBe(false);
    // Changing only the display name keeps it.
    const again = await t.request({ method: 'PATCH', url: `/api/v1/accounts/${acc.id}`, payload: { version: relog.json().version, password: PASSWORD } });
    const rename = await t.request({ method: 'PATCH', url: `/api/v1/accounts/${acc.id}`, payload: { version: again.json().version, fromName: 'Renamed' } });
    expect(rename.json().passwordSet).toBe(true);
  });

  it('refuses a stale update with 409 and changes nothing', async () => {
    const server = (await createServer({ name: 'stale', smtp: { host: 'b.example.org' } })).json();
    const ok = await t.request({ method: 'PATCH', url: `/api/v1/servers/${server.id}`, payload: { version: 1, name: 'stale-2' } });
    expect(ok.json().version).toBe(2);
    const stale = await t.request({ method: 'PATCH', url: `/api/v1/servers/${server.id}`, payload: { version: 1, name: 'stale-3' } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('MAILROOM_E_VERSION_CONFLICT');
    expect((await t.request({ method: 'GET', url: `/api/v1/servers/${server.id}` })).json().name).toBe('stale-2');
  });

  it('refuses to delete a server that accounts still use', async () => {
    const server = (await createServer({ name: 'in-use', smtp: { host: 'c.example.org' } })).json();
    const acc = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.id, address: 'y@example.org' } })).json();
    const del = await t.request({ method: 'DELETE', url: `/api/v1/servers/${server.id}` });
    expect(del.statusCode).toBe(409);
    expect(del.json().error).toMatchObject({ code: 'MAILROOM_E_IN_USE' });
    expect(del.json().error.message).toContain('the account y@example.org');
    expect((await t.request({ method: 'DELETE', url: `/api/v1/accounts/${acc.id}` })).statusCode).toBe(204);
    expect((await t.request({ method: 'DELETE', url: `/api/v1/servers/${server.id}` })).statusCode).toBe(204);
    expect((await t.request({ method: 'GET', url: `/api/v1/servers/${server.id}` })).statusCode).toBe(404);
  });

  it('validates accounts: unknown server, bad address, plaintext server with a password', async () => {
    const bad = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: 'srv_nope', address: 'a@example.org' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('does not exist');
    const plain = (await createServer({ name: 'relay25', smtp: { host: 'relay.internal.example', port: 25, security: 'none' } })).json();
    const addr = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: plain.id, address: 'not an address' } });
    expect(addr.json().error.code).toBe('MAILROOM_E_INVALID_ADDRESS');
    const pw = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: plain.id, address: 'a@example.org', password: 'x' } });
    expect(pw.statusCode).toBe(400);
    expect(pw.json().error.message).toContain('plain text');
    const inj = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: plain.id, address: 'a@example.org', fromName: 'A\r\nBcc: victim@example.com' } });
    expect(inj.json().error.code).toBe('MAILROOM_E_HEADER_INJECTION');
  });

  it('an account password or passwordRef of "": refused, not taken as "none" (a script with an unset variable removed the stored one)', async () => {
    const server = await createServer({ name: 'relay for empty passwords', smtp: { host: 'smtp.example.com', port: 587 } });
    expect(server.statusCode, server.body).toBe(201);
    const created = await api('POST', '/accounts', { serverId: server.json().id, address: 'pw@example.com', password: 'secret-1' });
    expect(created.statusCode, created.body).toBe(201);
    const account = created.json();
    const expected = { code: 'MAILROOM_E_VALIDATION', message: 'password: must not be empty: give null to remove the password, or leave it out to keep it', details: { field: 'password' } };
    const fresh = await api('POST', '/accounts', { serverId: server.json().id, address: 'pw2@example.com', password: '' });
    expect(fresh.statusCode, fresh.body).toBe(400);
    expect(fresh.json().error).toEqual(expected);
    const res = await t.request({ method: 'PATCH', url: `/api/v1/accounts/${account.id}`, payload: { version: account.version, password: '' } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toEqual(expected);
    expect((await api('GET', `/accounts/${account.id}`)).json()).toMatchObject({ passwordSet: true, version: account.version });
    // A reference likewise: "" removed it.
    const byRef = (await api('POST', '/accounts', { serverId: server.json().id, address: 'ref@example.com', passwordRef: 'env:SMTP_PASSWORD' })).json();
    const cleared = await t.request({ method: 'PATCH', url: `/api/v1/accounts/${byRef.id}`, payload: { version: byRef.version, passwordRef: '' } });
    expect(cleared.statusCode, cleared.body).toBe(400);
    expect(cleared.json().error).toEqual({ code: 'MAILROOM_E_VALIDATION', message: 'passwordRef: must not be empty: give null to remove the reference, or leave it out to keep it', details: { field: 'passwordRef' } });
    expect((await api('GET', `/accounts/${byRef.id}`)).json()).toMatchObject({ passwordRef: 'env:SMTP_PASSWORD', version: byRef.version });
  });
});
