import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** A domain of 253 characters (the most DNS allows), in labels of at most 63. */
const LONG_DOMAIN = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
/** An address as long as an address can be: a 64-character local part at that domain (318 characters). */
const LONG_ADDRESS = `${'u'.repeat(64)}@${LONG_DOMAIN}`;

/**
 * The longest names the API accepts fit everywhere they are recorded, on both dialects: the
 * actor label `user:<email>` in the audit log and in the `created_by` columns, an address or a
 * domain as an audit entry's target. On PostgreSQL a user with a 316–320-character email could
 * not sign in (500: the login's audit entry did not fit), and a long suppressed address or DKIM
 * domain was a 500 too (the audit target was varchar(100)).
 */
await describeEachDialect('the longest emails, addresses and domains are recorded whole', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  it('a user whose email is 318 characters signs in, and acts under their whole name', async () => {
    expect(LONG_ADDRESS.length).toBe(318);
    const created = await api('POST', '/users', { email: LONG_ADDRESS, role: 'admin', password: 'long-admin-password-1' });
    expect(created.statusCode, created.body).toBe(201);
    const login = await t.server.inject({ method: 'POST', url: '/api/v1/session', payload: { email: LONG_ADDRESS, password: 'long-admin-password-1' } });
    expect(login.statusCode, login.body).toBe(200);
    const actors = await sql<{ actor: string }>`select actor from audit where action = 'session.login'`.execute(t.app.infra.db);
    expect(actors.rows.map((r) => r.actor)).toContain(`user:${LONG_ADDRESS}`);
  });

  it('a suppressed address of 318 characters and a DKIM key for a 253-character domain are stored and audited', async () => {
    const suppressed = await api('POST', '/suppressions', { address: LONG_ADDRESS });
    expect(suppressed.statusCode, suppressed.body).toBe(201);
    expect((await api('GET', `/suppressions?q=${encodeURIComponent(LONG_ADDRESS)}`)).json().items.map((s: { address: string }) => s.address)).toEqual([LONG_ADDRESS]);
    const dkim = await api('PUT', `/dkim/${LONG_DOMAIN}`, { keyBits: 1024 });
    expect(dkim.statusCode, dkim.body).toBe(200);
    const targets = await sql<{ target_id: string }>`select target_id from audit where target_id in (${LONG_ADDRESS}, ${LONG_DOMAIN})`.execute(t.app.infra.db);
    expect(targets.rows.map((r) => r.target_id).sort()).toEqual([LONG_ADDRESS, LONG_DOMAIN].sort());
  });
});
