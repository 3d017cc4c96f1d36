import { hostname } from 'node:os';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../src/core/kernel/ids.js';
import { pruneRelayRecords, REJECTIONS_KEPT_MS } from '../../src/core/relay/rejections.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { relaySuite } from '../helpers/relay.js';
import { RawSmtp } from '../helpers/smtp-client.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * SMTP credentials through the API: the password is shown once (create, rotate) and never
 * again, every change is audited without it, input is validated with precise codes, and a
 * rotated password works at once while the old one does not. The relay status and its list of
 * refusals.
 */
await describeEachDialect('SMTP credentials API', (dialect) => {
  const suite = relaySuite(dialect, { delivery: false });
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key?: string) => suite.r.t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}), ...(key ? { key } : {}) });

  it('creates a credential and shows its password this once', async () => {
    const res = await api('POST', '/smtp-credentials', { name: 'Ticket System', allowedFrom: ['Tickets@Example.com', '@support.example.com'], purpose: 'alert', maxRecipients: 10, perMinute: 60 });
    expect(res.statusCode).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({
      name: 'Ticket System',
      username: 'ticket-system',
      authentication: 'password',
      allowedFrom: ['tickets@example.com', '@support.example.com'],
      purpose: 'alert',
      accountId: null,
      maxMessageBytes: 10 * 1024 * 1024,
      maxRecipients: 10,
      perMinute: 60,
      allowedIps: [],
      enabled: true,
      lastUsedAt: null,
      version: 1,
    });
    expect(c.id).toMatch(/^smc_/);
    expect(c.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(c.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const all = JSON.stringify([(await api('GET', '/smtp-credentials')).json(), (await api('GET', `/smtp-credentials/${c.id}`)).json()]);
    expect(all).toContain('ticket-system');
    expect(all).not.toContain(c.password);
    expect(all).not.toMatch(/passwordHash|"password":/);
    const audit = (await api('GET', `/audit?targetId=${c.id}`)).json().items;
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['smtp_credential.create']);
    expect(JSON.stringify(audit)).not.toContain(c.password);
  });

  it('refuses what it cannot honour, each with a precise code', async () => {
    const cases: [Record<string, unknown>, number, string, string?][] = [
      [{ name: 'x' }, 400, 'MAILROOM_E_VALIDATION', 'allowedFrom'],
      [{ name: 'Open', allowedFrom: [] }, 400, 'MAILROOM_E_VALIDATION', 'allowedFrom'],
      [{ name: 'Bad from', allowedFrom: ['not an address'] }, 400, 'MAILROOM_E_INVALID_ADDRESS', 'allowedFrom[0]'],
      [{ name: 'Named', allowedFrom: ['App <app@example.com>'] }, 400, 'MAILROOM_E_VALIDATION', 'allowedFrom[0]'],
      [{ name: 'Anywhere', allowedFrom: ['@example.com'], allowedIps: ['0.0.0.0/0'] }, 400, 'MAILROOM_E_VALIDATION', 'allowedIps[0]'],
      [{ name: 'Typo', allowedFrom: ['@example.com'], allowedIps: ['10.0.0.300'] }, 400, 'MAILROOM_E_VALIDATION', 'allowedIps[0]'],
      [{ name: 'Device', authentication: 'client-ip', allowedFrom: ['@example.com'] }, 400, 'MAILROOM_E_VALIDATION', 'allowedIps'],
      [{ name: 'No purpose', allowedFrom: ['@example.com'], purpose: 'nope' }, 422, 'MAILROOM_E_UNKNOWN_PURPOSE'],
      [{ name: 'No account', allowedFrom: ['@example.com'], accountId: 'acc_missing' }, 400, 'MAILROOM_E_VALIDATION', 'accountId'],
      [{ name: 'Huge', allowedFrom: ['@example.com'], maxMessageBytes: 100 * 1024 * 1024 }, 400, 'MAILROOM_E_VALIDATION', 'maxMessageBytes'],
      [{ name: 'Bad user', allowedFrom: ['@example.com'], username: 'a b' }, 400, 'MAILROOM_E_VALIDATION', 'username'],
      [{ name: 'Extra', allowedFrom: ['@example.com'], password: 'chosen' }, 400, 'MAILROOM_E_UNKNOWN_FIELD'],
      [{ name: 'Ticket System', allowedFrom: ['@example.com'] }, 409, 'MAILROOM_E_DUPLICATE'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await api('POST', '/smtp-credentials', body);
      expect([res.statusCode, res.json().error.code], JSON.stringify(body)).toEqual([status, code]);
      if (field) expect(res.json().error.details?.field, JSON.stringify(body)).toBe(field);
    }
    const printer = await api('POST', '/smtp-credentials', { name: 'Printer', authentication: 'client-ip', allowedIps: ['10.1.0.0/16'], allowedFrom: ['printer@example.com'] });
    expect(printer.statusCode).toBe(201);
    expect(printer.json().password).toBeUndefined();
    const overlap = await api('POST', '/smtp-credentials', { name: 'Scanner', authentication: 'client-ip', allowedIps: ['10.1.2.3'], allowedFrom: ['scanner@example.com'] });
    expect(overlap.statusCode).toBe(409);
    expect(overlap.json().error.message).toContain('10.1.2.3 overlaps 10.1.0.0/16 of client-ip credential "Printer"');
    const rotate = await api('POST', `/smtp-credentials/${printer.json().id}/rotate`);
    expect([rotate.statusCode, rotate.json().error.code]).toEqual([409, 'MAILROOM_E_INVALID_STATE']);
    const viewer = (await suite.r.t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'sender', scopes: ['send', 'read'] } })).json().key;
    expect((await api('GET', '/smtp-credentials', undefined, viewer)).statusCode).toBe(403);
    expect((await api('GET', '/relay/status', undefined, viewer)).statusCode).toBe(200);
  });

  it('updates with the version read; the username and the way of logging in stay', async () => {
    const c = (await api('GET', '/smtp-credentials')).json().items.find((x: { name: string }) => x.name === 'Ticket System');
    const res = await api('PATCH', `/smtp-credentials/${c.id}`, { version: c.version, allowedFrom: ['@example.com'], perMinute: null, allowedIps: ['127.0.0.1', '::1'] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ allowedFrom: ['@example.com'], perMinute: null, allowedIps: ['127.0.0.1', '::1'], version: 2, username: 'ticket-system' });
    expect((await api('PATCH', `/smtp-credentials/${c.id}`, { version: 1, enabled: false })).json().error.code).toBe('MAILROOM_E_VERSION_CONFLICT');
    expect((await api('PATCH', `/smtp-credentials/${c.id}`, { version: 2, username: 'other' })).json().error.details.field).toBe('username');
    expect((await api('PATCH', `/smtp-credentials/${c.id}`, { allowedFrom: ['@example.com'] })).json().error.details.field).toBe('version');
  });

  it('rotates the password: the new one works at once, the old one no more; delete ends it', async () => {
    const { credential } = suite.r;
    // A session logged in with the old password (the one that leaked) is no way around it.
    const open = await RawSmtp.connect(suite.r.port);
    await open.login(credential.username, credential.password!);
    expect(await open.command('MAIL FROM:<app@example.com>')).toMatch(/^250 /);
    await open.command('RSET');
    const rotated = await api('POST', `/smtp-credentials/${credential.id}/rotate`);
    expect(await open.command('MAIL FROM:<app@example.com>')).toMatch(/^530 5\.7\.0 .*password .* changed/);
    open.close();
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json();
    expect(fresh.password).not.toBe(credential.password);
    expect(fresh.passwordRotatedAt).toMatch(/^\d{4}-/);
    const old = await RawSmtp.connect(suite.r.port);
    await expect(old.login(credential.username, credential.password!)).rejects.toThrow(/535/);
    old.close();
    const now = await RawSmtp.connect(suite.r.port);
    await now.login(credential.username, fresh.password);
    now.close();
    expect((await api('DELETE', `/smtp-credentials/${credential.id}`)).statusCode).toBe(204);
    expect((await api('GET', `/smtp-credentials/${credential.id}`)).statusCode).toBe(404);
    const gone = await RawSmtp.connect(suite.r.port);
    await expect(gone.login(credential.username, fresh.password)).rejects.toThrow(/535/);
    gone.close();
    const actions = (await api('GET', `/audit?targetId=${credential.id}`)).json().items.map((a: { action: string }) => a.action);
    // Newest first; the last failed login names no credential any more (it is gone).
    expect(actions).toEqual(['smtp_credential.delete', 'relay.auth_failed', 'smtp_credential.rotate', 'smtp_credential.create']);
  });

  it('reports the relay: listening ports and the certificate a client can pin', async () => {
    const s = (await api('GET', '/relay/status')).json();
    expect(s).toMatchObject({ enabled: true, host: '127.0.0.1', listeners: [{ port: suite.r.port, tls: 'starttls', listening: true }, { port: suite.r.tlsPort, tls: 'implicit', listening: true }] });
    const x509 = new X509Certificate(readFileSync(s.certificate.file));
    expect(s.certificate).toMatchObject({ source: 'self-signed', fingerprint256: x509.fingerprint256 });
    // The names a client may connect by (a client that checks the name refuses any other): the admin UI picks its example host among them.
    expect(s.certificate.names).toEqual([hostname(), 'localhost', '127.0.0.1', '::1']);
    expect(Date.parse(s.certificate.expiresAt)).toBe(Date.parse(x509.validTo));
    expect(Date.parse(s.startedAt)).toBeGreaterThan(0);
    const pem = await api('GET', '/relay/certificate');
    expect(pem.headers['content-type']).toContain('application/x-pem-file');
    expect(new X509Certificate(pem.body).fingerprint256).toBe(s.certificate.fingerprint256);
  });

  it('lists refused commands newest first, page by page', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await RawSmtp.connect(suite.r.port);
      await c.reply();
      await c.command('EHLO refused.test');
      await c.command(`MAIL FROM:<nobody${i}@example.com>`);
      c.close();
    }
    // Refusals are written beside the session (group commit), not before the reply: wait for them.
    await expect.poll(async () => (await api('GET', '/relay/rejections?limit=3')).json().items.filter((x: { code: number }) => x.code === 530).length, { timeout: 10_000 }).toBe(3);
    const first = (await api('GET', '/relay/rejections?limit=2')).json();
    expect(first.items).toHaveLength(2);
    expect(first.items[0]).toMatchObject({ stage: 'mail', code: 530, clientIp: '127.0.0.1', credentialId: null });
    expect(first.items[0].reply).toMatch(/^530 5\.7\.0 authentication required/);
    const second = (await api('GET', `/relay/rejections?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.items[0].id < first.items[1].id).toBe(true);
    expect((await api('GET', '/relay/rejections?cursor=nonsense')).json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'cursor' } });
  });

  it('forgets refusals after 30 days and rate counters after a day (the hourly housekeeping)', async () => {
    const { ctx } = suite.r.t.app.ports;
    const now = Date.now();
    const old = now - REJECTIONS_KEPT_MS - 1000;
    const oldId = newId('rej', old);
    await ctx.store.repos.relayRejections.insert({ id: oldId, at: old, clientIp: '10.0.0.1', credentialId: null, username: null, stage: 'mail', code: 530, reply: '530 old' });
    const c = (await api('GET', '/smtp-credentials')).json().items[0];
    await ctx.store.repos.sendCounters.bump(c.id, 'minute', now - 2 * 86_400_000, 10);
    // By id, not by count: an earlier test's refusal may still be on its way to the store (group commit).
    const ids = async () => (await api('GET', '/relay/rejections?limit=500')).json().items.map((x: { id: string }) => x.id) as string[];
    const before = await ids();
    expect(before).toContain(oldId);
    expect(await pruneRelayRecords(ctx)).toBe(1);
    const after = await ids();
    expect(after).not.toContain(oldId);
    expect(after).toEqual(expect.arrayContaining(before.filter((id) => id !== oldId)));
    // The old window's counter is gone: a bump starts again from 1 (it would refuse at 1 of 1 otherwise).
    expect(await ctx.store.repos.sendCounters.bump(c.id, 'minute', now - 2 * 86_400_000, 1)).toBe(true);
  });
});

await describeEachDialect('relay off', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('says so in its status; credentials can be prepared before it is switched on', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/relay/status' })).json()).toEqual({ enabled: false, host: null, listeners: [], certificate: null, startedAt: null });
    expect((await t.request({ method: 'GET', url: '/api/v1/relay/certificate' })).json().error.code).toBe('MAILROOM_E_NOT_FOUND');
    expect((await t.request({ method: 'POST', url: '/api/v1/smtp-credentials', payload: { name: 'Later', allowedFrom: ['@example.com'] } })).statusCode).toBe(201);
  });

  it('a relay port another program holds stops the start with a message that says so', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const other = await startTestApp(dialect, { env: { MAILROOM_RELAY_PORT: String(port) } });
    try {
      await expect(other.app.startWorkers()).rejects.toMatchObject({ code: 'MAILROOM_E_CONFIG', message: `MAILROOM_RELAY_PORT=${port}: the SMTP relay cannot listen on 127.0.0.1:${port} (EADDRINUSE: another program uses the port)` });
      // The refusal alone: not also a "connection error" with a stack trace in the log.
      expect(other.logLines.join('')).not.toContain('SMTP relay: connection error');
    } finally {
      await other.close();
      blocker.close();
    }
  });
});
