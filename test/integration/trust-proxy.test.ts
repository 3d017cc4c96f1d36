import Fastify from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/test-app.js';

const forwarded = { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' };

await describeEachDialect('behind a TLS-terminating reverse proxy (MAILROOM_TRUST_PROXY)', (dialect) => {
  let proxied: TestApp;
  let direct: TestApp;
  beforeAll(async () => {
    proxied = await startTestApp(dialect, { env: { MAILROOM_TRUST_PROXY: '10.0.0.0/8' } });
    direct = await startTestApp(dialect);
  });
  afterAll(async () => {
    await proxied?.close();
    await direct?.close();
  });

  const login = (t: TestApp, remoteAddress: string) =>
    t.server.inject({ method: 'POST', url: '/api/v1/session', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, remoteAddress, headers: forwarded });
  const lastAuditIp = async (t: TestApp, action: string) => {
    const items: { action: string; ip: string | null }[] = (await t.request({ method: 'GET', url: '/api/v1/audit?limit=20' })).json().items;
    return items.find((e) => e.action === action)?.ip;
  };

  it('takes the client IP and https from a trusted proxy: Secure cookie, real IP in the audit log', async () => {
    const res = await login(proxied, '10.1.2.3');
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(/;\s*Secure/i);
    const cookie = String(res.headers['set-cookie']).split(';')[0];
    const created = await proxied.server.inject({
      method: 'POST',
      url: '/api/v1/servers',
      remoteAddress: '10.1.2.3',
      headers: { ...forwarded, cookie, 'x-csrf-token': res.json().csrfToken },
      payload: { name: 'via proxy', smtp: { host: 'smtp.example.com' } },
    });
    expect(created.statusCode).toBe(201);
    expect(await lastAuditIp(proxied, 'server.create')).toBe('203.0.113.7');
  });

  it('ignores X-Forwarded-* from peers that are not the proxy, and when no proxy is configured', async () => {
    for (const [t, peer] of [
      [proxied, '192.0.2.50'],
      [direct, '10.1.2.3'],
    ] as const) {
      const res = await login(t, peer);
      expect(res.statusCode).toBe(200);
      expect(String(res.headers['set-cookie'])).not.toMatch(/Secure/i);
      const cookie = String(res.headers['set-cookie']).split(';')[0];
      await t.server.inject({ method: 'POST', url: '/api/v1/servers', remoteAddress: peer, headers: { ...forwarded, cookie, 'x-csrf-token': res.json().csrfToken }, payload: { name: `direct ${peer}`, smtp: { host: 'smtp.example.com' } } });
      expect(await lastAuditIp(t, 'server.create')).toBe(peer);
    }
  });
});

it('refuses a trust setting that would let anybody choose their IP, or that is not an address', () => {
  expect(() => loadConfig({ MAILROOM_TRUST_PROXY: 'true' })).toThrow(/MAILROOM_TRUST_PROXY=true would let any client choose/);
  expect(() => loadConfig({ MAILROOM_TRUST_PROXY: '10.0.0.0/33,proxy.example' })).toThrow(/not an address or CIDR: 10\.0\.0\.0\/33, proxy\.example/);
  expect(loadConfig({ MAILROOM_TRUST_PROXY: '2' }).trustProxy).toBe(2);
  expect(loadConfig({ MAILROOM_TRUST_PROXY: ' 127.0.0.1, ::1 ,10.0.0.0/8' }).trustProxy).toEqual(['127.0.0.1', '::1', '10.0.0.0/8']);
  expect(loadConfig({}).trustProxy).toBe(false);
});

it('refuses a /0 range: it trusts every address (like "true"), and the proxy matcher would throw at start', () => {
  for (const v of ['0.0.0.0/0', '::/0', '127.0.0.1,10.0.0.0/0']) {
    expect(() => loadConfig({ MAILROOM_TRUST_PROXY: v }), v).toThrow(/MAILROOM_TRUST_PROXY/);
  }
  // The widest and narrowest ranges that still name a network are fine, and Fastify takes them.
  const { trustProxy } = loadConfig({ MAILROOM_TRUST_PROXY: '10.0.0.0/1,::1/128,fd00::/8,::ffff:10.0.0.0/104' });
  expect(trustProxy).toEqual(['10.0.0.0/1', '::1/128', 'fd00::/8', '::ffff:10.0.0.0/104']);
  expect(() => Fastify({ trustProxy: trustProxy as string[] })).not.toThrow();
});
